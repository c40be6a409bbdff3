import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';

type Golden = {
	scenario: string;
	findings: {ruleId: string; severity: string; nodes: string[]; vip?: string; router?: string}[];
	outcomes?: Record<string, string>;
	captureErrors?: string[];
};

const ROOT = path.resolve('test/scenarios');
const scenarios = readdirSync(ROOT).filter(name => statSync(path.join(ROOT, name)).isDirectory());
const golden = (name: string): Golden =>
	JSON.parse(readFileSync(path.join(ROOT, name, 'expected.json'), 'utf8')) as Golden;

const key = (f: {
	ruleId: string;
	severity: string;
	nodes: readonly string[];
	vip?: string | undefined;
}): string => JSON.stringify([f.ruleId, f.severity, [...f.nodes].sort(), f.vip ?? null]);

describe('scenario capture sets against their golden findings', () => {
	it('has every scenario the issue asks for', () => {
		expect(scenarios).toEqual(
			expect.arrayContaining([
				'healthy-dvr',
				'failover-stale',
				'at-risk',
				'divergence',
				'centralized',
				'l3ha-split-brain',
				'binding-failed',
				'pre-train',
				'missing-captures',
				'lab-failover-real',
			]),
		);
	});

	it.each(scenarios)('%s: every rule runs and the findings match expected.json', async name => {
		// Given a capture set and its golden file
		const want = golden(name);
		const snapshot = assembleSnapshot(await readCaptureSet(path.join(ROOT, name)));
		// When every rule runs
		const diagnosis = diagnose(snapshot);
		// Then no rule crashed, and the findings are exactly the golden ones
		expect(diagnosis.outcomes.filter(o => o.status === 'error')).toEqual([]);
		expect(diagnosis.findings.map(key).sort()).toEqual(want.findings.map(key).sort());
		for (const w of want.findings.filter(f => f.router !== undefined))
			expect(diagnosis.findings.some(f => f.ruleId === w.ruleId && f.router === w.router)).toBe(
				true,
			);
		for (const [ruleId, status] of Object.entries(want.outcomes ?? {}))
			expect(diagnosis.outcomes.find(o => o.ruleId === ruleId)?.status, ruleId).toBe(status);
		for (const id of want.captureErrors ?? [])
			expect(diagnosis.captureErrors.map(e => e.capture)).toContain(id);
		// Every finding cites evidence lines that exist in the capture
		for (const f of diagnosis.findings) {
			expect(f.evidence.length).toBeGreaterThan(0);
			for (const e of f.evidence) {
				const capture = snapshot.captures[e.capture];
				expect(capture, e.capture).toBeDefined();
				const lines = capture?.stdout.split('\n') ?? [];
				// Each excerpt line is the capture line, or (long one-line JSON) the object cut from it.
				for (const [i, line] of e.lines.entries()) {
					const excerpt = (e.excerpt.split('\n')[i] ?? '').replace(/^…|…$/g, '');
					expect(excerpt).not.toBe('');
					expect((lines[line - 1] ?? '').includes(excerpt), `${e.capture}:${line}`).toBe(true);
				}
			}
		}
	});

	it.each(['healthy-dvr', 'centralized'])('%s: no warning or critical finding', async name => {
		const diagnosis = diagnose(assembleSnapshot(await readCaptureSet(path.join(ROOT, name))));
		expect(diagnosis.findings.filter(f => f.severity !== 'info')).toEqual([]);
		expect(diagnosis.exitCode).toBe(0);
	});

	it('centralized: no DVR rule reports anything', async () => {
		const diagnosis = diagnose(
			assembleSnapshot(await readCaptureSet(path.join(ROOT, 'centralized'))),
		);
		expect(diagnosis.findings.filter(f => f.ruleId.startsWith('dvr/'))).toEqual([]);
	});

	it('missing-captures: skipped rules name the captures they need', async () => {
		const diagnosis = diagnose(
			assembleSnapshot(await readCaptureSet(path.join(ROOT, 'missing-captures'))),
		);
		const stale = diagnosis.outcomes.find(o => o.ruleId === 'dvr/stale-permanent-arp');
		expect(stale?.status).toBe('skipped');
		if (stale?.status === 'skipped') {
			// Neither the API's ports nor br-int's flows (node data alone) were read.
			expect(stale.missing).toEqual(['cloud.ports', 'node.flows']);
			expect(stale.needs.join(' ')).toContain('openstack port');
		}
	});

	it('failover-stale: the gtw-1 evidence points into the ip -all netns capture at the right line', async () => {
		const snapshot = assembleSnapshot(await readCaptureSet(path.join(ROOT, 'failover-stale')));
		const stale = diagnose(snapshot).findings.find(f => f.ruleId === 'dvr/stale-permanent-arp');
		const ev = stale?.evidence.find(e => e.node === 'gtw-1' && e.capture === 'gtw-1-all-neigh');
		expect(ev?.excerpt).toBe('10.0.0.100 dev qr-102c4426-86 lladdr fa:16:3e:11:11:11 PERMANENT');
		expect(ev?.lines[0]).toBeGreaterThan(2);
	});
});
