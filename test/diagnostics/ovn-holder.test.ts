/**
 * The live holder on ml2/ovn from the chassis' OVN port-security counters (src/diagnostics/
 * ovn-holder.ts). The cloud is test/scenarios/ovn-failover-stale (NB/SB recorded from real OVN
 * 23.03: the virtual VIP port bound to vm1) WITHOUT the members' `ip addr` (which a real cloud does
 * not show); each chassis gets a `ovs-ofctl dump-flows br-int` built from flows the OVN lab printed
 * on 2026-12-07 (tables 73/74/75 of OVN 23.03, same match and action text), with this scenario's
 * MACs, VIP and counters set per case. Fakes of a dump, named as such: the lab test
 * (test/lab/ovn.e2e.test.ts) runs the same path on real chassis.
 */
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {getOvn} from '../../src/diagnostics/ovn.js';
import type {Capture, CaptureSet} from '../../src/model/capture.js';

const SCENARIO = path.join(import.meta.dirname, '..', 'scenarios', 'ovn-failover-stale');
const VIP = '10.0.0.100';
const MEMBERS = {
	vm1: {node: 'chassis-1', mac: 'fa:16:3e:11:11:11', reg: '0x2'},
	vm2: {node: 'chassis-2', mac: 'fa:16:3e:22:22:22', reg: '0x3'},
} as const;

/** Counters per member: packets/idle age of "from the VIP" (IP and ARP) and "for the VIP". */
type Counters = {from: [number, number]; arp?: [number, number]; to: [number, number]};

function flows(m: (typeof MEMBERS)[keyof typeof MEMBERS], c: Counters | 'none'): string {
	const head = 'NXST_FLOW reply (xid=0x4):\n';
	if (c === 'none') return head;
	const [fp, fa] = c.from;
	const [ap, aa] = c.arp ?? [0, 300];
	const [tp, ta] = c.to;
	return `${head} cookie=0xa8b4f9dd, duration=300.001s, table=73, n_packets=${fp}, n_bytes=${fp * 98}, idle_age=${fa}, priority=90,ip,reg14=${m.reg},metadata=0x1,dl_src=${m.mac},nw_src=${VIP} actions=load:0->NXM_NX_REG10[12]
 cookie=0xa8b4f9dd, duration=300.001s, table=74, n_packets=${ap}, n_bytes=${ap * 42}, idle_age=${aa}, priority=90,arp,reg14=${m.reg},metadata=0x1,dl_src=${m.mac},arp_spa=${VIP},arp_sha=${m.mac} actions=load:0->NXM_NX_REG10[12]
 cookie=0xa8b4f9dd, duration=300.001s, table=75, n_packets=${tp}, n_bytes=${tp * 98}, idle_age=${ta}, priority=95,ip,reg15=${m.reg},metadata=0x1,dl_dst=${m.mac},nw_dst=${VIP} actions=load:0->NXM_NX_REG10[12]
`;
}

async function withCounters(vm1: Counters | 'none', vm2: Counters | 'none'): Promise<CaptureSet> {
	const set = await readCaptureSet(SCENARIO);
	const captures: Capture[] = set.captures.filter(c => !/\.vm\.[^.]+\.addr$/.test(c.id));
	for (const [name, counters] of [
		['vm1', vm1],
		['vm2', vm2],
	] as const) {
		const m = MEMBERS[name];
		const stdout = flows(m, counters);
		captures.push({
			id: `${m.node}.ovs.flows.br-int`,
			scope: 'node',
			node: m.node,
			argv: ['ovs-ofctl', 'dump-flows', 'br-int'],
			kind: 'ovs-flows',
			params: {bridge: 'br-int'},
			catalogId: 'ovs.flows',
			exitCode: 0,
			startedAt: '2026-12-07T10:01:00.000Z',
			durationMs: 50,
			stdout,
			stderr: '',
			stdoutFile: `captures/nodes/${m.node}/${m.node}.ovs.flows.br-int.stdout`,
			stdoutBytes: Buffer.byteLength(stdout),
			stderrBytes: 0,
			via: 'ssh',
		});
	}
	return {...set, captures, manifest: {...set.manifest, captures: []}};
}

const run = async (vm1: Counters | 'none', vm2: Counters | 'none') => {
	const snapshot = assembleSnapshot(await withCounters(vm1, vm2));
	const v = getOvn(snapshot)?.vips.find(x => x.ip === VIP);
	return {v, d: diagnose(snapshot)};
};

describe('ml2/ovn live holder from the chassis port-security counters', () => {
	it('Given vm2 sent from the VIP last and answers the traffic it gets while the SB binds vm1, Then vm2 is the holder (ovn-port-security) and ovn/virtual-parent-stale is critical', async () => {
		const {v, d} = await run(
			{from: [10, 120], arp: [7, 200], to: [10, 120]},
			{from: [8, 1], arp: [6, 20], to: [8, 1]},
		);
		expect(v?.owner?.source).toBe('ovn-port-security');
		expect(v?.owner?.mac).toBe(MEMBERS.vm2.mac);
		expect(v?.owner?.observation.node).toBe('chassis-2');
		const stale = d.findings.find(f => f.ruleId === 'ovn/virtual-parent-stale');
		expect(stale?.severity).toBe('critical');
		expect(stale?.evidence.some(e => e.excerpt.includes('nw_src=10.0.0.100'))).toBe(true);
		expect(d.verdict).toBe('critical');
	});

	it('Given vm1 (the SB parent) sent from the VIP last and answers, Then vm1 is the holder and no OVN rule reports', async () => {
		const {v, d} = await run(
			{from: [10, 1], arp: [7, 200], to: [10, 1]},
			{from: [0, 300], to: [0, 300]},
		);
		expect(v?.owner?.mac).toBe(MEMBERS.vm1.mac);
		expect(d.findings.filter(f => f.ruleId.startsWith('ovn/'))).toEqual([]);
	});

	it('Given traffic for the VIP keeps reaching vm1 (the SB parent) 20 s after vm1 last sent from it (a silent move), Then nobody is named holder, the OVN holder rules skip with that reason, and the verdict is never OK', async () => {
		const {v, d} = await run(
			{from: [10, 21], arp: [7, 200], to: [16, 1]},
			{from: [0, 300], to: [0, 300]},
		);
		expect(v?.owner).toBeUndefined();
		expect(v?.ownerUnknownReason).toMatch(
			/still gets traffic for it but has not answered for 20 s/,
		);
		expect(d.verdict).toBe('incomplete');
		expect(JSON.stringify(d.coverage.gaps)).toMatch(/has not answered for 20 s/);
	});

	it('Given vm2 has no port-security flow for the VIP (its port_security lacks it), Then the counters cannot compare the members and name nobody', async () => {
		const {v} = await run({from: [10, 1], arp: [7, 200], to: [10, 1]}, 'none');
		expect(v?.owner).toBeUndefined();
		expect(v?.ownerUnknownReason).toMatch(/has no OVN port-security counters for 10\.0\.0\.100/);
	});

	it('Given both members sent from the VIP within 2 s, Then the counters name nobody', async () => {
		const {v} = await run({from: [10, 3], to: [10, 3]}, {from: [4, 2], to: [4, 2]});
		expect(v?.owner).toBeUndefined();
		expect(v?.ownerUnknownReason).toMatch(/both sent from 10\.0\.0\.100 within 2 s/);
	});
});
