import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {renderJson} from '../../src/diagnostics/report/json.js';
import {renderMarkdown} from '../../src/diagnostics/report/markdown.js';
import {findingsJsonSchema, findingsReportSchema} from '../../src/diagnostics/report/schema.js';
import {renderText, wrap} from '../../src/diagnostics/report/text.js';

const load = async (name: string) => {
	const snapshot = assembleSnapshot(await readCaptureSet(path.resolve('test/scenarios', name)));
	return {snapshot, diagnosis: diagnose(snapshot)};
};

const SCENARIOS = [
	'failover-stale',
	'healthy-dvr',
	'missing-captures',
	'at-risk',
	'l3ha-split-brain',
	'lab-failover-real',
];

describe('JSON report', () => {
	it.each(SCENARIOS)('%s: --json output validates against the versioned schema', async name => {
		const {snapshot, diagnosis} = await load(name);
		const parsed: unknown = JSON.parse(
			renderJson(diagnosis, {snapshot, version: '0.1.0', path: `test/scenarios/${name}`}),
		);
		const result = findingsReportSchema.safeParse(parsed);
		expect(
			result.success,
			result.success ? '' : JSON.stringify(result.error.issues.slice(0, 3)),
		).toBe(true);
	});

	it('rejects a report that breaks the schema (the check can fail)', async () => {
		const {snapshot, diagnosis} = await load('failover-stale');
		const report = JSON.parse(renderJson(diagnosis, {snapshot, version: '0.1.0'})) as {
			findings: {severity: string}[];
		};
		if (report.findings[0] !== undefined) report.findings[0].severity = 'fatal';
		expect(findingsReportSchema.safeParse(report).success).toBe(false);
	});

	it('docs/findings-schema.json is the published form of the schema (regenerate with test/diagnostics/gen-findings-schema.ts)', () => {
		const onDisk: unknown = JSON.parse(readFileSync('docs/findings-schema.json', 'utf8'));
		expect(onDisk).toEqual(JSON.parse(JSON.stringify(findingsJsonSchema())));
	});

	it('carries verdict, exit code and docs path per finding', async () => {
		const {snapshot, diagnosis} = await load('failover-stale');
		const report = findingsReportSchema.parse(
			JSON.parse(renderJson(diagnosis, {snapshot, version: '0.1.0'})),
		);
		expect(report.verdict).toBe('critical');
		expect(report.exitCode).toBe(2);
		expect(report.findings[0]?.docs).toBe('docs/rules/dvr/stale-permanent-arp.md');
	});
});

describe('text report', () => {
	it('plain text when colour is off, ANSI when on', async () => {
		const {snapshot, diagnosis} = await load('failover-stale');
		const plain = renderText(diagnosis, {color: false, snapshot});
		// eslint-disable-next-line no-control-regex
		expect(plain).not.toMatch(/\u001b\[/);
		expect(renderText(diagnosis, {color: true, snapshot})).toContain('\u001b[31m');
	});

	it('tells the on-call engineer VIP, nodes, stale vs owner MAC, evidence and what to do', async () => {
		const {snapshot, diagnosis} = await load('failover-stale');
		const text = renderText(diagnosis, {color: false, snapshot, width: 100});
		for (const s of [
			'CRITICAL  dvr/stale-permanent-arp',
			'VIP 10.0.0.100 is held by fa:16:3e:22:22:22',
			'still points at fa:16:3e:11:11:11',
			'Nodes: cmp-1, cmp-2, cmp-3, gtw-1',
			'Evidence:',
			'│ 10.0.0.100 dev qr-102c4426-86 lladdr fa:16:3e:11:11:11 PERMANENT',
			'1. on cmp-1 (node shell, as root)',
			'       ip netns exec qrouter-4d7928a0-4a3c-4b99-b01b-97da2f97e279 ip neigh replace 10.0.0.100 lladdr fa:16:3e:22:22:22 dev qr-102c4426-86 nud permanent\n',
			'Derived from: holder fa:16:3e:22:22:22 (port vrrp-vm2-port (6f7a8b9c) on cmp-2) — VIP seen on an interface',
			'openstack port set --no-allowed-address --allowed-address ip-address=10.0.0.100 6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8091a2\n',
			'Predicted (applied to the model): after this: 0 critical, 1 warning on VIP 10.0.0.100',
			'Verdict: CRITICAL',
		])
			expect(text).toContain(s);
	});

	it('healthy and complete: the first line says OK and what OK means', async () => {
		const {snapshot, diagnosis} = await load('healthy-dvr');
		const text = renderText(diagnosis, {color: false, snapshot});
		expect(text.split('\n')[0]).toBe(
			'Verdict: OK — every applicable check ran on complete data and found nothing at warning or above',
		);
		expect(diagnosis.exitCode).toBe(0);
	});

	it('wraps prose at the width', () => {
		expect(wrap('aaa bbb ccc ddd', 9, '  ')).toEqual(['  aaa bbb', '  ccc ddd']);
	});
});

describe('Markdown report', () => {
	it('renders headings, a summary table, fenced evidence and the rules table', async () => {
		const {snapshot, diagnosis} = await load('failover-stale');
		const md = renderMarkdown(diagnosis, {snapshot, path: 'test/scenarios/failover-stale'});
		expect(md).toMatch(/^# Verdict: CRITICAL — 1 critical finding\n/);
		expect(md).toContain('dvrscope diagnosis');
		expect(md).toContain('**Verdict: CRITICAL**');
		expect(md).toContain(
			'| CRITICAL | `dvr/stale-permanent-arp` | 10.0.0.100 | cmp-1, cmp-2, cmp-3, gtw-1 |',
		);
		expect(md).toContain('## 1. CRITICAL — `dvr/stale-permanent-arp` — VIP 10.0.0.100');
		expect(md).toContain(
			'```sh\nip netns exec qrouter-4d7928a0-4a3c-4b99-b01b-97da2f97e279 ip neigh replace 10.0.0.100 lladdr fa:16:3e:22:22:22 dev qr-102c4426-86 nud permanent\n```',
		);
		expect(md).toContain('Derived from: holder fa:16:3e:22:22:22');
		expect(md).toContain('**Predicted** (applied to the model): after this: 0 critical');
		expect(md).toContain('| `mosk/deployment` | skipped |');
		// fences are balanced
		expect((md.match(/^ *```/gm) ?? []).length % 2).toBe(0);
	});
});

describe('INCOMPLETE verdict: first line of every format, naming what is missing', () => {
	// missing-captures: the API timed out, cmp-1's br-tun dump failed, cmp-2 and cmp-3 were not read.
	const missing = ['cmp-2', 'cmp-3', 'ports', 'cmp-1-br-tun-flows'];

	it('text', async () => {
		const {snapshot, diagnosis} = await load('missing-captures');
		expect(diagnosis.verdict).toBe('incomplete');
		expect(diagnosis.exitCode).toBe(4);
		const text = renderText(diagnosis, {color: false, snapshot, width: 400});
		const first = text.split('\n')[0] ?? '';
		expect(first).toMatch(/^Verdict: INCOMPLETE — /);
		for (const m of missing) expect(first).toContain(m);
		expect(text).toContain('Not checked');
		expect(text).not.toMatch(/Verdict: OK/);
	});

	it('Markdown', async () => {
		const {snapshot, diagnosis} = await load('missing-captures');
		const md = renderMarkdown(diagnosis, {snapshot});
		const first = md.split('\n')[0] ?? '';
		expect(first).toMatch(/^# Verdict: INCOMPLETE — /);
		for (const m of missing) expect(first).toContain(m);
		expect(md).toContain('## Not checked');
		expect(md).toContain('| node not read | `cmp-2` |');
	});

	it('JSON (schema 2): verdict first, exit code 4, the gaps', async () => {
		const {snapshot, diagnosis} = await load('missing-captures');
		const json = renderJson(diagnosis, {snapshot, version: '0.1.0'});
		expect(json.split('\n')[1]).toBe('  "verdict": "incomplete",');
		const report = findingsReportSchema.parse(JSON.parse(json));
		expect(report.schemaVersion).toBe(2);
		expect(report.exitCode).toBe(4);
		expect(report.coverage.complete).toBe(false);
		expect(report.coverage.gaps.map(g => g.subject)).toEqual(
			expect.arrayContaining(['cmp-2', 'cmp-3']),
		);
		for (const m of missing) expect(report.headline).toContain(m);
	});
});
