/**
 * Node-side catalog entries: the two discovery reads every node gets, the detail reads planned
 * from what discovery found (src/collectors/catalog/detail.ts), and the watch rounds' probe.
 * The OVN database reads are in ovn.ts.
 */
import type {CatalogEntry} from './schema.js';
import {
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
	// Phase 2: detail (at most 8 executions).
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
