import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {
	diffSnapshots,
	renderDiffMarkdown,
	renderDiffText,
	type DiffSide,
} from '../../src/bundle/diff.js';
import {writeBundle} from '../../src/bundle/write.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import type {CaptureSet} from '../../src/model/capture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scenario = (name: string): string => path.join(ROOT, 'test/scenarios', name);

const side = (label: string, set: CaptureSet): DiffSide => {
	const snapshot = assembleSnapshot(set);
	return {label, snapshot, diagnosis: diagnose(snapshot)};
};

/** A copy of `set` with one capture's stdout edited. */
const edit = (set: CaptureSet, id: string, change: (text: string) => string): CaptureSet => ({
	manifest: set.manifest,
	captures: set.captures.map(c => (c.id === id ? {...c, stdout: change(c.stdout)} : c)),
});

describe('diffSnapshots', () => {
	it('Given captures before and after a VRRP failover, When diffed, Then the owner flip, the unchanged stale VIP entries and the new finding are reported', async () => {
		const before = await readCaptureSet(scenario('at-risk'));
		const after = await readCaptureSet(scenario('failover-stale'));
		const diff = diffSnapshots(side('before', before), side('after', after));
		expect(diff.vips).toHaveLength(1);
		expect(diff.vips[0]).toMatchObject({ip: '10.0.0.100', ownerChanged: true});
		expect(diff.vips[0]?.before?.mac).toBe('fa:16:3e:11:11:11');
		expect(diff.vips[0]?.after).toMatchObject({mac: 'fa:16:3e:22:22:22', node: 'cmp-2'});
		expect(
			diff.vipEntriesUnchanged.map(u => `${u.node} ${u.dst} ${u.lladdr ?? ''} ${u.ownerMoved}`),
		).toEqual([
			'cmp-1 10.0.0.100 fa:16:3e:11:11:11 true',
			'cmp-2 10.0.0.100 fa:16:3e:11:11:11 true',
			'cmp-3 10.0.0.100 fa:16:3e:11:11:11 true',
			'gtw-1 10.0.0.100 fa:16:3e:11:11:11 true',
		]);
		expect(
			diff.neighbours.every(ns => ns.namespace.startsWith('qrouter-') && ns.presence === 'both'),
		).toBe(true);
		expect(diff.summary.neighbours.changed).toBe(0);
		expect(diff.findings.appeared.map(f => f.ruleId)).toContain('dvr/stale-permanent-arp');
		expect(diff.findings.persisting.map(f => f.ruleId)).toContain('dvr/vip-at-risk');
		const text = renderDiffText(diff);
		expect(text).toContain('MOVED  10.0.0.100: fa:16:3e:11:11:11');
		expect(text).toMatch(
			/VIP entries that did NOT change\n {2}cmp-1 qrouter-4d7928a0-4a3c-4b99-b01b-97da2f97e279 10\.0\.0\.100 lladdr fa:16:3e:11:11:11 PERMANENT {2}← stale/,
		);
		expect(text).toMatch(
			/appeared \(1\):\n {4}\+ \[critical\] dvr\/stale-permanent-arp VIP 10\.0\.0\.100/,
		);
		const markdown = renderDiffMarkdown(diff);
		expect(markdown).toContain(
			'| cmp-1 | qrouter-4d7928a0-4a3c-4b99-b01b-97da2f97e279 | 10.0.0.100 | fa:16:3e:11:11:11 | PERMANENT | **yes → fa:16:3e:22:22:22** |',
		);
	});

	it('Given a corrected neighbour entry, a removed ARP-responder flow and a new entry, When diffed, Then they show as changed, removed and added', async () => {
		const before = await readCaptureSet(scenario('failover-stale'));
		let after = edit(
			before,
			'cmp-1-qrouter-neigh',
			t =>
				t.replace(
					'10.0.0.100 dev qr-102c4426-86 lladdr fa:16:3e:11:11:11 PERMANENT',
					'10.0.0.100 dev qr-102c4426-86 lladdr fa:16:3e:22:22:22 PERMANENT',
				) + '10.0.0.250 dev qr-102c4426-86 lladdr fa:16:3e:99:99:99 STALE \n',
		);
		after = edit(after, 'cmp-1-br-tun-flows', t =>
			t
				.split('\n')
				.filter(l => !l.includes('arp_tpa=10.0.0.12 '))
				.join('\n'),
		);
		const diff = diffSnapshots(side('a', before), side('b', after));
		const cmp1 = diff.neighbours.find(ns => ns.node === 'cmp-1')!;
		expect(cmp1.entries.filter(e => e.status !== 'unchanged')).toEqual([
			{
				dst: '10.0.0.100',
				status: 'changed',
				vip: true,
				before: {lladdr: 'fa:16:3e:11:11:11', states: ['PERMANENT'], dev: 'qr-102c4426-86'},
				after: {lladdr: 'fa:16:3e:22:22:22', states: ['PERMANENT'], dev: 'qr-102c4426-86'},
			},
			{
				dst: '10.0.0.250',
				status: 'added',
				vip: false,
				after: {lladdr: 'fa:16:3e:99:99:99', states: ['STALE'], dev: 'qr-102c4426-86'},
			},
		]);
		expect(diff.vipEntriesUnchanged.map(u => u.node)).toEqual(['cmp-2', 'cmp-3', 'gtw-1']);
		const responder = diff.flows.find(f => f.node === 'cmp-1' && f.kind === 'arp-responder')!;
		expect(responder.removed).toHaveLength(1);
		expect(responder.removed[0]).toContain('arp_tpa=10.0.0.12');
		expect(responder.added).toEqual([]);
		expect(renderDiffText(diff)).toContain(
			'    ~ 10.0.0.100 (VIP): fa:16:3e:11:11:11 PERMANENT → fa:16:3e:22:22:22 PERMANENT',
		);
	});

	it('Given an L3-HA state flip, When diffed, Then the state change is listed', async () => {
		const before = await readCaptureSet(scenario('l3ha-split-brain'));
		const after = edit(before, 'gtw-2-ha-state', () => 'backup');
		const diff = diffSnapshots(side('a', before), side('b', after));
		expect(diff.states).toEqual([
			{
				kind: 'ha-state',
				node: 'gtw-1',
				key: '4d7928a0-4a3c-4b99-b01b-97da2f97e279',
				before: 'primary',
				after: 'primary',
				changed: false,
			},
			{
				kind: 'ha-state',
				node: 'gtw-2',
				key: '4d7928a0-4a3c-4b99-b01b-97da2f97e279',
				before: 'primary',
				after: 'backup',
				changed: true,
			},
		]);
		expect(diff.findings.resolved.map(f => f.ruleId)).toContain('vrrp/split-brain');
		expect(renderDiffText(diff)).toContain(
			'CHANGED gtw-2 router 4d7928a0-4a3c-4b99-b01b-97da2f97e279: primary → backup',
		);
	});
});

describe('dvrscope diff (CLI)', () => {
	const dvrscope = (args: string[]) =>
		execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {cwd: ROOT, reject: false});

	it('Given a bundle and a capture set, When diffed with --json and --format markdown, Then both render and exit 0', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'dvrscope-diff-cli-'));
		try {
			const bundle = path.join(dir, 'before.tar.gz');
			await writeBundle(await readCaptureSet(scenario('at-risk')), {output: bundle});
			const json = await dvrscope(['diff', bundle, scenario('failover-stale'), '--json']);
			expect(json.exitCode).toBe(0);
			const parsed = JSON.parse(json.stdout) as {
				format: string;
				summary: {vipOwnersChanged: number; vipEntriesUnchanged: number};
			};
			expect(parsed.format).toBe('dvrscope-diff');
			expect(parsed.summary).toMatchObject({vipOwnersChanged: 1, vipEntriesUnchanged: 4});
			const md = await dvrscope([
				'diff',
				bundle,
				scenario('failover-stale'),
				'--format',
				'markdown',
			]);
			expect(md.exitCode).toBe(0);
			expect(md.stdout).toContain('# dvrscope data-plane diff');
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});

	it('Given a missing input, When diffed, Then exit 3 with a message and no stack trace', async () => {
		const run = await dvrscope(['diff', '/nonexistent/a.tar.gz', scenario('at-risk')]);
		expect(run.exitCode).toBe(3);
		expect(run.stderr).toBe('dvrscope diff: /nonexistent/a.tar.gz: no such bundle or capture set');
	});
});
