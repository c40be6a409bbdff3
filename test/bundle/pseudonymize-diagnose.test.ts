import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {pseudonymizeCaptureSet, reverseText} from '../../src/bundle/pseudonymize.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {getModel} from '../../src/diagnostics/model.js';
import {cidrContains} from '../../src/diagnostics/net.js';
import type {CaptureSet} from '../../src/model/capture.js';

const SCENARIOS = fileURLToPath(new URL('../scenarios', import.meta.url));
const scenarios = readdirSync(SCENARIOS)
	.filter(name => statSync(path.join(SCENARIOS, name)).isDirectory())
	.sort();

/** Findings as comparable text: everything a reader sees (messages, evidence excerpts, data). */
const findingsOf = (set: CaptureSet): string[] =>
	diagnose(assembleSnapshot(set))
		.findings.map(f => JSON.stringify({...f, nodes: [...f.nodes].sort()}))
		.sort();

/** A finding (JSON) with its cut excerpt windows (`…` at an edge) blanked. */
const uncut = (finding: string): string => {
	const f = JSON.parse(finding) as {evidence?: {excerpt?: string}[]};
	for (const e of f.evidence ?? [])
		if (e.excerpt !== undefined && (e.excerpt.startsWith('…') || e.excerpt.endsWith('…')))
			e.excerpt = '<window cut from a long line>';
	return JSON.stringify(f);
};

describe('diagnose on a pseudonymised capture set', () => {
	it('finds the scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(5));

	it.each(scenarios)(
		'Given scenario %s, When pseudonymised and diagnosed, Then the findings mapped back equal the original findings',
		async name => {
			const set = await readCaptureSet(path.join(SCENARIOS, name));
			const original = findingsOf(set);
			const {set: pseudo, mapping} = pseudonymizeCaptureSet(set, {key: `k-${name}`});
			const got = findingsOf(pseudo);
			// Same number and same severities before mapping back (nothing depends on the names).
			expect(got.length).toBe(original.length);
			expect(
				got.map(f => (JSON.parse(f) as {severity: string; ruleId: string}).ruleId).sort(),
			).toEqual(original.map(f => (JSON.parse(f) as {ruleId: string}).ruleId).sort());
			// An excerpt cut out of a long line (one-line JSON such as ovn-nbctl's) is a window whose
			// edges move with the length of the pseudonyms before it: compare those windows by their
			// capture, lines and note only; every other field and uncut excerpt must be equal.
			expect(got.map(f => uncut(reverseText(f, mapping))).sort()).toEqual(original.map(uncut).sort());
			// And the pseudonymised findings really are pseudonymised.
			if (original.length > 0 && Object.keys(mapping.hosts).length > 0) {
				const joined = got.join('\n');
				for (const host of Object.keys(mapping.hosts))
					expect(joined).not.toMatch(new RegExp(`\\b${host}\\b`));
			}
		},
	);

	it.each(scenarios)(
		'Given scenario %s, When pseudonymised, Then OUIs and subnet membership are kept',
		async name => {
			const set = await readCaptureSet(path.join(SCENARIOS, name));
			const {set: pseudo, mapping} = pseudonymizeCaptureSet(set, {key: 'oui'});
			for (const [from, to] of Object.entries(mapping.mac))
				expect(to.slice(0, 8), from).toBe(from.slice(0, 8));
			const a = getModel(assembleSnapshot(set));
			const b = getModel(assembleSnapshot(pseudo));
			expect(b.subnets.map(s => s.cidr.split('/')[1])).toEqual(
				a.subnets.map(s => s.cidr.split('/')[1]),
			);
			for (const port of a.ports) {
				for (const fixed of port.fixedIps) {
					const inA = a.subnets.filter(s => cidrContains(s.cidr, fixed.ip)).length;
					const mappedIp = mapping.ipv4[fixed.ip] ?? fixed.ip;
					const inB = b.subnets.filter(s => cidrContains(s.cidr, mappedIp)).length;
					expect(inB, `${fixed.ip} → ${mappedIp}`).toBe(inA);
				}
			}
			expect(b.vips.map(v => v.subnet?.cidr.split('/')[1])).toEqual(
				a.vips.map(v => v.subnet?.cidr.split('/')[1]),
			);
		},
	);
});
