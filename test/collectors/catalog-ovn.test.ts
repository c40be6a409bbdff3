import {describe, expect, it} from 'vitest';
import {MAX_EXECS_PER_NODE, matchCatalog, planDetail} from '../../src/collectors/catalog.js';

const NONCE = '0123456789abcdef0123456789abcdef';
const QR = 'qrouter-7e0a0000-0000-4000-8000-000000000001';
const ids = (plan: ReturnType<typeof planDetail>): string[] => plan.commands.map(c => c.entry.id);

describe('catalog: ml2/ovn reads stay within the per-node execution limit', () => {
	it('Given a node with role ovn-db and no Neutron namespace, then NB, SB and the Open_vSwitch row are read', () => {
		const plan = planDetail({
			namespaces: ['ovnmeta-5a000000-0000-4000-8000-00000000000a'],
			bridges: ['br-int', 'br-ex'],
			nonce: NONCE,
			roles: ['ovn-db'],
		});
		// the Open_vSwitch row is read with the other OVSDB reads, in one execution
		expect(ids(plan)).toEqual(expect.arrayContaining(['ovn.nb', 'ovn.sb', 'ovs.db-batch-chassis']));
		const ovsdb = plan.commands.find(c => c.entry.id === 'ovs.db-batch-chassis')?.entry.sections;
		expect(
			ovsdb !== undefined && 'parts' in ovsdb ? ovsdb.parts.map(p => p.catalogId) : [],
		).toEqual(['ovs.show', 'ovs.interfaces', 'ovs.ports', 'ovs.open-vswitch']);
		// No qrouter namespace: no L3-HA router can be here, its files are not read.
		expect(ids(plan)).not.toContain('l3ha.files');
		expect(plan.commands.length + 2).toBeLessThanOrEqual(MAX_EXECS_PER_NODE);
		for (const c of plan.commands) expect(matchCatalog(c.argv)?.id).toBe(c.entry.id);
		const nb = plan.commands.find(c => c.entry.id === 'ovn.nb');
		expect(nb?.argv.slice(0, 4)).toEqual([
			'ovn-nbctl',
			'--no-leader-only',
			'--timeout=10',
			'--format=json',
		]);
		// Only `list` verbs: nothing that writes.
		const verbs = (nb?.argv ?? []).filter(
			(w, i, a) =>
				a[i - 1] !== undefined && !w.startsWith('-') && a[i - 1]?.startsWith('--columns='),
		);
		expect(new Set(verbs)).toEqual(new Set(['list']));
	});

	it('Given a node without the role, then no OVN DB read is planned', () => {
		const plan = planDetail({namespaces: [], bridges: ['br-int'], nonce: NONCE});
		expect(ids(plan)).not.toContain('ovn.nb');
		expect(ids(plan)).not.toContain('ovn.sb');
		expect(ids(plan)).toContain('ovs.db-batch-chassis');
		// targeted: only the Interface table asked for, so it runs alone (no fold)
		const only = planDetail({
			namespaces: [],
			bridges: ['br-int'],
			nonce: NONCE,
			only: new Set(['ovs.interfaces']),
		});
		expect(ids(only)).toEqual(['ovs.interfaces']);
	});

	it('Given a DVR node with qrouter namespaces (even with role ovn-db), then the OVS plan is unchanged and ≤ 10 executions', () => {
		const plan = planDetail({
			namespaces: [QR],
			bridges: ['br-int', 'br-tun'],
			nonce: NONCE,
			roles: ['ovn-db'],
		});
		expect(ids(plan)).toEqual([
			'ovs.db-batch',
			'ovs.bridge-batch',
			'netns.state-batch',
			'netns.agent-batch',
		]);
		expect(plan.commands.length + 2).toBeLessThanOrEqual(MAX_EXECS_PER_NODE);
	});
});
