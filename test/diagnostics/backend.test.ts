import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {renderJson} from '../../src/diagnostics/report/json.js';
import {findingsReportSchema} from '../../src/diagnostics/report/schema.js';
import type {Capture, CaptureMeta, CaptureSet} from '../../src/model/capture.js';

const ROOT = path.resolve('test/scenarios');
const load = async (name: string): Promise<CaptureSet> => readCaptureSet(path.join(ROOT, name));
const run = (set: CaptureSet) => diagnose(assembleSnapshot(set));

const stripBody = (c: Capture): CaptureMeta => {
	const meta: {-readonly [K in keyof Capture]?: Capture[K]} = {...c};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
};
const withCaptures = (set: CaptureSet, captures: readonly Capture[]): CaptureSet => ({
	manifest: {...set.manifest, captures: captures.map(stripBody)},
	captures,
});

const DVR_RULES = [
	'dvr/stale-permanent-arp',
	'dvr/vip-at-risk',
	'dvr/arp-divergence',
	'ovs/dvr-arp-block',
	'ovs/arp-responder-vip',
];
const OVN_RULES = [
	'ovn/virtual-parent-stale',
	'ovn/stale-mac-binding',
	'ovn/vip-port-not-virtual',
	'ovn/vip-port-security',
	'ovn/holder-chassis-down',
];

describe('backend awareness (issue 15)', () => {
	it.each(['ovn-healthy', 'ovn-failover-stale', 'ovn-chassis-down', 'ovn-aap-cidr', 'ovn-no-db'])(
		'%s: the verdict names ml2/ovn and every DVR/OVS rule is skipped as not applicable (never pass)',
		async name => {
			const d = run(await load(name));
			expect(d.backend?.backend).toBe('ml2/ovn');
			expect(d.backend?.summary).toMatch(/spec:features:neutron:backend=ml2\/ovn/);
			expect(d.backend?.summary).toMatch(/OVN Controller agent/);
			expect(d.backend?.summary).toMatch(/ovn-remote/);
			for (const id of DVR_RULES) {
				const o = d.outcomes.find(x => x.ruleId === id);
				expect(o?.status, id).toBe('skipped');
				expect(o?.status === 'skipped' ? o.notApplicable : '', id).toMatch(
					/^not applicable on ml2\/ovn/,
				);
			}
			expect(
				d.findings.filter(f => !f.ruleId.startsWith('ovn/') && !f.ruleId.startsWith('vrrp/')),
			).toEqual([]);
			const json = JSON.parse(
				renderJson(d, {snapshot: assembleSnapshot(await load(name)), version: 't'}),
			) as unknown;
			const report = findingsReportSchema.parse(json);
			expect(report.headline).toMatch(/^Verdict: \w+ \[backend ml2\/ovn\]/);
			expect(report.backend?.name).toBe('ml2/ovn');
		},
	);

	it('ovn-healthy is OK only because the OVN rules ran and passed; without the NB or SB read it is never OK', async () => {
		const set = await load('ovn-healthy');
		const d = run(set);
		expect(d.verdict).toBe('ok');
		for (const id of OVN_RULES)
			expect(d.outcomes.find(o => o.ruleId === id)?.status, id).toBe('pass');
		for (const drop of ['ctl.ovn.nb', 'ctl.ovn.sb']) {
			const cut = run(
				withCaptures(
					set,
					set.captures.filter(c => c.id !== drop),
				),
			);
			expect(cut.verdict, drop).toBe('incomplete');
			expect(cut.coverage.gaps.map(g => g.subject)).toEqual(
				expect.arrayContaining(['ovn/virtual-parent-stale']),
			);
		}
		// Without the holder (the VM namespaces' addresses) the VIP rules cannot check: not OK either.
		const blind = run(
			withCaptures(
				set,
				set.captures.filter(c => !c.id.includes('.vm.')),
			),
		);
		expect(blind.verdict).toBe('incomplete');
	});

	it('ovn-no-db: an OVN cloud whose DBs could not be read is INCOMPLETE (exit 4), never an all-clear', async () => {
		const d = run(await load('ovn-no-db'));
		expect(d.verdict).toBe('incomplete');
		expect(d.exitCode).toBe(4);
		expect(d.outcomes.find(o => o.ruleId === 'ovn/virtual-parent-stale')?.status).toBe('skipped');
	});

	it('tf-out-of-scope: tungstenfabric is recognised, every rule is not applicable, and the gap is backend-out-of-scope', async () => {
		const d = run(await load('tf-out-of-scope'));
		expect(d.backend?.backend).toBe('tungstenfabric');
		expect(d.verdict).toBe('incomplete');
		expect(d.exitCode).toBe(4);
		expect(d.coverage.gaps.map(g => g.kind)).toContain('backend-out-of-scope');
		for (const o of d.outcomes) {
			expect(o.status, o.ruleId).toBe('skipped');
			expect(o.status === 'skipped' ? o.notApplicable : '', o.ruleId).toMatch(/tungstenfabric/);
		}
	});

	it.each(['healthy-dvr', 'failover-stale', 'lab-failover-real'])(
		'%s (ml2/ovs): the OVN rules are not applicable and the headline is unchanged',
		async name => {
			const d = run(await load(name));
			expect(d.backend?.backend).toBe('ml2/ovs');
			for (const id of OVN_RULES) {
				const o = d.outcomes.find(x => x.ruleId === id);
				expect(o?.status === 'skipped' ? o.notApplicable : o?.status, id).toMatch(
					/^not applicable on ml2\/ovs/,
				);
			}
			expect(d.coverage.gaps.filter(g => g.kind.startsWith('backend'))).toEqual([]);
		},
	);

	it('conflicting evidence (OVN agents and DBs, plus a qrouter namespace on a chassis) is said plainly and is never OK', async () => {
		const set = await load('ovn-healthy');
		const captures = set.captures.map(c =>
			c.id === 'chassis-1.netns.list'
				? {...c, stdout: '[{"name":"qrouter-7e0a0000-0000-4000-8000-000000000001","id":3}]\n'}
				: c,
		);
		const d = run(withCaptures(set, captures));
		expect(d.backend?.backend).toBe('conflicting');
		expect(d.backend?.summary).toMatch(
			/ml2\/ovn .* vs ml2\/ovs \(chassis-1: qrouter-\/snat-\/fip- namespaces\)/,
		);
		expect(d.coverage.gaps.map(g => g.kind)).toContain('backend-conflict');
		expect(d.verdict).not.toBe('ok');
	});

	it('an OpenStackDeployment backend value dvrscope does not know is said, and not taken for OVS', async () => {
		const set = await load('ovn-healthy');
		const captures = set.captures.map(c =>
			c.id === 'cloud.kube.osdpl'
				? {...c, stdout: c.stdout.replace('"ml2/ovn"', '"ml2/frobnicate"')}
				: c,
		);
		const d = run(withCaptures(set, captures));
		expect(d.backend?.backend).toBe('conflicting');
		expect(d.backend?.summary).toMatch(/ml2\/frobnicate \(a value dvrscope does not know\)/);
		expect(d.verdict).not.toBe('ok');
	});
});

describe('the real ML2/OVN lab (lab/ovn-probe/record-stale.sh)', () => {
	it('ovn-lab-stale-real: after a failover whose GARP was lost the verdict is CRITICAL on ml2/ovn, matching the client ping (0 received)', async () => {
		const set = await load('ovn-lab-stale-real');
		expect(set.manifest.description).toMatch(/0\/10 after/);
		const d = run(set);
		expect(d.backend?.backend).toBe('ml2/ovn');
		expect(d.verdict).toBe('critical');
		expect(d.findings.map(f => [f.ruleId, f.vip, f.nodes.join()])).toEqual([
			['ovn/virtual-parent-stale', '10.0.0.100', 'chassis-2'],
		]);
	});
});
