import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot, type ParseFn} from '../../src/collectors/assemble.js';
import {parseCapture} from '../../src/collectors/parsers/index.js';
import {diagnose} from '../../src/diagnostics/index.js';
import type {Capture, CaptureMeta, CaptureSet} from '../../src/model/capture.js';

/**
 * Ablation (metamorphic) test: for every scenario in test/scenarios/ whose expected verdict is
 * warning or critical, taking away or spoiling any ONE piece of input must never turn the answer
 * into an all-clear (exit 0). The scenarios are read from the filesystem, so a new scenario is
 * covered without touching this file. Diagnoses run in-process over the assembled capture set.
 */

const ROOT = path.resolve('test/scenarios');
type Golden = {findings: {severity: string}[]};

const scenarios = readdirSync(ROOT)
	.filter(name => statSync(path.join(ROOT, name)).isDirectory())
	.sort();

const expectedVerdict = (name: string): 'critical' | 'warning' | 'ok' => {
	const golden = JSON.parse(readFileSync(path.join(ROOT, name, 'expected.json'), 'utf8')) as Golden;
	if (golden.findings.some(f => f.severity === 'critical')) return 'critical';
	return golden.findings.some(f => f.severity === 'warning') ? 'warning' : 'ok';
};

const stripBody = (c: Capture): CaptureMeta => {
	const meta: {-readonly [K in keyof Capture]?: Capture[K]} = {...c};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
};

/** The set with its captures replaced (manifest kept in step). */
function withCaptures(set: CaptureSet, captures: readonly Capture[], extra = {}): CaptureSet {
	return {
		manifest: {...set.manifest, captures: captures.map(stripBody), ...extra},
		captures,
	};
}

const GARBAGE =
	'\u0000\u0001garbage: %%%% not a command output ####\n<html><body>502 Bad Gateway</body></html>\n';

/** Every single-piece ablation of a capture set, named. */
function* ablations(set: CaptureSet): Generator<[string, CaptureSet]> {
	const all = set.captures;
	for (const [i, c] of all.entries()) {
		const others = all.filter((_x, j) => j !== i);
		yield [`remove ${c.id}`, withCaptures(set, others)];
		if (c.kind === undefined) continue;
		const replace = (next: Capture): Capture[] => all.map((x, j) => (j === i ? next : x));
		yield [`garbage ${c.id}`, withCaptures(set, replace({...c, stdout: GARBAGE}))];
		// Cut in the middle (mid-line, as a copy-paste or a full disk would), not flagged.
		const cut = c.stdout.slice(0, Math.floor(c.stdout.length / 2));
		if (cut !== c.stdout)
			yield [`truncate ${c.id}`, withCaptures(set, replace({...c, stdout: cut}))];
	}
	const nodes = [
		...new Set([...set.manifest.nodes.map(n => n.id), ...all.flatMap(c => c.node ?? [])]),
	];
	for (const node of nodes) {
		const kept = all.filter(c => c.node !== node || c.scope === 'cloud');
		yield [
			`node ${node} unreachable`,
			withCaptures(set, kept, {
				partial: true,
				problems: [
					...(set.manifest.problems ?? []),
					{node, kind: 'unreachable', message: 'ssh: connect to host: Connection refused'},
				],
			}),
		];
	}
}

/** The real parsers, memoised by (kind, text): each variant changes one capture only. */
const parsed = new Map<string, ReturnType<ParseFn>>();
const memoParse: ParseFn = (kind, text) => {
	const key = `${kind}\u0000${text}`;
	let result = parsed.get(key);
	if (result === undefined) {
		result = parseCapture(kind, text);
		parsed.set(key, result);
	}
	return result;
};

const checked = scenarios.filter(name => expectedVerdict(name) !== 'ok');

describe('ablation: no single missing or spoilt input turns a warning or critical into exit 0', () => {
	it('covers every scenario with a warning or critical verdict (enumerated from test/scenarios)', () => {
		expect(checked.length).toBeGreaterThanOrEqual(10);
		// A scenario without expected.json cannot slip past: expectedVerdict would throw above.
		for (const name of scenarios) expect(expectedVerdict(name)).toMatch(/critical|warning|ok/);
	});

	it.each(checked)('%s', async name => {
		const set = await readCaptureSet(path.join(ROOT, name));
		// The intact set gives its expected verdict class (not OK), else the test proves nothing.
		expect(diagnose(assembleSnapshot(set)).exitCode).not.toBe(0);
		const falseAllClear: string[] = [];
		let count = 0;
		for (const [what, variant] of ablations(set)) {
			count++;
			const diagnosis = diagnose(assembleSnapshot(variant, memoParse));
			if (diagnosis.exitCode === 0) falseAllClear.push(what);
		}
		expect(count).toBeGreaterThan(0);
		expect(falseAllClear, `${name}: exit 0 after`).toEqual([]);
	});
});
