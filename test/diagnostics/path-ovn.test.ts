import {describe, expect, it} from 'vitest';
import {toCaptureMeta} from '../../src/bundle/capture-set.js';
import {openInput} from '../../src/bundle/read.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {checkParam, matchCatalog, planCommand} from '../../src/collectors/catalog.js';
import {ovnMicroflow} from '../../src/collectors/ovn-microflow.js';
import {analyze} from '../../src/diagnostics/analyze.js';
import {provePath, type PathProof} from '../../src/diagnostics/path.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {commandOfStep, proveWithRounds, stepOf} from '../../src/session/trace-rounds.js';
import {resolvedMac} from '../../src/diagnostics/path-ovn-nb.js';
import {ovnReplayExec} from '../helpers/ovn-trace-replay.js';

const VIP = '198.19.0.100';
const VM1 = 'fa:16:3e:e9:22:a1';
const VM2 = 'fa:16:3e:a8:42:e0';
const set = async (state: string): Promise<CaptureSet> =>
	(await openInput(new URL(`../fixtures/ovn-trace/${state}/set`, import.meta.url).pathname)).set;
const proof = (p: PathProof | string): PathProof => {
	if (typeof p === 'string') throw new Error(p);
	return p;
};
const shape = (p: PathProof): string[] => p.hops.map(h => `${h.kind}:${h.status}`);
const ROUTED = [
	'ovn-switch:ok',
	'ovn-router:ok',
	'ovn-router:ok',
	'ovn-switch:ok',
	'chassis:ok',
	'port:ok',
];

describe('OVN path proof on the OVN lab recordings (real NB/SB, flows and ovn-trace 23.03; FAKE exec replaying them)', () => {
	it('healthy: client → VIP ends on the holder vm1, one ovn-trace on the SB node, Neutron names on every hop', async () => {
		const exec = ovnReplayExec('healthy');
		const r = await proveWithRounds(await set('healthy'), 'client', VIP, exec);
		const p = proof(r.proof);
		expect(p).toMatchObject({verdict: 'holder', exitCode: 0, l2: false});
		expect(shape(p)).toEqual(ROUTED);
		expect(p.landing).toMatchObject({node: 'compute-1', port: 'tap-vm1', mac: VM1});
		expect(p.holder).toMatchObject({known: true, mac: VM1});
		expect(r.rounds).toBe(1);
		expect(r.execs).toEqual({controller: 1});
		expect(exec.execs).toEqual(['controller: trace.ovn']);
		const [sw, route, arp, out, chassis, port] = p.hops;
		expect(sw?.title).toMatch(
			/^network netB on network: port client \(eb7ce4a5\) → router interface 198\.19\.1\.1\/24 \(1d564fc0\)$/,
		);
		expect(sw?.detail).toContain(
			'port security lets fa:16:3e:f5:e7:ec 198.19.1.21 in (ls_in_check_port_sec)',
		);
		expect(sw?.command?.command).toBe(
			`ovn-trace --no-leader-only --detailed --no-friendly-names neutron-2f01bd0d-ddd1-4e93-8754-c23743e33c07 'inport == "eb7ce4a5-fa50-43d9-91f9-2124e4f62ab0" && eth.src == fa:16:3e:f5:e7:ec && ip4.src == 198.19.1.21 && eth.dst == fa:16:3e:1e:55:63 && ip4.dst == 198.19.0.100 && ip.ttl == 64 && icmp4.type == 8 && icmp4.code == 0'`,
		);
		expect(route?.title).toMatch(
			/^router r1 on network: lr_in_ip_routing, the route to 198\.19\.0\.100$/,
		);
		expect(route?.detail).toContain('ip4.dst == 198.19.0.0/24 → out of lrp-36590191');
		expect(route?.detail).toMatch(/^logical router neutron-e35ff4de-a99e-42fd-828a-d685f79aa04e: /);
		expect(arp?.detail).toContain(`198.19.0.100 → ${VM1} (port vm1 (d7c70c6a))`);
		expect(arp?.detail).toContain('virtual_parent vm1 (d7c70c6a) on chassis compute-1');
		// the trace lines and the SB row behind the MAC
		expect(arp?.evidence.map(e => e.capture)).toEqual([
			'controller.trace.ovn.1',
			'controller.ovn.sb',
		]);
		expect(arp?.evidence[0]?.excerpt).toContain('lr_in_arp_resolve');
		expect(out?.title).toBe(
			'network netA on network: from router interface 198.19.0.1/24 (36590191) → port vm1 (d7c70c6a)',
		);
		expect(out?.detail).toMatch(/^logical switch neutron-e0e90ace-2216-4582-a005-b532ce40149b; /);
		expect(chassis).toMatchObject({node: 'compute-1'});
		expect(port?.detail).toMatch(/^ends on the holder of 198\.19\.0\.100: port vm1 \(d7c70c6a\)/);
		expect(p.headline).toMatch(
			/^OK: port client .* ends on the holder: port vm1 \(d7c70c6a\).* on compute-1$/,
		);
	});

	it("failover (vm2's GARPs dropped by port security): breaks at lr_in_arp_resolve with the old master vm1, whose counters show it stopped answering — agreeing with the client's lost pings", async () => {
		const r = await proveWithRounds(
			await set('failover'),
			'client',
			VIP,
			ovnReplayExec('failover'),
		);
		const p = proof(r.proof);
		expect(p).toMatchObject({verdict: 'black-hole', exitCode: 2});
		// vm2 cannot send from the VIP (port security), so the counters cannot name the holder …
		expect(p.holder.known).toBe(false);
		const brk = p.hops.find(h => h.status === 'break');
		expect(brk).toMatchObject({kind: 'ovn-router', contradictsHolder: true});
		expect(brk?.title).toBe('router r1 on network: lr_in_arp_resolve, the MAC for 198.19.0.100');
		expect(brk?.detail).toContain(`198.19.0.100 → ${VM1} (port vm1 (d7c70c6a))`);
		expect(brk?.detail).toContain('virtual_parent vm1 (d7c70c6a)');
		// … but they prove the port the router sends to no longer answers for the VIP
		expect(brk?.detail).toMatch(
			/it gets traffic for 198\.19\.0\.100 but has not sent from it for \d+ s/,
		);
		expect(brk?.detail).toContain('frames go to the old master');
		expect(p.landing).toMatchObject({port: 'tap-vm1', mac: VM1});
		expect(p.hops.at(-1)).toMatchObject({kind: 'port', status: 'break', contradictsHolder: true});
		expect(p.headline).toMatch(
			/^BLACK HOLE: port client .* breaks at router r1 on network: lr_in_arp_resolve, the MAC for 198\.19\.0\.100: 198\.19\.0\.100 → fa:16:3e:e9:22:a1 \(port vm1/,
		);
	});

	it('workaround: ends on the new holder vm2', async () => {
		const p = proof(
			(await proveWithRounds(await set('workaround'), 'client', VIP, ovnReplayExec('workaround')))
				.proof,
		);
		expect(p).toMatchObject({verdict: 'holder', exitCode: 0});
		expect(shape(p)).toEqual(ROUTED);
		expect(p.landing).toMatchObject({node: 'compute-2', port: 'tap-vm2', mac: VM2});
		expect(p.hops[2]?.detail).toContain(`198.19.0.100 → ${VM2}`);
	});

	it('silent move: the SB binds vm2, which gets the traffic but stopped answering: BLACK HOLE at lr_in_arp_resolve, never OK', async () => {
		const p = proof(
			(await proveWithRounds(await set('stale'), 'client', VIP, ovnReplayExec('stale'))).proof,
		);
		expect(p.exitCode).toBe(2);
		expect(p.hops.find(h => h.status === 'break')?.title).toContain('lr_in_arp_resolve');
		expect(p.landing?.mac).toBe(VM2);
	});

	it('same-subnet client (vm2 → VIP, healthy): the L2 path, no router hop, lands on vm1', async () => {
		const exec = ovnReplayExec('healthy');
		const p = proof((await proveWithRounds(await set('healthy'), 'vm2', VIP, exec)).proof);
		expect(p.l2).toBe(true);
		expect(shape(p)).toEqual(['ovn-switch:ok', 'chassis:ok', 'port:ok']);
		expect(p.exitCode).toBe(0);
		expect(exec.calls[0]).toContain(
			`neutron-e0e90ace-2216-4582-a005-b532ce40149b inport == "4ad25a95`,
		);
		expect(exec.calls[0]).toContain(`eth.dst == ${VM1}`);
	});

	it('same-subnet client when the holder is unknown: INCOMPLETE — the MAC its ARP gets cannot be named, nothing is run', async () => {
		const exec = ovnReplayExec('failover');
		const r = await proveWithRounds(await set('failover'), 'vm2', VIP, exec);
		const p = proof(r.proof);
		expect(p).toMatchObject({verdict: 'incomplete', exitCode: 4, l2: true});
		expect(p.hops[0]?.detail).toMatch(
			/^who holds 198\.19\.0\.100 is unknown, so the MAC the client's ARP gets cannot be named/,
		);
		expect(exec.execs).toEqual([]);
	});

	it('no chassis flows read (no port-security counters): the path is traced but the holder cannot be established — INCOMPLETE naming the read, never OK', async () => {
		const full = await set('healthy');
		const keep = (c: {catalogId?: string}): boolean => c.catalogId !== 'ovs.flows';
		const noFlows: CaptureSet = {
			manifest: {...full.manifest, captures: full.manifest.captures.filter(keep)},
			captures: full.captures.filter(keep),
		};
		const p = proof(
			(await proveWithRounds(noFlows, 'client', VIP, ovnReplayExec('healthy'))).proof,
		);
		expect(p).toMatchObject({verdict: 'incomplete', exitCode: 4});
		expect(p.holder.known).toBe(false);
		expect(shape(p)).toEqual([...ROUTED.slice(0, 5), 'port:unread']);
		expect(p.hops.at(-1)?.detail).toContain('ovs-ofctl -t 10 dump-flows br-int');
		expect(p.headline).toMatch(/^INCOMPLETE: /);
	});

	it('an address the router has no MAC binding for: get_arp finds none and floods an ARP request — the ARP-resolve hop is unread (INCOMPLETE), never a verdict', async () => {
		const p = proof(
			(await proveWithRounds(await set('stale'), 'client', '198.19.0.50', ovnReplayExec('stale')))
				.proof,
		);
		expect(p).toMatchObject({verdict: 'incomplete', exitCode: 4});
		expect(shape(p)).toEqual(['ovn-switch:ok', 'ovn-router:ok', 'ovn-router:unread']);
		expect(p.hops[2]?.detail).toMatch(
			/^get_arp: no MAC binding: the router sends an ARP request for 198\.19\.0\.50/,
		);
	});

	it('saved set without the trace read: INCOMPLETE naming the ovn-trace command and the node to run it on', async () => {
		const p = proof(provePath(assembleSnapshot(await set('healthy')), 'client', VIP));
		expect(p).toMatchObject({verdict: 'incomplete', exitCode: 4});
		expect(p.hops).toHaveLength(1);
		expect(p.hops[0]?.status).toBe('unread');
		expect(p.hops[0]?.detail).toMatch(
			/^not read \(not in the capture set\): run on controller: ovn-trace --no-leader-only --detailed --no-friendly-names neutron-2f01bd0d-/,
		);
		expect(p.requests.map(c => `${c.node} ${c.catalogId}`)).toEqual(['controller trace.ovn']);
	});

	it('a trace that came back as an ovn-trace error or cut short is an unread hop (INCOMPLETE), never a verdict', async () => {
		const base = await set('healthy');
		const planned = proof(provePath(assembleSnapshot(base), 'client', VIP)).requests[0];
		if (planned === undefined) throw new Error('no request');
		const full = (await import('node:fs')).readFileSync(
			new URL('../fixtures/ovn-trace/healthy/1-routed-client-to-vip.txt', import.meta.url),
			'utf8',
		);
		for (const [stdout, expected] of [
			['unknown datapath "neutron-x"\n', /ovn-trace did not trace \(exit 0\): unknown datapath/],
			[
				full.split('\n').slice(0, 60).join('\n') + '\n',
				/ovn-trace did not trace \(exit 0\): truncated ovn-trace output/,
			],
		] as const) {
			const capture = toCaptureMeta({
				id: 'controller.trace.ovn.1',
				scope: 'node' as const,
				node: 'controller',
				argv: planned.argv,
				kind: 'ovn-trace' as const,
				catalogId: 'trace.ovn',
				exitCode: 0,
				startedAt: new Date().toISOString(),
				durationMs: 1,
				stdout,
				stderr: '',
			});
			const withTrace: CaptureSet = {
				manifest: {...base.manifest, captures: [...base.manifest.captures, capture]},
				captures: [...base.captures, capture],
			};
			const p = proof(provePath(assembleSnapshot(withTrace), 'client', VIP));
			expect(p.exitCode).toBe(4);
			expect(p.hops[0]?.detail).toMatch(expected);
		}
	});

	it('live diagnose on OVN: the OVN finding of the failover carries the proof (client on the routed subnet), and the saved set replays it', async () => {
		const collected = await set('failover');
		const report = analyze(collected);
		const finding = report.diagnosis.findings.find(f => f.ruleId === 'ovn/vip-port-security');
		expect(finding?.path).toBeUndefined();
		const {proofPair} = await import('../../src/diagnostics/index.js');
		const pair = finding === undefined ? undefined : proofPair(report.snapshot, finding);
		expect(pair).toEqual({from: '198.19.1.21', to: VIP});
		const r = await proveWithRounds(collected, pair?.from ?? '', VIP, ovnReplayExec('failover'));
		const again = analyze(r.set).diagnosis.findings.find(f => f.ruleId === 'ovn/vip-port-security');
		expect(again?.path).toMatchObject({verdict: 'black-hole', exitCode: 2});
	});
});

describe('lr_in_arp_resolve: the MAC the router uses for the VIP', () => {
	const stage = (actions: string[]) => ({table: 17, stage: 'lr_in_arp_resolve', actions, line: 1});
	it('a virtual port (recorded): northd wrote the parent MAC into the flow', () => {
		expect(resolvedMac(stage(['eth.dst = fa:16:3e:e9:22:a1;', 'next;']))).toEqual({
			mac: VM1,
			how: 'eth.dst = fa:16:3e:e9:22:a1',
		});
	});
	it('an AAP-only VIP (hand-made from ovn-trace.c\'s format, "/* MAC binding to …. */"): the SB MAC_Binding', () => {
		expect(
			resolvedMac(stage(['get_arp(outport, reg0);', `/* MAC binding to ${VM2}. */`, 'next;'])).mac,
		).toBe(VM2);
	});
	it('no binding (recorded): no MAC — the hop is unread, never a guess', () => {
		expect(
			resolvedMac(stage(['get_arp(outport, reg0);', '/* No MAC binding. */', 'next;'])),
		).toEqual({how: 'get_arp: no MAC binding'});
	});
});

describe('the trace.ovn catalog entry: only the typed microflow ever reaches ovn-trace', () => {
	const good = ovnMicroflow({
		inport: 'eb7ce4a5-fa50-43d9-91f9-2124e4f62ab0',
		ethSrc: 'FA:16:3E:F5:E7:EC',
		ip4Src: '198.19.1.21',
		ethDst: 'fa:16:3e:1e:55:63',
		ip4Dst: VIP,
	});

	it('plans ovn-trace with --detailed --no-friendly-names and the checked datapath and microflow; matchCatalog knows it', () => {
		const plan = planCommand('trace.ovn', {
			datapath: 'neutron-2f01bd0d-ddd1-4e93-8754-c23743e33c07',
			microflow: good,
		});
		if (!plan.ok) throw new Error(JSON.stringify(plan.refusals));
		expect(plan.command.argv.slice(0, 4)).toEqual([
			'ovn-trace',
			'--no-leader-only',
			'--detailed',
			'--no-friendly-names',
		]);
		expect(plan.command.argv[5]).toContain('eth.src == fa:16:3e:f5:e7:ec');
		expect(matchCatalog(plan.command.argv)?.id).toBe('trace.ovn');
		// the batch step round-trips to the same command
		const step = stepOf({catalogId: 'trace.ovn', argv: plan.command.argv});
		expect(checkParam('traceStep', step)).toBeUndefined();
		expect(commandOfStep(step)?.argv).toEqual(plan.command.argv);
	});

	it.each([
		[
			'a shell word in the port name',
			good.replace('eb7ce4a5-fa50-43d9-91f9-2124e4f62ab0', 'x"; rm -rf / #'),
		],
		['an option', '--ovs'],
		['another field', `${good} && tcp.dst == 22`],
		['an OR', good.replace(' && ip.ttl', ' || ip.ttl')],
		['a bad MAC', good.replace('fa:16:3e:1e:55:63', 'fa:16:3e:1e:55')],
		['a bad IP', good.replace(VIP, '198.19.0.300')],
		['a newline', `${good}\n`],
	])('refuses a microflow with %s', (_why, microflow) => {
		const plan = planCommand('trace.ovn', {datapath: 'neutron-x', microflow});
		expect(plan.ok).toBe(false);
	});

	it.each(['--db=tcp:1.2.3.4:6642', 'neutron x', 'a;b', "a'b", ''])(
		'refuses the datapath %j',
		datapath => {
			expect(planCommand('trace.ovn', {datapath, microflow: good}).ok).toBe(false);
		},
	);

	it('refuses a batch step that smuggles a word after the microflow', () => {
		expect(checkParam('traceStep', `ovn/neutron-x/${good}/extra`)).toBeDefined();
		expect(
			checkParam('traceStep', `ovn/neutron-x/${good.replace(' == 64', ' == 64; id')}`),
		).toBeDefined();
	});
});
