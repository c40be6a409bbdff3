/**
 * The collection session over many nodes, with a FAKE transport (test/helpers/fake-transport.ts:
 * delays and scripted failures, no network). The real SSH path is covered in collect-ssh.test.ts.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet, writeCaptureSet} from '../../src/bundle/capture-set.js';
import {collect, type CollectNode} from '../../src/session/collect.js';
import type {SessionEvent} from '../../src/model/events.js';
import {FakeTransport, type FakeNodeScript} from '../helpers/fake-transport.js';

const NONCE = 'feedfacefeedfacefeedfacefeedface';
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NEIGH =
	'[{"dst":"10.0.0.4","dev":"qr-1","lladdr":"fa:16:3e:00:00:01","state":["PERMANENT"]}]';

const healthy = (n: number): FakeNodeScript => ({
	namespaces: [`qrouter-${uuid(1)}`, `snat-${uuid(1)}`, `fip-${uuid(2)}`, `qdhcp-${uuid(3)}`],
	bridges: ['br-int', 'br-tun', 'br-ex'],
	delayMs: 5 + (n % 7) * 3,
	outputs: {
		'ovs-vsctl -t 5 show': `uuid-${n}\n    Bridge br-int\n`,
		[`ip -n qrouter-${uuid(1)} -j neigh show`]: NEIGH,
		'ovs-ofctl -t 10 dump-flows br-int': 'NXST_FLOW reply (xid=0x4):\n',
	},
	haFiles: {[`/var/lib/neutron/ha_confs/${uuid(1)}/state`]: 'primary'},
});

type Case = {script: FakeNodeScript; expect: string};

/** 60 nodes: most healthy, some unreachable, some refusing auth or host key, some hanging. */
function fleet(): {
	nodes: CollectNode[];
	fakes: Map<string, FakeTransport>;
	cases: Map<string, Case>;
} {
	const cases = new Map<string, Case>();
	for (let n = 0; n < 60; n++) {
		const id = `node-${String(n).padStart(2, '0')}`;
		if (n % 10 === 3)
			cases.set(id, {
				script: {connectFailure: {kind: 'unreachable', message: 'ECONNREFUSED'}},
				expect: 'unreachable',
			});
		else if (n % 10 === 5)
			cases.set(id, {
				script: {connectFailure: {kind: 'auth', message: 'permission denied'}},
				expect: 'auth',
			});
		else if (n === 17)
			cases.set(id, {
				script: {connectFailure: {kind: 'refused', message: 'HOST KEY CHANGED'}},
				expect: 'refused',
			});
		else if (n === 29)
			cases.set(id, {
				script: {...healthy(n), hang: ['netns.neigh-batch', 'ovs.show']},
				expect: 'timeout',
			});
		else cases.set(id, {script: healthy(n), expect: 'ok'});
	}
	const fakes = new Map<string, FakeTransport>();
	const nodes: CollectNode[] = [...cases].map(([id, c]) => {
		const fake = new FakeTransport(id, c.script);
		fakes.set(id, fake);
		return {info: {id, roles: ['compute']}, transport: fake};
	});
	return {nodes, fakes, cases};
}

describe('collect() over 60 nodes (fake transport with delays and failures)', () => {
	it('completes every healthy node, names every failure, keeps the partial node data', async () => {
		// Given 60 nodes with a mix of failures, concurrency 20, a short per-node limit
		const {nodes, fakes, cases} = fleet();
		const events: SessionEvent[] = [];
		// When collected
		const set = await collect(
			{nodes, concurrency: 20, nodeTimeoutMs: 1500, nonce: () => NONCE},
			e => events.push(e),
			new AbortController().signal,
		);
		// Then every healthy node has its full capture set, sections split per item
		for (const [id, c] of cases) {
			const mine = set.captures.filter(capture => capture.node === id);
			if (c.expect === 'ok') {
				expect(events).toContainEqual(expect.objectContaining({type: 'node-done', node: id}));
				expect(mine.filter(capture => capture.failure)).toEqual([]);
				const ids = mine.map(capture => capture.catalogId);
				for (const catalogId of [
					'netns.list',
					'ovs.bridges',
					'ovs.show',
					'ovs.interfaces',
					'ovs.ports',
					'ovs.flows',
					'ovs.ofctl-show',
					'ovs.fdb',
					'netns.neigh',
					'netns.addr',
					'netns.rule',
					'netns.route',
					'l3ha.state',
				])
					expect(ids, `${id} ${catalogId}`).toContain(catalogId);
				expect(
					mine
						.filter(capture => capture.catalogId === 'ovs.flows')
						.map(capture => capture.params?.bridge),
				).toEqual(['br-int', 'br-tun', 'br-ex']);
				// qdhcp is read too (its dynamic entries locate VIP owners)
				expect(
					mine
						.filter(capture => capture.catalogId === 'netns.neigh')
						.map(capture => capture.params?.namespace),
				).toEqual([`qrouter-${uuid(1)}`, `snat-${uuid(1)}`, `fip-${uuid(2)}`, `qdhcp-${uuid(3)}`]);
				const neigh = mine.find(
					capture =>
						capture.catalogId === 'netns.neigh' &&
						capture.params?.namespace === `qrouter-${uuid(1)}`,
				);
				expect(neigh).toMatchObject({
					kind: 'ip-neigh',
					stdout: NEIGH,
					exitCode: 0,
					argv: ['ip', '-n', `qrouter-${uuid(1)}`, '-j', 'neigh', 'show'],
				});
				expect(mine.find(capture => capture.catalogId === 'l3ha.state')).toMatchObject({
					kind: 'neutron-ha-state',
					stdout: 'primary',
					params: {router: uuid(1)},
				});
				// at most 10 executions on the node
				expect(fakes.get(id)!.executed.length).toBeLessThanOrEqual(10);
			} else {
				// every failure is named by node and kind
				expect(events).toContainEqual(
					expect.objectContaining({type: 'node-failed', node: id, kind: c.expect}),
				);
				expect(set.manifest.problems).toContainEqual(
					expect.objectContaining({node: id, kind: c.expect}),
				);
			}
			// and every connection was closed
			expect(fakes.get(id)!.closed).toBe(true);
		}
		// The hanging node keeps what it got before the limit
		const hung = set.captures.filter(capture => capture.node === 'node-29');
		expect(
			hung.find(capture => capture.catalogId === 'ovs.flows' && !capture.failure),
		).toBeDefined();
		expect(hung.find(capture => capture.catalogId === 'ovs.show')?.failure?.kind).toBe('timeout');
		// The set is marked partial and the summary counts add up
		expect(set.manifest.partial).toBe(true);
		const done = events.at(-1);
		expect(done).toMatchObject({
			type: 'collection-done',
			nodesOk: [...cases.values()].filter(c => c.expect === 'ok').length,
			nodesFailed: [...cases.values()].filter(c => c.expect !== 'ok').length,
			cancelled: false,
		});
		expect(events[0]?.type).toBe('collection-started');
	});

	it('never runs more than `concurrency` nodes at once', async () => {
		// Given 50 healthy nodes and concurrency 7
		const nodes = Array.from({length: 50}, (_, n): CollectNode => ({
			info: {id: `n${n}`, roles: []},
			transport: new FakeTransport(`n${n}`, healthy(n)),
		}));
		let running = 0;
		let peak = 0;
		// When
		await collect(
			{nodes, concurrency: 7, nonce: () => NONCE},
			event => {
				if (event.type === 'node-started') peak = Math.max(peak, ++running);
				if (event.type === 'node-done' || event.type === 'node-failed') running--;
			},
			new AbortController().signal,
		);
		// Then
		expect(peak).toBe(7);
	});

	it('on abort stops, closes every connection and keeps what it has', async () => {
		// Given 50 nodes whose detail commands are slow
		const fakes = Array.from(
			{length: 50},
			(_, n) => new FakeTransport(`n${n}`, {...healthy(n), delayMs: 200}),
		);
		const nodes = fakes.map((transport): CollectNode => ({
			info: {id: transport.id, roles: []},
			transport,
		}));
		const controller = new AbortController();
		const events: SessionEvent[] = [];
		// When aborted once the first nodes have finished discovery
		let aborted = false;
		const set = await collect(
			{nodes, concurrency: 10, nonce: () => NONCE},
			event => {
				events.push(event);
				if (
					!aborted &&
					event.type === 'capture-done' &&
					event.capture.catalogId === 'ovs.bridges'
				) {
					aborted = true;
					setTimeout(() => controller.abort(), 10);
				}
			},
			controller.signal,
		);
		// Then it is partial and cancelled, the finished captures are kept, every node accounted for
		expect(set.manifest.partial).toBe(true);
		expect(events.at(-1)).toMatchObject({type: 'collection-done', cancelled: true});
		expect(
			set.captures.some(capture => capture.catalogId === 'netns.list' && !capture.failure),
		).toBe(true);
		const closedOrFailed = new Set(
			events.flatMap(e => (e.type === 'node-done' || e.type === 'node-failed' ? [e.node] : [])),
		);
		expect(closedOrFailed.size).toBe(50);
		expect(set.manifest.problems?.some(problem => problem.kind === 'cancelled')).toBe(true);
		for (const fake of fakes) expect(fake.closed).toBe(true);
	});

	it('writes a capture set that reads back with every argv, exit code, duration and failure', async () => {
		// Given a small collection with one failing node
		const nodes: CollectNode[] = [
			{info: {id: 'a', roles: ['compute']}, transport: new FakeTransport('a', healthy(1))},
			{
				info: {id: 'b', roles: ['gateway']},
				transport: new FakeTransport('b', {
					connectFailure: {kind: 'unreachable', message: 'no route'},
				}),
			},
		];
		const set = await collect(
			{nodes, nonce: () => NONCE, toolVersion: '9.9.9'},
			() => undefined,
			new AbortController().signal,
		);
		const dir = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-set-'));
		try {
			// When written and read back
			await writeCaptureSet(dir, set);
			const back = await readCaptureSet(dir);
			// Then
			expect(back.manifest.nodes.map(n => n.id)).toEqual(['a', 'b']);
			expect(back.manifest.problems).toContainEqual({
				node: 'b',
				kind: 'unreachable',
				message: 'no route',
			});
			expect(back.captures.length).toBe(set.captures.length);
			for (const capture of back.captures) {
				expect(capture.argv.length).toBeGreaterThan(0);
				expect(capture.startedAt).toMatch(/^\d{4}-/);
				expect(typeof capture.durationMs).toBe('number');
			}
			expect(back.captures.find(c => c.catalogId === 'netns.neigh')?.stdout).toBe(NEIGH);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('a --router target narrows to the hosts carrying it and to its namespaces', async () => {
		// Given 5 nodes, a FAKE cloud whose API says router 1 lives on node-1 and gw
		const api = new FakeTransport('cloud', {
			outputs: {
				[`openstack network agent list --router ${uuid(1)} --long -f json`]: JSON.stringify([
					{Host: 'node-1'},
					{Host: 'gw.cloud'},
					{Host: 'elsewhere'},
				]),
			},
		});
		const script = {
			...healthy(0),
			namespaces: [`qrouter-${uuid(1)}`, `qrouter-${uuid(9)}`, `fip-${uuid(2)}`],
		};
		const fakes = ['node-0', 'node-1', 'node-2', 'gw'].map(id => new FakeTransport(id, script));
		const nodes = fakes.map((transport): CollectNode => ({
			info: {
				id: transport.id,
				roles: [],
				...(transport.id === 'gw' ? {neutronHost: 'gw.cloud'} : {}),
			},
			transport,
		}));
		const events: SessionEvent[] = [];
		// When
		const set = await collect(
			{nodes, cloud: api, target: {kind: 'router', id: uuid(1)}, nonce: () => NONCE},
			e => events.push(e),
			new AbortController().signal,
		);
		// Then collection-started comes first and names only the carrying nodes
		expect(events[0]).toMatchObject({
			type: 'collection-started',
			nodes: [{id: 'node-1'}, {id: 'gw'}],
			target: `router ${uuid(1)}`,
		});
		expect(fakes[0]!.executed).toEqual([]);
		expect(fakes[2]!.executed).toEqual([]);
		// only router 1's namespaces (and fip-) are read
		const read = set.captures
			.filter(c => c.node === 'node-1' && c.catalogId === 'netns.neigh')
			.map(c => c.params?.namespace);
		expect(read).toEqual([`qrouter-${uuid(1)}`, `fip-${uuid(2)}`]);
		// the API call is kept, and the host outside the inventory is named
		expect(set.captures.find(c => c.catalogId === 'os.router-agents')).toMatchObject({
			scope: 'cloud',
			kind: 'openstack-agents',
		});
		expect(set.manifest.problems).toContainEqual(
			expect.objectContaining({
				kind: 'target',
				message: expect.stringContaining('elsewhere') as string,
			}),
		);
	});

	it('a node that answers but has one command time out is done, and the command is named', async () => {
		// Given a node whose `ovs-vsctl show` never answers, a 300 ms command timeout (the OVSDB
		// reads run as one execution, ovs.db-batch: the FAKE batch hangs as a whole)
		const fake = new FakeTransport('slow-1', {...healthy(1), hang: ['ovs.show']});
		const events: SessionEvent[] = [];
		// When
		const set = await collect(
			{
				nodes: [{info: {id: 'slow-1', roles: []}, transport: fake}],
				commandTimeoutMs: 300,
				nonce: () => NONCE,
			},
			e => events.push(e),
			new AbortController().signal,
		);
		// Then
		// the execution, and each read it ran, are filed as timed out and named
		expect(events).toContainEqual(
			expect.objectContaining({type: 'node-done', node: 'slow-1', failedCaptures: 4}),
		);
		expect(set.manifest.problems).toEqual([
			{node: 'slow-1', kind: 'timeout', message: 'ovs.db-batch: fake timeout'},
		]);
		for (const catalogId of ['ovs.show', 'ovs.interfaces', 'ovs.ports'])
			expect(
				set.captures.find(c => c.node === 'slow-1' && c.catalogId === catalogId),
				catalogId,
			).toMatchObject({
				id: `slow-1.${catalogId}`,
				exitCode: null,
				failure: {kind: 'timeout', message: 'fake timeout'},
			});
		// every namespace of the node (qrouter, snat, fip, qdhcp) still read
		expect(
			set.captures.filter(c => c.node === 'slow-1' && c.catalogId === 'netns.neigh'),
		).toHaveLength(4);
	});

	it('a targeted collection (dvrscope trace) runs only the entries asked for, then the rounds on the same connections', async () => {
		const fake = new FakeTransport('c-1', healthy(1));
		let seen = -1;
		const set = await collect(
			{
				nodes: [{info: {id: 'c-1', roles: []}, transport: fake}],
				only: new Set(['netns.list', 'ovs.interfaces', 'netns.state-batch', 'netns.batch']),
				nonce: () => NONCE,
				after: async (collected, exec) => {
					// still open for the path rounds, and the exec runs on the node's transport
					expect(fake.closed).toBe(false);
					seen = fake.executed.length;
					await exec('c-1', ['ovs-vsctl', '-t', '5', 'show'], {
						id: 'ovs.show',
					} as Parameters<typeof exec>[2]);
					expect(exec.podScoped?.('c-1')).toBe(false);
					return collected;
				},
			},
			() => undefined,
			new AbortController().signal,
		);
		const ids = new Set(set.captures.map(c => c.catalogId));
		expect([...ids].sort()).toEqual([
			'netns.addr',
			'netns.list',
			'netns.neigh',
			'netns.state-batch',
			'ovs.interfaces',
		]);
		expect(fake.executed.length).toBe(seen + 1);
		expect(fake.closed).toBe(true);
	});

	it('reads instance and Octavia ports with port show after port list (bounded)', async () => {
		// Given a FAKE cloud with three ports, one of them DHCP
		const api = new FakeTransport('cloud', {
			outputs: {
				'openstack port list --long -f json': JSON.stringify([
					{ID: uuid(11), 'Device Owner': 'compute:nova'},
					{ID: uuid(12), 'Device Owner': 'network:dhcp'},
					{ID: uuid(13), 'Device Owner': 'Octavia'},
					{ID: 'not-a-uuid;id', 'Device Owner': 'compute:nova'},
				]),
				[`openstack port show ${uuid(11)} -f json`]: JSON.stringify({
					id: uuid(11),
					allowed_address_pairs: [{ip_address: '10.0.0.50'}],
				}),
			},
		});
		// When collecting cloud data only
		const set = await collect(
			{nodes: [], cloud: api, cloudEntries: ['os.ports'], nonce: () => NONCE},
			() => undefined,
			new AbortController().signal,
		);
		// Then the two ports that matter were shown, the hostile id never ran
		const shown = set.captures.filter(c => c.catalogId === 'os.port-show');
		expect(shown.map(c => c.argv[3])).toEqual([uuid(11), uuid(13)]);
		expect(shown[0]).toMatchObject({scope: 'cloud', kind: 'openstack-ports'});
		expect(api.executed.flat()).not.toContain('not-a-uuid;id');
	});
});
