import {describe, expect, it} from 'vitest';
import {runRules} from '../../src/diagnostics/engine.js';
import {rules} from '../../src/diagnostics/index.js';
import {applyActions, predictFix, predictFixes} from '../../src/diagnostics/simulate.js';
import type {Finding, Fix} from '../../src/diagnostics/types.js';
import {neigh, ROUTER, snapshotOf} from '../helpers/capture-set.js';
import {dvrCaptures, M1, M2, VIP} from './rules/fixtures.js';

const QR = 'qr-102c4426-86';
const NS = `qrouter-${ROUTER}`;
// after a failover: vm2 (M2) holds the VIP, every node still points at vm1 (M1)
const stale = () =>
	snapshotOf(dvrCaptures({holder: 'vm2', vipMacs: {'cmp-1': M1, 'cmp-2': M1, 'cmp-3': M1}}));

describe('fix simulation', () => {
	it('applies replace-neigh and set-aap like the kernel and Neutron: every node hosting the router gets the port’s entries', () => {
		const snapshot = stale();
		const vm2 = snapshot.cloud.ports?.data.find(p => p.mac === M2);
		const after = applyActions(snapshot, [
			{kind: 'set-aap', port: vm2?.id ?? '', pairs: [{ip: VIP, mac: M2}]},
		]);
		for (const node of ['cmp-1', 'cmp-2', 'cmp-3'])
			expect(after.nodes[node]?.facts.neigh?.[NS]?.data.find(e => e.dst === VIP)?.lladdr).toBe(M2);
		// the input snapshot is not changed
		expect(snapshot.nodes['cmp-1']?.facts.neigh?.[NS]?.data.find(e => e.dst === VIP)?.lladdr).toBe(
			M1,
		);
		// a pair that goes away loses its entry everywhere
		const dropped = applyActions(snapshot, [{kind: 'set-aap', port: vm2?.id ?? '', pairs: []}]);
		expect(dropped.nodes['cmp-3']?.facts.neigh?.[NS]?.data.some(e => e.dst === VIP)).toBe(false);
	});

	it('a fix whose prediction still has the finding is not printed: read-only checks instead, with the prediction', () => {
		const snapshot = stale();
		const outcomes = runRules(snapshot, rules);
		const finding = outcomes
			.flatMap(o => (o.status === 'fail' ? o.findings : []))
			.find(f => f.ruleId === 'dvr/stale-permanent-arp') as Finding;
		expect(finding.fix?.kind).toBe('fix');
		// a wrong fix: re-point one node only, at the old MAC
		const wrong: Fix = {
			kind: 'fix',
			steps: [{node: 'cmp-1', where: 'node', command: 'ip netns exec … (wrong)'}],
			actions: [{kind: 'replace-neigh', node: 'cmp-1', namespace: NS, ip: VIP, mac: M1, dev: QR}],
			basis: 'test',
		};
		const before = outcomes.flatMap(o => (o.status === 'fail' ? o.findings : []));
		const prediction = predictFix(snapshot, finding, wrong, before, rules);
		expect(prediction.clears).toBe(false);
		expect(prediction.remaining.some(f => f.isSelf && f.ruleId === finding.ruleId)).toBe(true);
		expect(prediction.summary).toContain('dvr/stale-permanent-arp (this finding, still there)');

		const replaced = predictFixes(
			snapshot,
			outcomes.map(o =>
				o.status === 'fail'
					? {...o, findings: o.findings.map(f => (f === finding ? {...f, fix: wrong} : f))}
					: o,
			),
			rules,
		)
			.flatMap(o => (o.status === 'fail' ? o.findings : []))
			.find(f => f.ruleId === 'dvr/stale-permanent-arp');
		expect(replaced?.fix?.kind).toBe('check-first');
		expect(replaced?.fix?.actions).toEqual([]);
		expect(replaced?.fix?.basis).toContain('does not recover');
		expect(replaced?.remediation?.join('\n')).not.toContain('(wrong)');

		// the rule's own fix does recover (vip-at-risk stays: it needs a durable change)
		const own = predictFix(snapshot, finding, finding.fix as Fix, before, rules);
		expect(own.clears).toBe(true);
		expect(own.critical).toBe(0);
		expect(own.remaining.map(f => f.ruleId)).toEqual(['dvr/vip-at-risk']);
	});

	it('a holder named by a dynamic entry is contested when a snat- namespace probed the VIP and got no answer: no re-pointing command', () => {
		const snapshot = snapshotOf(
			dvrCaptures({
				vipMacs: {'cmp-1': M1, 'cmp-2': M2, 'cmp-3': M1},
				extra: [
					{
						id: 'net-1-qdhcp',
						node: 'net-1',
						kind: 'ip-neigh',
						params: {namespace: 'qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141'},
						stdout: neigh([[VIP, M1, 'STALE']], 'tap1234'),
					},
					{
						id: 'net-1-snat',
						node: 'net-1',
						kind: 'ip-neigh',
						params: {namespace: `snat-${ROUTER}`},
						stdout: neigh([[VIP, undefined, 'FAILED']], 'sg-1234'),
					},
				],
			}),
		);
		const findings = predictFixes(snapshot, runRules(snapshot, rules), rules).flatMap(o =>
			o.status === 'fail' ? o.findings : [],
		);
		const onVip = findings.filter(f => f.vip === VIP && f.fix !== undefined);
		expect(onVip.length).toBeGreaterThan(0);
		for (const f of onVip) {
			expect(f.fix?.kind, f.ruleId).toBe('check-first');
			expect(f.fix?.basis).toContain(`snat-${ROUTER} on net-1 shows ${VIP} FAILED`);
			for (const step of f.fix?.steps ?? [])
				expect(step.command).not.toMatch(/ip neigh replace|port set/);
		}
	});
});
