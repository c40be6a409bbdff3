/**
 * Node-side catalog entries: the two discovery reads every node gets, the detail reads planned
 * from what discovery found (src/collectors/catalog/detail.ts), and the watch rounds' probe.
 * The OVN database reads are in ovn.ts.
 */
import type {CatalogEntry, SectionPart} from './schema.js';
import {
	itemBatchScript,
	ADDR_PARTS,
	batch,
	BRIDGE_PARTS,
	HA_CONFS_SCRIPT,
	NAMESPACE_PARTS,
	NEIGH_PARTS,
	PROBE_SCRIPT,
	ROUTING_PARTS,
} from './scripts.js';

/** Phases `discover` and `detail`, in the order a node's commands are planned. */
export const NODE_ENTRIES = [
	// Phase 1: discovery (2 executions).
	{
		id: 'netns.list',
		title: 'Network namespaces',
		scope: 'node',
		phase: 'discover',
		podClass: 'l3-agent',
		argv: ['ip', '-j', 'netns', 'list'],
		kind: 'ip-netns',
		timeoutMs: 15_000,
	},
	{
		id: 'ovs.bridges',
		title: 'OVS bridges',
		scope: 'node',
		phase: 'discover',
		podClass: 'ovs-db',
		argv: ['ovs-vsctl', '-t', '5', 'list-br'],
		timeoutMs: 15_000,
	},
	// Phase 2: detail (at most 8 executions; the folds of FOLD_ENTRIES make it 4 on most nodes).
	{
		id: 'ovs.show',
		title: 'OVS configuration (ovs-vsctl show)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-db',
		argv: ['ovs-vsctl', '-t', '5', 'show'],
		kind: 'ovs-vsctl-show',
		timeoutMs: 15_000,
	},
	{
		id: 'ovs.interfaces',
		title: 'OVSDB Interface table',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-db',
		argv: [
			'ovs-vsctl',
			'-t',
			'5',
			'--format=json',
			'--columns=name,ofport,type,options,external_ids',
			'list',
			'Interface',
		],
		kind: 'ovsdb-json',
		timeoutMs: 15_000,
	},
	{
		id: 'ovs.ports',
		title: 'OVSDB Port table',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-db',
		argv: [
			'ovs-vsctl',
			'-t',
			'5',
			'--format=json',
			'--columns=name,tag,other_config',
			'list',
			'Port',
		],
		kind: 'ovsdb-json',
		timeoutMs: 15_000,
	},
	{
		id: 'ovs.bridge-batch',
		title: 'Flows, ports and FDB of every bridge',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-vswitchd',
		argv: batch(BRIDGE_PARTS, 'bridge'),
		timeoutMs: 60_000,
		sections: {parts: BRIDGE_PARTS},
		needs: 'bridge',
	},
	{
		// Neighbours and addresses in one pass over the namespaces: one execution for both.
		id: 'netns.state-batch',
		title: 'Neighbour tables and addresses of Neutron namespaces',
		scope: 'node',
		phase: 'detail',
		podClass: 'l3-agent',
		argv: batch([...NEIGH_PARTS, ...ADDR_PARTS], 'namespace'),
		timeoutMs: 60_000,
		sections: {parts: [...NEIGH_PARTS, ...ADDR_PARTS]},
		needs: 'namespace',
	},
	{
		// The host's own interfaces: mosk/deployment checks the tunnel interface against them.
		id: 'host.addr',
		title: 'Host interfaces and addresses',
		scope: 'node',
		phase: 'detail',
		podClass: 'l3-agent',
		argv: ['ip', '-j', 'addr', 'show'],
		kind: 'ip-addr',
		timeoutMs: 15_000,
	},
	{
		id: 'netns.routing-batch',
		title: 'Policy rules and routes of router namespaces',
		scope: 'node',
		phase: 'detail',
		podClass: 'l3-agent',
		argv: batch(ROUTING_PARTS, 'namespace'),
		timeoutMs: 60_000,
		sections: {parts: ROUTING_PARTS},
		needs: 'namespace',
	},
	{
		// Used instead of the two namespace batches above when a node's namespaces do not fit one
		// command (COMMAND_BYTES_BUDGET): every part in one pass, the namespaces split into chunks.
		id: 'netns.batch',
		title: 'Neighbours, addresses, rules and routes of Neutron namespaces (a chunk of them)',
		scope: 'node',
		phase: 'detail',
		podClass: 'l3-agent',
		argv: batch(NAMESPACE_PARTS, 'namespace'),
		timeoutMs: 120_000,
		sections: {parts: NAMESPACE_PARTS},
		needs: 'namespace',
		chunked: true,
	},
	{
		id: 'l3ha.files',
		title: 'Neutron L3-HA state files and keepalived.conf',
		scope: 'node',
		phase: 'detail',
		podClass: 'l3-agent',
		argv: ['sh', '-c', HA_CONFS_SCRIPT, 'dvrscope', {param: 'nonce'}, {param: 'haConfsPath'}],
		timeoutMs: 30_000,
		sections: {files: true},
		// An L3-HA router's keepalived runs in its qrouter namespace: no namespace, no HA router here.
		onlyWith: 'namespace',
	},
	{
		// ml2/ovn evidence on a chassis: ovn-remote, ovn-encap-* and system-id in the local
		// Open_vSwitch row. Only where no Neutron namespace is read (keeps ≤ 10 executions).
		id: 'ovs.open-vswitch',
		title: 'Open_vSwitch row (external_ids: ovn-remote, ovn-encap-type, system-id)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-db',
		argv: [
			'ovs-vsctl',
			'-t',
			'5',
			'--format=json',
			'--columns=external_ids,ovs_version',
			'list',
			'Open_vSwitch',
		],
		kind: 'ovsdb-json',
		timeoutMs: 15_000,
		onlyWithout: 'namespace',
	},
] as const satisfies readonly CatalogEntry[];

type SingleId = 'ovs.show' | 'ovs.interfaces' | 'ovs.ports' | 'ovs.open-vswitch' | 'host.addr';

/** A single read of {@link NODE_ENTRIES} as a `once` part of a fold: its own argv, id and kind. */
function once(id: SingleId, name: string): SectionPart {
	const entry = NODE_ENTRIES.find(e => e.id === id);
	if (entry === undefined || !('kind' in entry) || entry.argv.some(w => typeof w !== 'string'))
		throw new Error(`catalog: ${id} cannot be folded`);
	return {name, catalogId: id, kind: entry.kind, argv: entry.argv, once: true};
}

const OVSDB_PARTS = [
	once('ovs.show', 'ovs-show'),
	once('ovs.interfaces', 'ovs-interfaces'),
	once('ovs.ports', 'ovs-ports'),
];
const CHASSIS_PARTS = [...OVSDB_PARTS, once('ovs.open-vswitch', 'ovs-open-vswitch')];
const AGENT_PARTS = [once('host.addr', 'host-addr'), ...ROUTING_PARTS];

/**
 * Folds (issue 22): the detail phase's single reads that run in the same place go out as one
 * execution — planned instead of the entries they fold when all of those would run
 * (src/collectors/catalog/detail.ts), so a collection leaves room for the proof rounds in the
 * per-node budget. Each read is still filed as its own capture (own argv, exit status, kind).
 */
export const FOLD_ENTRIES = [
	{
		// ml2/ovn chassis (no Neutron namespace): the OVSDB reads and the Open_vSwitch row.
		id: 'ovs.db-batch-chassis',
		title: 'OVSDB reads in one execution (ovs-vsctl show, Interface, Port, Open_vSwitch)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-db',
		argv: ['sh', '-c', itemBatchScript(CHASSIS_PARTS), 'dvrscope', {param: 'nonce'}],
		timeoutMs: 30_000,
		sections: {parts: CHASSIS_PARTS},
		folds: ['ovs.show', 'ovs.interfaces', 'ovs.ports', 'ovs.open-vswitch'],
	},
	{
		id: 'ovs.db-batch',
		title: 'OVSDB reads in one execution (ovs-vsctl show, Interface and Port tables)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovs-db',
		argv: ['sh', '-c', itemBatchScript(OVSDB_PARTS), 'dvrscope', {param: 'nonce'}],
		timeoutMs: 30_000,
		sections: {parts: OVSDB_PARTS},
		folds: ['ovs.show', 'ovs.interfaces', 'ovs.ports'],
	},
	{
		// In the L3 agent's place: the host's addresses, the L3-HA files, and the namespaces'
		// rules and routes (what netns.routing-batch, host.addr and l3ha.files read alone).
		id: 'netns.agent-batch',
		title: 'Host addresses, L3-HA files, and policy rules and routes of router namespaces',
		scope: 'node',
		phase: 'detail',
		podClass: 'l3-agent',
		argv: [
			'sh',
			'-c',
			itemBatchScript(AGENT_PARTS, {files: true}),
			'dvrscope',
			{param: 'nonce'},
			{param: 'haConfsPath'},
			{spread: 'namespace'},
		],
		timeoutMs: 90_000,
		sections: {parts: AGENT_PARTS, files: true},
		needs: 'namespace',
		folds: ['netns.routing-batch', 'host.addr', 'l3ha.files'],
	},
] as const satisfies readonly CatalogEntry[];

/** Phase `probe`: run by watch rounds only (src/session/watch.ts). */
export const PROBE_ENTRIES = [
	{
		// Watch rounds only (phase `probe`): neighbours and addresses of the namespaces in view and
		// the L3-HA state files, in one execution (src/session/watch.ts).
		id: 'watch.probe',
		title: 'Watch probe: neighbours, addresses and L3-HA states of the namespaces in view',
		scope: 'node',
		phase: 'probe',
		podClass: 'l3-agent',
		argv: [
			'sh',
			'-c',
			PROBE_SCRIPT,
			'dvrscope',
			{param: 'nonce'},
			{param: 'haConfsPath'},
			{spread: 'namespace'},
		],
		timeoutMs: 30_000,
		sections: {parts: [...NEIGH_PARTS, ...ADDR_PARTS], files: true},
	},
] as const satisfies readonly CatalogEntry[];
