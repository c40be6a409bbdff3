/**
 * A FAKE DVR cloud for watch tests (no network, no processes): three nodes answering through
 * FakeTransport (test/helpers/fake-transport.ts) and a fake `openstack` CLI transport, whose
 * answers follow a mutable state — who holds the VIP (the snat- namespace's dynamic entry) and
 * what every qrouter's PERMANENT entry says. Tests flip the state between rounds (a failover, the
 * workaround, a node that stops answering) and watch the engine follow. Values are made up.
 */
import type {CollectNode, CollectOptions} from '../../src/session/collect.js';
import {FakeTransport, type FakeNodeScript} from './fake-transport.js';

export const ROUTER = '7d0d3b2e-5c4a-4f1e-9a8b-1c2d3e4f5a6b';
export const SUBNET = '3a1f0c9e-2b7d-4e6f-8a9b-0c1d2e3f4a5b';
export const NETWORK = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
export const VIP = '10.0.0.100';
export const MAC = {vm1: 'fa:16:3e:aa:aa:aa', vm2: 'fa:16:3e:bb:bb:bb'} as const;
const PORT = {
	vm1: '11111111-aaaa-4aaa-8aaa-111111111111',
	vm2: '22222222-bbbb-4bbb-8bbb-222222222222',
} as const;
export const NODES = ['network', 'compute-1', 'compute-2'] as const;
type Vm = keyof typeof MAC;

const port = (vm: Vm, ip: string): Record<string, unknown> => ({
	id: PORT[vm],
	name: `${vm}-port`,
	mac_address: MAC[vm],
	network_id: NETWORK,
	fixed_ips: [{subnet_id: SUBNET, ip_address: ip}],
	allowed_address_pairs: [{ip_address: VIP, mac_address: MAC[vm]}],
	device_owner: 'compute:nova',
	device_id: `dev-${vm}`,
	'binding:host_id': 'compute-1',
	'binding:vif_type': 'ovs',
	status: 'ACTIVE',
});
const PORTS = [
	port('vm1', '10.0.0.11'),
	port('vm2', '10.0.0.12'),
	{
		id: '44444444-dddd-4ddd-8ddd-444444444444',
		name: '',
		mac_address: 'fa:16:3e:72:7a:50',
		network_id: NETWORK,
		fixed_ips: [{subnet_id: SUBNET, ip_address: '10.0.0.1'}],
		allowed_address_pairs: [],
		device_owner: 'network:router_interface_distributed',
		device_id: ROUTER,
		'binding:host_id': '',
		'binding:vif_type': 'distributed',
		status: 'ACTIVE',
	},
];

export type WorldState = {
	/** Who holds the VIP (what the snat- namespace learnt from the last gratuitous ARP). */
	holder: Vm;
	/** What each node's qrouter entry for the VIP points at. */
	entries: Record<(typeof NODES)[number], Vm>;
	/** Nodes that stopped answering. */
	down: Set<string>;
};

export type FakeWorld = {
	readonly state: WorldState;
	readonly transports: ReadonlyMap<string, FakeTransport>;
	readonly cloud: FakeTransport;
	/** Collection options as `prepareLiveCollection` would make them (CLI cloud, no target). */
	readonly options: CollectOptions;
	/** Apply the state to every fake node's answers (call after changing `state`). */
	update(): void;
};

const neigh = (mac: string, state: string): string =>
	JSON.stringify([{dst: VIP, dev: 'qr-1a2b3c4d-5e', lladdr: mac, state: [state]}]);

/** `otherRouters`: that many more routers' qrouter namespaces on every node (scale). */
export function fakeWorld(options: {readonly otherRouters?: number} = {}): FakeWorld {
	const others = Array.from(
		{length: options.otherRouters ?? 0},
		(_, i) => `qrouter-${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
	);
	const state: WorldState = {
		holder: 'vm1',
		entries: {network: 'vm1', 'compute-1': 'vm1', 'compute-2': 'vm1'},
		down: new Set(),
	};
	const scripts = new Map<string, {-readonly [K in keyof FakeNodeScript]: FakeNodeScript[K]}>();
	const transports = new Map<string, FakeTransport>();
	for (const node of NODES) {
		const script: {-readonly [K in keyof FakeNodeScript]: FakeNodeScript[K]} = {
			namespaces: [
				`qrouter-${ROUTER}`,
				...(node === 'network' ? [`snat-${ROUTER}`] : []),
				...others,
			],
			bridges: [],
		};
		scripts.set(node, script);
		transports.set(node, new FakeTransport(node, script));
	}
	const update = (): void => {
		for (const node of NODES) {
			const script = scripts.get(node);
			if (script === undefined) continue;
			const outputs: Record<string, string> = {
				[`ip -n qrouter-${ROUTER} -j neigh show`]: neigh(MAC[state.entries[node]], 'PERMANENT'),
				[`ip -n qrouter-${ROUTER} -j addr show`]: '[]',
			};
			if (node === 'network') {
				outputs[`ip -n snat-${ROUTER} -j neigh show`] = neigh(MAC[state.holder], 'REACHABLE');
				outputs[`ip -n snat-${ROUTER} -j addr show`] = '[]';
			}
			script.outputs = outputs;
			if (state.down.has(node))
				script.down = {kind: 'unreachable', message: 'fake: no route to host'};
			else delete script.down;
		}
	};
	update();
	const cloud = new FakeTransport('cloud', {
		outputs: {
			'openstack network agent list --long -f json': '[]',
			'openstack router list --long -f json': JSON.stringify({
				routers: [{id: ROUTER, name: 'r1', distributed: true, ha: false, status: 'ACTIVE'}],
			}),
			'openstack network list --long -f json': JSON.stringify({
				networks: [{id: NETWORK, name: 'netA'}],
			}),
			'openstack subnet list -f json': JSON.stringify({
				subnets: [
					{
						id: SUBNET,
						network_id: NETWORK,
						cidr: '10.0.0.0/24',
						gateway_ip: '10.0.0.1',
						ip_version: 4,
					},
				],
			}),
			'openstack port list --long -f json': JSON.stringify({ports: PORTS}),
			[`openstack port show ${PORT.vm1} -f json`]: JSON.stringify({port: PORTS[0]}),
			[`openstack port show ${PORT.vm2} -f json`]: JSON.stringify({port: PORTS[1]}),
		},
	});
	const nodes: CollectNode[] = NODES.map(node => ({
		info: {id: node, roles: [node === 'network' ? 'network' : 'compute'], transport: 'ssh'},
		transport: transports.get(node) as FakeTransport,
	}));
	return {
		state,
		transports,
		cloud,
		update,
		options: {
			nodes,
			cloud,
			cloudEntries: ['os.agents', 'os.routers', 'os.networks', 'os.subnets', 'os.ports'],
			description: 'fake watch world',
		},
	};
}
