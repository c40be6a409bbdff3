import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {openInput} from '../../src/bundle/read.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {provePath, type PathProof} from '../../src/diagnostics/path.js';
import {proveWithRounds} from '../../src/session/trace-rounds.js';
import {batchAware, replayExec, replaySingle} from '../helpers/trace-replay.js';

const VIP = '198.19.0.100';
const VM1 = 'fa:16:3e:4c:55:f0';
const VM2 = 'fa:16:3e:bb:67:05';
const set = async (state: string): Promise<CaptureSet> =>
	(await openInput(new URL(`../fixtures/trace/${state}/set`, import.meta.url).pathname)).set;
const proof = (p: PathProof | string): PathProof => {
	if (typeof p === 'string') throw new Error(p);
	return p;
};
const fixture = (file: string): string =>
	readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');

describe('path proof on the lab recordings (replayed: real OVS/iproute2 output, FAKE exec)', () => {
	it('healthy: client → VIP ends on the holder (vm2), two rounds, one per node', async () => {
		const exec = replayExec('healthy');
		const r = await proveWithRounds(await set('healthy'), 'client', VIP, exec);
		const p = proof(r.proof);
		expect(p.verdict).toBe('holder');
		expect(p.exitCode).toBe(0);
		expect(p.l2).toBe(false);
		expect(p.hops.map(h => `${h.kind}:${h.status}`)).toEqual([
			'ovs:ok',
			'route:ok',
			'neigh:ok',
			'ovs:ok',
			'tunnel:ok',
			'ovs:ok',
			'port:ok',
		]);
		expect(p.landing).toMatchObject({node: 'compute-1', port: 'tap-vm2', mac: VM2});
		expect(r.rounds).toBe(2);
		// one execution per node per round: compute-2's three reads in one trace.batch
		expect(r.execs).toEqual({'compute-2': 1, 'compute-1': 1});
		expect(exec.execs).toEqual(['compute-2: trace.batch', 'compute-1: trace.ovs']);
		// the remote round carries the tunnel id and the DVR-rewritten source MAC of the previous hop
		expect(exec.calls.at(-1)).toBe(
			`compute-1: ovs-appctl -T 10 ofproto/trace br-tun --names in_port=vxlan-c612010c,tun_id=0x184,ip,dl_src=fa:16:3f:67:00:48,dl_dst=${VM2},nw_src=198.19.1.21,nw_dst=${VIP}`,
		);
		// every hop with a capture carries its evidence lines
		for (const h of p.hops.filter(
			h => h.kind === 'ovs' || h.kind === 'route' || h.kind === 'neigh',
		))
			expect(h.evidence.length, h.title).toBeGreaterThan(0);
	});

	it('failover: breaks at the qrouter entry on the client node naming the old master; lands on vm2, not the holder', async () => {
		const r = await proveWithRounds(await set('failover'), 'client', VIP, replayExec('failover'));
		const p = proof(r.proof);
		expect(p.verdict).toBe('black-hole');
		expect(p.exitCode).toBe(2);
		const first = p.hops.find(h => h.status === 'break');
		expect(first).toMatchObject({kind: 'neigh', node: 'compute-2', contradictsHolder: true});
		expect(first?.detail).toContain(`lladdr ${VM2} PERMANENT`);
		expect(first?.detail).toContain('port vm2');
		expect(first?.detail).toContain(`the holder is ${VM1}`);
		// every OVS hop was right
		expect(p.hops.filter(h => h.kind === 'ovs').every(h => h.status === 'ok')).toBe(true);
		expect(p.landing).toMatchObject({port: 'tap-vm2', mac: VM2});
		expect(p.hops.at(-1)).toMatchObject({kind: 'port', status: 'break', contradictsHolder: true});
		expect(p.headline).toMatch(/^BLACK HOLE: .* breaks at compute-2 qrouter-/);
	});

	it('workaround: ends on the new holder (vm1)', async () => {
		const r = await proveWithRounds(
			await set('workaround'),
			'client',
			VIP,
			replayExec('workaround'),
		);
		const p = proof(r.proof);
		expect(p.exitCode).toBe(0);
		expect(p.landing).toMatchObject({port: 'tap-vm1', mac: VM1});
	});

	it('saved data without the path captures: INCOMPLETE, naming the commands that would read each hop', async () => {
		const p = proof(provePath(assembleSnapshot(await set('failover')), 'client', VIP));
		expect(p.verdict).toBe('black-hole'); // the entry already contradicts the holder: proven from state
		const healthy = proof(provePath(assembleSnapshot(await set('healthy')), 'client', VIP));
		expect(healthy.verdict).toBe('incomplete');
		expect(healthy.exitCode).toBe(4);
		expect(healthy.requests.map(r => `${r.node}: ${r.command}`)).toEqual([
			`compute-2: ovs-appctl -T 10 ofproto/trace br-int --names in_port=tap-client,ip,dl_src=fa:16:3e:e7:f2:92,dl_dst=fa:16:3e:95:b0:c3,nw_src=198.19.1.21,nw_dst=${VIP}`,
			`compute-2: ip -n qrouter-efc4d540-dd88-4fcf-b130-07e9b507adc0 -j route get ${VIP} from 198.19.1.21 iif qr-c078255e-88`,
			`compute-2: ovs-appctl -T 10 ofproto/trace br-int --names in_port=qr-d5ec3321-6d,ip,dl_src=fa:16:3e:c5:76:ff,dl_dst=${VM2},nw_src=198.19.1.21,nw_dst=${VIP}`,
		]);
		expect(healthy.headline).toMatch(
			/^INCOMPLETE: .*not read \(not in the capture set\): run on compute-2: ovs-appctl/,
		);
	});

	it('a remote node that cannot be read leaves the proof INCOMPLETE (never OK), naming its command', async () => {
		const replay = replaySingle('healthy');
		const exec = batchAware(async (node, argv, entry) =>
			node === 'compute-1'
				? {
						target: node,
						argv,
						stdout: '',
						stderr: '',
						exitCode: null,
						startedAt: new Date(0).toISOString(),
						durationMs: 0,
						failure: {kind: 'unreachable', message: 'connection refused'},
					}
				: replay(node, argv, entry),
		);
		const p = proof((await proveWithRounds(await set('healthy'), 'client', VIP, exec)).proof);
		expect(p.exitCode).toBe(4);
		const unread = p.hops.find(h => h.status === 'unread');
		expect(unread?.node).toBe('compute-1');
		expect(unread?.detail).toMatch(
			/unreachable: connection refused.*run on compute-1: ovs-appctl -T 10 ofproto\/trace br-tun --names in_port=vxlan-c612010c,tun_id=0x184/,
		);
	});

	it('OVS refusing a trace (unknown port, rc 2) is an unread hop with OVS’s words, not a break', async () => {
		const replay = replaySingle('healthy');
		const exec = batchAware(async (node, argv, entry) => {
			const r = await replay(node, argv, entry);
			return argv.includes('br-int') && argv.at(-1)?.startsWith('in_port=tap-client') === true
				? {
						...r,
						stdout: '',
						stderr: fixture('trace/healthy/p-unknown-port.txt.stderr'),
						exitCode: 2,
					}
				: r;
		});;
		const p = proof((await proveWithRounds(await set('healthy'), 'client', VIP, exec)).proof);
		expect(p.exitCode).toBe(4);
		expect(p.hops[0]).toMatchObject({kind: 'ovs', status: 'unread'});
		expect(p.hops[0]?.detail).toMatch(
			/OVS refused the trace \(exit 2\): .*invalid or unknown port for in_port/,
		);
	});

	it('kernel datapath (HAND-MADE trace without the remote IP): the tunnel is read from options:remote_ip and the proof closes', async () => {
		const replay = replaySingle('failover');
		const kernel = fixture('trace-kernel/br-int-qr-to-tunnel-no-dst.txt');
		const exec = batchAware(async (node, argv, entry) => {
			const r = await replay(node, argv, entry);
			return argv.at(-1)?.startsWith('in_port=qr-d5ec3321-6d') === true
				? {...r, stdout: kernel}
				: r;
		});;
		const p = proof((await proveWithRounds(await set('failover'), 'client', VIP, exec)).proof);
		expect(p.hops.find(h => h.kind === 'tunnel')?.title).toContain(
			'→ 198.18.1.11, tun_id 0x184 (compute-1)',
		);
		expect(p.landing?.port).toBe('tap-vm2');
		expect(p.exitCode).toBe(2);
	});

	it('the remote trace always carries tun_id: without it br-tun table 4 drops it (recorded), a false break', async () => {
		const replay = replaySingle('healthy');
		const argvs: string[] = [];
		const exec = batchAware(async (node, argv, entry) => {
			argvs.push(argv.join(' '));
			return replay(node, argv, entry);
		});;
		await proveWithRounds(await set('healthy'), 'client', VIP, exec);
		const remote = argvs.filter(a => a.includes('br-tun'));
		expect(remote).toHaveLength(1);
		expect(remote[0]).toContain('tun_id=0x184');
	});

	it('a drop on the remote node is a black hole at that hop', async () => {
		const replay = replaySingle('healthy');
		const dropped = fixture('trace/healthy/4-compute-1-br-tun-no-tun-id.txt');
		const exec = batchAware(async (node, argv, entry) => {
			const r = await replay(node, argv, entry);
			return node === 'compute-1' ? {...r, stdout: dropped} : r;
		});;
		const p = proof((await proveWithRounds(await set('healthy'), 'client', VIP, exec)).proof);
		expect(p.exitCode).toBe(2);
		expect(p.hops.at(-1)).toMatchObject({kind: 'ovs', node: 'compute-1', status: 'break'});
		expect(p.hops.at(-1)?.detail).toMatch(/dropped in br-tun table 4/);
	});

	it('a peer DVR MAC missing from br-tun (learning path, HAND-MADE from the recording) is drift', async () => {
		const replay = replaySingle('healthy');
		const learning = fixture('trace/healthy/4-compute-1-br-tun-from-tunnel.txt')
			.replace(' 9. dl_src=fa:16:3f:67:00:48, priority 1,', ' 9. priority 0,')
			.replace(
				'    output:"patch-int"',
				'    goto_table:10\n10. priority 1, cookie 0x14843e2a532bafa2\n    learn(table=20,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:OXM_OF_IN_PORT[])\n    output:"patch-int"',
			);
		const exec = batchAware(async (node, argv, entry) => {
			const r = await replay(node, argv, entry);
			return node === 'compute-1' ? {...r, stdout: learning} : r;
		});;
		const p = proof((await proveWithRounds(await set('healthy'), 'client', VIP, exec)).proof);
		expect(p.exitCode).toBe(1);
		expect(p.verdict).toBe('drift');
		expect(p.headline).toMatch(/does not know compute-2's DVR MAC fa:16:3f:67:00:48/);
	});

	it('a usage error names what it could not resolve', async () => {
		expect(provePath(assembleSnapshot(await set('healthy')), 'nosuchvm', VIP)).toMatch(
			/--from nosuchvm: no Neutron port, VM or OVS interface/,
		);
	});

	it('an address nobody holds: INCOMPLETE (the holder cannot be established)', async () => {
		const p = proof(provePath(assembleSnapshot(await set('healthy')), 'client', '198.19.0.77'));
		expect(p.holder.known).toBe(false);
		expect(p.exitCode).toBe(4);
	});
});
