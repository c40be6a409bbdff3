/**
 * The read-only command catalog: every command dvrscope may run on a node or against the cloud API
 * is an entry here. Nothing else is ever executed by a collection session (test/collectors/
 * catalog.test.ts proves it with a hostile corpus and a recording transport).
 *
 * Parameters that come from remote output (namespace, bridge names, router ids) and from the user
 * (`--router`, `--vip`) are validated against strict patterns before an argv is built; a value that
 * does not match is refused and reported, never run. Argv is a list of words; the one place a
 * command string is built from it is src/model/quote.ts.
 *
 * Node-side economy: per node, two discovery commands and at most eight detail commands, plus one
 * per 2,000 namespaces on nodes whose namespaces do not fit one command (each command stays under
 * {@link COMMAND_BYTES_BUDGET}, well below Linux's 128 KiB argument limit). Per-item work runs in
 * one execution (or one per chunk of items) through a constant
 * POSIX `sh -c` script whose items are positional arguments (never spliced into the script); the
 * script brackets each item's output with markers carrying a per-run random nonce, and
 * {@link splitSections} cuts the output back into one capture per item.
 */
import type {ParserKind} from '../model/facts.js';
import type {CaptureParams, CaptureScope} from '../model/capture.js';
import {quoteWord, shellQuote} from '../model/quote.js';
import type {ApiRequest, ApiService} from '../model/api-request.js';
import {checkTraceFlow, MAX_FLOW_LENGTH} from './trace-flow.js';

/** Which Kubernetes pod/container answers a command (kubectl transport); ignored by ssh/local. */
export type PodClass =
	'l3-agent' | 'ovs-vswitchd' | 'ovs-db' | 'keystone-client' | 'ovn-nb' | 'ovn-sb';

/** Parameter names and the strict patterns their values must match. */
export const PARAM_PATTERNS = {
	/**
	 * Neutron namespaces dvrscope reads: router, SNAT, FIP and DHCP namespaces (a DHCP namespace's
	 * dynamic ARP entry for a VIP follows gratuitous ARPs, so it tells who holds the VIP now).
	 */
	namespace:
		/^(?:qrouter|snat|fip|qdhcp)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
	bridge: /^br-[a-z0-9-]{1,12}$/,
	router: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
	loadbalancer: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
	port: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
	subnet: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
	server: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
	/** IPv4 dotted quad or an IPv6 address (hex groups and colons, optional embedded IPv4). */
	ip: /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|[0-9a-fA-F:]{2,39}(?:\d{1,3}(?:\.\d{1,3}){3})?)$/,
	/** Marker nonce for sectioned output: 32 lower-case hex digits, chosen by dvrscope per run. */
	nonce: /^[0-9a-f]{32}$/,
	/**
	 * An OpenFlow match for `ofproto/trace` (issue 22): comma-separated `field` or `field=value`
	 * words, no spaces, never starting with `-` (so never an option such as `-generate`). Keys and
	 * values are checked further by {@link checkTraceFlow}.
	 */
	flow: /^[a-z_]+(?:=[A-Za-z0-9_.:/-]+)?(?:,[a-z_]+(?:=[A-Za-z0-9_.:/-]+)?)*$/,
	/** A Linux interface name (`qr-1a2b3c4d-5e`, `tap…`): at most 15 characters, not an option. */
	device: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/,
	/** Source address of `ip route get … from`: same form as `ip`. */
	sourceIp:
		/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|[0-9a-fA-F:]{2,39}(?:\d{1,3}(?:\.\d{1,3}){3})?)$/,
	/** Neutron `ha_confs_path`: an absolute path of plain segments. */
	haConfsPath: /^\/(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\/){0,8}[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/,
} as const satisfies Record<string, RegExp>;

export type ParamName = keyof typeof PARAM_PATTERNS;

/** Maximum length of any parameter value (the longest legal value is a 44-char namespace). */
export const MAX_PARAM_LENGTH = 128;

export const DEFAULT_HA_CONFS_PATH = '/var/lib/neutron/ha_confs';

/** At most this many remote executions per node below {@link NAMESPACES_PER_EXTRA_EXEC} namespaces. */
export const MAX_EXECS_PER_NODE = 10;

/** One more execution is allowed per this many namespaces (big nodes' batches are split). */
export const NAMESPACES_PER_EXTRA_EXEC = 2000;

/**
 * Budget of one execution's command, in bytes, as the transport sends it (the shell-quoted argv
 * joined by spaces). Linux refuses any single argument over 128 KiB (MAX_ARG_STRLEN) and sshd
 * hands the whole command to the remote shell as ONE argument: batches are split to stay well
 * under it. 2,000 of the longest legal namespace names (44 chars) and the script fit.
 */
export const COMMAND_BYTES_BUDGET = 100_000;

/** The execution limit of a node with `namespaces` namespaces to read. */
export const maxExecsPerNode = (namespaces: number): number =>
	MAX_EXECS_PER_NODE + Math.floor(namespaces / NAMESPACES_PER_EXTRA_EXEC);

/** One word of an argv template. */
export type ArgToken =
	string | {readonly param: ParamName; readonly prefix?: string} | {readonly spread: ParamName};

/** One part of a sectioned (batched) command: what one item's section is filed as. */
export type SectionPart = {
	/** Name printed in the marker (`flows`, `neigh` …). */
	readonly name: string;
	readonly catalogId: string;
	readonly kind: ParserKind;
	/** The command run per item, as argv; {@link ITEM} stands for the item (quoted `"$i"`). */
	readonly argv: readonly string[];
	/** Which capture param the item is filed under. */
	readonly param: 'bridge' | 'namespace';
};

export type CatalogEntry = {
	readonly id: string;
	readonly title: string;
	readonly scope: CaptureScope;
	/**
	 * `discover` runs first on every node; `detail` uses what discovery found; `cloud` is API-side;
	 * `probe` is run only by watch rounds (src/session/watch.ts), never by a full collection;
	 * `trace` runs only in the rounds of a packet-path proof (src/diagnostics/path.ts), never in a
	 * plain collection.
	 */
	readonly phase: 'discover' | 'detail' | 'cloud' | 'probe' | 'trace';
	readonly podClass: PodClass;
	readonly argv: readonly [ArgToken, ...ArgToken[]];
	/** Parser kind of stdout (absent: stored for humans, or sectioned). */
	readonly kind?: ParserKind;
	readonly timeoutMs: number;
	/**
	 * Set for batched entries whose stdout is split into one capture per item and part; `files`:
	 * sections named `file` are L3-HA files under the ha_confs path (both for the watch probe).
	 */
	readonly sections?:
		| {readonly parts: readonly SectionPart[]; readonly files?: true}
		| {readonly files: true};
	/**
	 * Cloud entries: the same read as an OpenStack API GET (src/transport/openstack-api.ts), the
	 * path with `{param}` for a checked parameter. The reply body is filed as the capture (same kind).
	 */
	readonly api?: {readonly service: ApiService; readonly path: string};
	/** Entry produces nothing to run when this list param is empty (batches over items). */
	readonly needs?: ParamName;
	/**
	 * Planned only when the `needs` items do not fit one command of the other entries: then it
	 * replaces every entry batching over the same items, split into commands within the budget.
	 */
	readonly chunked?: true;
	/**
	 * Planned only when this list param is empty: a read that matters on nodes without Neutron
	 * namespaces (ml2/ovn chassis), kept off nodes that use every execution on namespaces.
	 */
	readonly onlyWithout?: ParamName;
	/** Planned only when this list param is not empty (no item to read without it). */
	readonly onlyWith?: ParamName;
	/** Planned only on nodes with this inventory role (`ovn-db`: where the OVN NB/SB DBs run). */
	readonly role?: 'ovn-db';
};

// ─── batched scripts ───────────────────────────────────────────────────────

/** Words that may appear in a constant script: plain, needing no quoting in any POSIX shell. */
const PLAIN_WORD = /^[A-Za-z0-9_./=:,+-]+$/;

const MARK = '@@dvrscope';
/** `m NONCE begin|end PART ITEM [RC]`: one marker line on stdout and on stderr. */
const MARKER_FN = `m() { printf '\\n${MARK} %s\\n' "$*"; printf '\\n${MARK} %s\\n' "$*" >&2; }`;

/** Placeholder for the item in a {@link SectionPart} argv. */
export const ITEM = '{item}';

function plainWords(argv: readonly string[]): string {
	return argv
		.map(word => {
			if (word === ITEM) return '"$i"';
			if (!PLAIN_WORD.test(word)) throw new Error(`catalog: "${word}" is not a plain script word`);
			return word;
		})
		.join(' ');
}

/** Script run as `sh -c SCRIPT dvrscope NONCE ITEM…`: every part for every item, bracketed. */
export function itemBatchScript(parts: readonly SectionPart[]): string {
	const lines = [MARKER_FN, 'n=$1; shift', 'for i do'];
	for (const part of parts) {
		plainWords([part.name]);
		lines.push(
			`  m "$n" begin ${part.name} "$i"; ${plainWords(part.argv)}; r=$?; m "$n" end ${part.name} "$i" "$r"`,
		);
	}
	lines.push('done');
	return lines.join('\n');
}

/**
 * Script run as `sh -c SCRIPT dvrscope NONCE DIR`: the L3-HA `state` file and `keepalived.conf` of
 * every router under DIR (Neutron's `ha_confs_path`), read in one execution. Read-only (`cat`).
 */
export const HA_CONFS_SCRIPT = [
	MARKER_FN,
	'n=$1; d=$2',
	'for f in "$d"/*/state "$d"/*/keepalived.conf; do',
	'  [ -f "$f" ] || continue',
	'  m "$n" begin file "$f"; cat -- "$f"; r=$?; m "$n" end file "$f" "$r"',
	'done',
].join('\n');

const BRIDGE_PARTS: readonly SectionPart[] = [
	{
		name: 'flows',
		catalogId: 'ovs.flows',
		kind: 'ovs-flows',
		argv: ['ovs-ofctl', '-t', '10', 'dump-flows', ITEM],
		param: 'bridge',
	},
	{
		name: 'show',
		catalogId: 'ovs.ofctl-show',
		kind: 'ovs-ofctl-show',
		argv: ['ovs-ofctl', '-t', '10', 'show', ITEM],
		param: 'bridge',
	},
	{
		name: 'fdb',
		catalogId: 'ovs.fdb',
		kind: 'ovs-fdb',
		argv: ['ovs-appctl', '-T', '10', 'fdb/show', ITEM],
		param: 'bridge',
	},
];

const NEIGH_PARTS: readonly SectionPart[] = [
	{
		name: 'neigh',
		catalogId: 'netns.neigh',
		kind: 'ip-neigh',
		argv: ['ip', '-n', ITEM, '-j', 'neigh', 'show'],
		param: 'namespace',
	},
];

const ADDR_PARTS: readonly SectionPart[] = [
	{
		name: 'addr',
		catalogId: 'netns.addr',
		kind: 'ip-addr',
		argv: ['ip', '-n', ITEM, '-j', 'addr', 'show'],
		param: 'namespace',
	},
];

const ROUTING_PARTS: readonly SectionPart[] = [
	{
		name: 'rule',
		catalogId: 'netns.rule',
		kind: 'ip-rule',
		argv: ['ip', '-n', ITEM, '-j', 'rule', 'show'],
		param: 'namespace',
	},
	{
		name: 'route',
		catalogId: 'netns.route',
		kind: 'ip-route',
		argv: ['ip', '-n', ITEM, '-j', 'route', 'show', 'table', 'all'],
		param: 'namespace',
	},
];

/**
 * Script run as `sh -c SCRIPT dvrscope NONCE DIR NAMESPACE…`: a watch round's probe — only what
 * moves during a failover: each namespace's neighbours and addresses, and every L3-HA `state`
 * file under DIR. One execution per node per round. Read-only (`ip … show`, `cat`).
 */
export const PROBE_SCRIPT = [
	MARKER_FN,
	'n=$1; d=$2; shift 2',
	'for i do',
	`  m "$n" begin neigh "$i"; ip -n "$i" -j neigh show; r=$?; m "$n" end neigh "$i" "$r"`,
	`  m "$n" begin addr "$i"; ip -n "$i" -j addr show; r=$?; m "$n" end addr "$i" "$r"`,
	'done',
	'for f in "$d"/*/state; do',
	'  [ -f "$f" ] || continue',
	'  m "$n" begin file "$f"; cat -- "$f"; r=$?; m "$n" end file "$f" "$r"',
	'done',
].join('\n');

const NAMESPACE_PARTS: readonly SectionPart[] = [...NEIGH_PARTS, ...ADDR_PARTS, ...ROUTING_PARTS];

const batch = (
	parts: readonly SectionPart[],
	spread: ParamName,
): readonly [ArgToken, ...ArgToken[]] =>
	['sh', '-c', itemBatchScript(parts), 'dvrscope', {param: 'nonce'}, {spread}] as const;

/**
 * OVN tables dvrscope reads, with the columns it needs (`--columns` keeps output small; the
 * columns also tell the parser which table a JSON document is, since the JSON names none).
 * Columns present in OVN 20.09 and later; MAC_Binding `timestamp` (22.09+) is not asked for.
 */
export const OVN_NB_TABLES: readonly (readonly [string, string])[] = [
	['Logical_Switch', '_uuid,name,ports,other_config,external_ids'],
	[
		'Logical_Switch_Port',
		'_uuid,name,type,addresses,port_security,options,up,enabled,ha_chassis_group,external_ids',
	],
	['Logical_Router', '_uuid,name,ports,nat,options,external_ids'],
	[
		'Logical_Router_Port',
		'_uuid,name,mac,networks,gateway_chassis,ha_chassis_group,options,external_ids',
	],
	['NAT', '_uuid,type,external_ip,logical_ip,logical_port,external_mac,external_ids'],
	['HA_Chassis_Group', '_uuid,name,ha_chassis,external_ids'],
	['HA_Chassis', '_uuid,chassis_name,priority'],
	['Gateway_Chassis', '_uuid,name,chassis_name,priority'],
];

export const OVN_SB_TABLES: readonly (readonly [string, string])[] = [
	[
		'Port_Binding',
		'_uuid,logical_port,type,chassis,virtual_parent,mac,options,up,datapath,external_ids',
	],
	['MAC_Binding', '_uuid,logical_port,ip,mac,datapath'],
	['Chassis', '_uuid,name,hostname,other_config,external_ids'],
	['Chassis_Private', '_uuid,name,chassis,nb_cfg_timestamp'],
	['Datapath_Binding', '_uuid,tunnel_key,external_ids'],
];

/** `--columns=C list T -- --columns=C list T2 …`: one execution, one JSON document per table. */
const ovnLists = (tables: readonly (readonly [string, string])[]): string[] =>
	tables.flatMap(([table, columns], i) => [
		...(i > 0 ? ['--'] : []),
		`--columns=${columns}`,
		'list',
		table,
	]);

/** Read-only options of ovn-nbctl/ovn-sbctl: any raft member answers; never wait for a change. */
const OVN_READ = ['--no-leader-only', '--timeout=10', '--format=json'] as const;

// ─── entries ───────────────────────────────────────────────────────────────

const ENTRIES = [
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
	{
		id: 'ovn.nb',
		title: 'OVN northbound DB (logical ports, routers, NAT, gateway chassis)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovn-nb',
		argv: ['ovn-nbctl', ...OVN_READ, ...ovnLists(OVN_NB_TABLES)] as [string, ...string[]],
		kind: 'ovn-db',
		timeoutMs: 30_000,
		role: 'ovn-db',
		onlyWithout: 'namespace',
	},
	{
		id: 'ovn.sb',
		title: 'OVN southbound DB (port bindings, MAC bindings, chassis)',
		scope: 'node',
		phase: 'detail',
		podClass: 'ovn-sb',
		argv: ['ovn-sbctl', ...OVN_READ, ...ovnLists(OVN_SB_TABLES)] as [string, ...string[]],
		kind: 'ovn-db',
		timeoutMs: 30_000,
		role: 'ovn-db',
		onlyWithout: 'namespace',
	},
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
	// Cloud scope: OpenStack API through the `openstack` CLI (read-only list/show verbs only).
	{
		id: 'os.agents',
		title: 'Neutron agents',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'network', 'agent', 'list', '--long', '-f', 'json'],
		kind: 'openstack-agents',
		api: {service: 'network', path: '/v2.0/agents'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.router-agents',
		title: 'L3 agents hosting a router',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: [
			'openstack',
			'network',
			'agent',
			'list',
			'--router',
			{param: 'router'},
			'--long',
			'-f',
			'json',
		],
		kind: 'openstack-agents',
		api: {service: 'network', path: '/v2.0/routers/{router}/l3-agents'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.routers',
		title: 'Routers',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'router', 'list', '--long', '-f', 'json'],
		kind: 'openstack-routers',
		api: {service: 'network', path: '/v2.0/routers'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.subnets',
		title: 'Subnets',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'subnet', 'list', '-f', 'json'],
		kind: 'openstack-subnets',
		api: {service: 'network', path: '/v2.0/subnets'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.networks',
		title: 'Networks',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'network', 'list', '--long', '-f', 'json'],
		kind: 'openstack-networks',
		api: {service: 'network', path: '/v2.0/networks'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.ports',
		title: 'Ports',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'port', 'list', '--long', '-f', 'json'],
		kind: 'openstack-ports',
		api: {service: 'network', path: '/v2.0/ports'},
		timeoutMs: 120_000,
	},
	{
		id: 'os.ports-by-ip',
		title: 'Ports holding a fixed IP',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: [
			'openstack',
			'port',
			'list',
			'--fixed-ip',
			{param: 'ip', prefix: 'ip-address='},
			'--long',
			'-f',
			'json',
		],
		kind: 'openstack-ports',
		api: {service: 'network', path: '/v2.0/ports?fixed_ips=ip_address%3D{ip}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.ports-by-subnet',
		title: 'Ports on a subnet',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: [
			'openstack',
			'port',
			'list',
			'--fixed-ip',
			{param: 'subnet', prefix: 'subnet='},
			'--long',
			'-f',
			'json',
		],
		kind: 'openstack-ports',
		api: {service: 'network', path: '/v2.0/ports?fixed_ips=subnet_id%3D{subnet}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.router-ports',
		title: "A router's ports (its interfaces and their subnets)",
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'port', 'list', '--router', {param: 'router'}, '--long', '-f', 'json'],
		kind: 'openstack-ports',
		// the CLI's --router is a device_id filter
		api: {service: 'network', path: '/v2.0/ports?device_id={router}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.port-show',
		title: 'One port (allowed address pairs, binding host)',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'port', 'show', {param: 'port'}, '-f', 'json'],
		kind: 'openstack-ports',
		api: {service: 'network', path: '/v2.0/ports/{port}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.loadbalancer-show',
		title: 'One load balancer',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'loadbalancer', 'show', {param: 'loadbalancer'}, '-f', 'json'],
		api: {service: 'load-balancer', path: '/v2/lbaas/loadbalancers/{loadbalancer}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.amphorae',
		title: 'Amphorae of a load balancer',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: [
			'openstack',
			'loadbalancer',
			'amphora',
			'list',
			'--loadbalancer',
			{param: 'loadbalancer'},
			'--long',
			'-f',
			'json',
		],
		kind: 'octavia-amphorae',
		api: {service: 'load-balancer', path: '/v2/octavia/amphorae?loadbalancer_id={loadbalancer}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.amphora-show',
		title: 'One amphora (VRRP port, priority)',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'loadbalancer', 'amphora', 'show', {param: 'server'}, '-f', 'json'],
		kind: 'octavia-amphorae',
		api: {service: 'load-balancer', path: '/v2/octavia/amphorae/{server}'},
		timeoutMs: 60_000,
	},
	{
		id: 'os.server-show',
		title: 'One server (hypervisor host)',
		scope: 'cloud',
		phase: 'cloud',
		podClass: 'keystone-client',
		argv: ['openstack', 'server', 'show', {param: 'server'}, '-f', 'json'],
		api: {service: 'compute', path: '/servers/{server}'},
		timeoutMs: 60_000,
	},
	// Packet-path proof (issue 22): read-only traces, planned one hop at a time by src/diagnostics/
	// path.ts. ofproto/trace is never given `-generate` nor a packet argument (the template has one
	// word for the flow and the flow can never be an option): without a packet it has no side effects.
	{
		id: 'trace.ovs',
		title: 'OpenFlow trace of one packet through a bridge (ofproto/trace, no packet, no -generate)',
		scope: 'node',
		phase: 'trace',
		podClass: 'ovs-vswitchd',
		argv: [
			'ovs-appctl',
			'-T',
			'10',
			'ofproto/trace',
			{param: 'bridge'},
			'--names',
			{param: 'flow'},
		],
		kind: 'ovs-trace',
		timeoutMs: 15_000,
	},
	{
		id: 'trace.route-get',
		title: "The route a router namespace's kernel takes for one packet (ip route get … iif)",
		scope: 'node',
		phase: 'trace',
		podClass: 'l3-agent',
		argv: [
			'ip',
			'-n',
			{param: 'namespace'},
			'-j',
			'route',
			'get',
			{param: 'ip'},
			'from',
			{param: 'sourceIp'},
			'iif',
			{param: 'device'},
		],
		kind: 'ip-route',
		timeoutMs: 15_000,
	},
] as const satisfies readonly CatalogEntry[];

export type CatalogId = (typeof ENTRIES)[number]['id'];

/** Every entry, keyed by id. */
export const CATALOG: Readonly<Record<CatalogId, CatalogEntry>> = Object.fromEntries(
	ENTRIES.map(entry => [entry.id, entry]),
) as Record<CatalogId, CatalogEntry>;

export const catalogEntries: readonly CatalogEntry[] = ENTRIES;

// ─── validation and argv building ──────────────────────────────────────────

export type ParamValues = Partial<Record<ParamName, string | readonly string[]>>;

/** A value that was not run, and why. Reported per node; never executed. */
export type Refusal = {
	readonly catalogId: string;
	readonly param: ParamName;
	/** The value as received, made printable (control characters escaped, cut at 80 chars). */
	readonly value: string;
	readonly reason: string;
};

/** Make a hostile value safe to print in a report: JSON-escape and cut. */
export function printable(value: string): string {
	const escaped = JSON.stringify(value).slice(1, -1);
	return escaped.length > 80 ? `${escaped.slice(0, 77)}...` : escaped;
}

/** `undefined` when the value is legal for the parameter, else the reason. */
export function checkParam(name: ParamName, value: string): string | undefined {
	const max = name === 'flow' ? MAX_FLOW_LENGTH : MAX_PARAM_LENGTH;
	if (value.length > max) return `longer than ${max} characters`;
	if (!PARAM_PATTERNS[name].test(value))
		return `does not match the ${name} pattern ${String(PARAM_PATTERNS[name])}`;
	if (name === 'flow') return checkTraceFlow(value);
	if (name === 'haConfsPath' && value.split('/').includes('..')) return 'contains ".."';
	return undefined;
}

/** A command ready to hand to a transport. */
export type PlannedCommand = {
	readonly entry: CatalogEntry;
	readonly argv: readonly [string, ...string[]];
	/** Capture params (namespace, bridge, router…) for single-item entries. */
	readonly params: CaptureParams;
	readonly nonce?: string;
};

export type PlanResult =
	| {readonly ok: true; readonly command: PlannedCommand}
	| {readonly ok: false; readonly refusals: readonly Refusal[]};

/**
 * Build the argv of catalog entry `id` from `values`. Every value is checked against its pattern;
 * any failure refuses the whole command (nothing partial is run). Unknown ids throw (programmer
 * error: the catalog is the allow-list).
 */
export function planCommand(id: string, values: ParamValues = {}): PlanResult {
	const entry = (CATALOG as Readonly<Record<string, CatalogEntry | undefined>>)[id];
	if (entry === undefined) throw new Error(`catalog: no entry "${id}"`);
	const refusals: Refusal[] = [];
	const argv: string[] = [];
	const params: {namespace?: string; bridge?: string; router?: string} = {};
	const check = (param: ParamName, value: unknown): value is string => {
		if (typeof value !== 'string') {
			refusals.push({catalogId: id, param, value: String(value), reason: 'missing'});
			return false;
		}
		const reason = checkParam(param, value);
		if (reason !== undefined) {
			refusals.push({catalogId: id, param, value: printable(value), reason});
			return false;
		}
		return true;
	};
	for (const token of entry.argv) {
		if (typeof token === 'string') {
			argv.push(token);
		} else if ('param' in token) {
			const value = values[token.param];
			if (check(token.param, value)) {
				argv.push(`${token.prefix ?? ''}${value}`);
				if (token.param === 'router') params.router = value;
			}
		} else {
			const list = values[token.spread];
			const items = typeof list === 'string' ? [list] : (list ?? []);
			for (const item of items) if (check(token.spread, item)) argv.push(item);
		}
	}
	if (refusals.length > 0) return {ok: false, refusals};
	const nonceValue = values.nonce;
	return {
		ok: true,
		command: {
			entry,
			argv: argv as unknown as readonly [string, ...string[]],
			params,
			...(typeof nonceValue === 'string' ? {nonce: nonceValue} : {}),
		},
	};
}

/**
 * The API request of cloud entry `id` (see {@link CatalogEntry.api}), its parameters checked as
 * {@link planCommand} checks them; the planned CLI command comes along (capture kind, params).
 */
export function planApi(
	id: string,
	values: ParamValues = {},
):
	| {readonly ok: true; readonly command: PlannedCommand; readonly request: ApiRequest}
	| {readonly ok: false; readonly refusals: readonly Refusal[]} {
	const planned = planCommand(id, values);
	if (!planned.ok) return planned;
	const api = planned.command.entry.api;
	if (api === undefined) throw new Error(`catalog: ${id} has no API form`);
	const path = api.path.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => {
		const value = values[name as ParamName];
		// Checked by planCommand (every {param} of the path is a param of the argv).
		if (typeof value !== 'string') throw new Error(`catalog: ${id}: no value for {${name}}`);
		return value;
	});
	return {ok: true, command: planned.command, request: {service: api.service, path}};
}

// ─── discovery output ──────────────────────────────────────────────────────

/** Names from `ip -j netns list` (empty output means no namespaces). Never throws. */
export function namespaceNames(stdout: string): readonly string[] | {readonly error: string} {
	const text = stdout.trim();
	if (text === '') return [];
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return {error: `ip -j netns list: not JSON (${(error as Error).message})`};
	}
	if (!Array.isArray(value)) return {error: 'ip -j netns list: not a JSON array'};
	const names: string[] = [];
	for (const item of value as unknown[]) {
		if (typeof item === 'object' && item !== null && 'name' in item) {
			const name = item.name;
			if (typeof name === 'string') names.push(name);
		}
	}
	return names;
}

/** Names from `ovs-vsctl list-br`, one per line. */
export function bridgeNames(stdout: string): readonly string[] {
	return stdout.split('\n').filter(line => line !== '');
}

/** What detail commands to run for the names that discovery found, and what was refused. */
export type DetailPlan = {
	readonly commands: readonly PlannedCommand[];
	readonly refusals: readonly Refusal[];
	/** Legal names that dvrscope does not read (e.g. `ovs-system`, a VM's `ns1`), for the log. */
	readonly skipped: readonly string[];
};

/** A name dvrscope does not read but that is harmless to mention (`ns1`, `haproxy`). */
const BENIGN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Prefixes of the namespaces dvrscope reads: a malformed name with one of these is refused. */
const READ_PREFIX = /^(?:qrouter|snat|fip|qdhcp)-/;

/**
 * Plan phase 2 for one node. Namespace and bridge names come from the node and are validated
 * here; names that are not legal are refused (reported), names that are legal but not read
 * (`ns1`) are skipped. At most {@link maxExecsPerNode}(namespaces) − 2 commands, each within
 * {@link COMMAND_BYTES_BUDGET} bytes (`budget` overrides it, for tests).
 */
export function planDetail(found: {
	readonly namespaces: readonly string[];
	readonly bridges: readonly string[];
	readonly nonce: string;
	readonly haConfsPath?: string;
	/** When set (targeted collection), only these router ids' namespaces are read. */
	readonly routers?: readonly string[];
	readonly budget?: number;
	/** The node's inventory roles (`ovn-db` adds the OVN NB/SB reads). */
	readonly roles?: readonly string[];
}): DetailPlan {
	const refusals: Refusal[] = [];
	const skipped: string[] = [];
	const namespaces: string[] = [];
	for (const name of found.namespaces) {
		const reason = checkParam('namespace', name);
		if (reason === undefined) {
			const router = name.slice(name.indexOf('-') + 1);
			const wanted =
				found.routers === undefined ||
				name.startsWith('fip-') ||
				// DHCP namespaces are per network, not per router: keep them, they locate VIP owners.
				name.startsWith('qdhcp-') ||
				found.routers.includes(router);
			(wanted ? namespaces : skipped).push(name);
		} else if (BENIGN_NAME.test(name) && !READ_PREFIX.test(name)) {
			skipped.push(name);
		} else {
			refusals.push({catalogId: 'netns.list', param: 'namespace', value: printable(name), reason});
		}
	}
	const bridges: string[] = [];
	for (const name of found.bridges) {
		const reason = checkParam('bridge', name);
		if (reason === undefined) bridges.push(name);
		else refusals.push({catalogId: 'ovs.bridges', param: 'bridge', value: printable(name), reason});
	}
	const values: ParamValues = {
		nonce: found.nonce,
		namespace: namespaces,
		bridge: bridges,
		haConfsPath: found.haConfsPath ?? DEFAULT_HA_CONFS_PATH,
	};
	const budget = found.budget ?? COMMAND_BYTES_BUDGET;
	const detail = catalogEntries.filter(entry => entry.phase === 'detail');
	const planned = new Map<CatalogEntry, PlannedCommand>();
	for (const entry of detail) {
		if (entry.chunked === true) continue;
		if (entry.role !== undefined && !(found.roles ?? []).includes(entry.role)) continue;
		if (entry.onlyWithout !== undefined) {
			const list = values[entry.onlyWithout];
			if (Array.isArray(list) && list.length > 0) continue;
		}
		if (entry.onlyWith !== undefined) {
			const list = values[entry.onlyWith];
			if (!Array.isArray(list) || list.length === 0) continue;
		}
		if (entry.needs !== undefined) {
			const list = values[entry.needs];
			if (Array.isArray(list) && list.length === 0) continue;
		}
		const plan = planCommand(entry.id, values);
		if (plan.ok) planned.set(entry, plan.command);
		else refusals.push(...plan.refusals);
	}
	// Items whose batches do not fit one command: the chunked entry over them replaces those batches.
	const spilled = new Set<ParamName>();
	for (const [entry, command] of planned)
		if (entry.needs !== undefined && commandBytes(command.argv) > budget) spilled.add(entry.needs);
	const commands: PlannedCommand[] = [];
	for (const entry of detail) {
		if (entry.chunked === true) {
			if (entry.needs === undefined || !spilled.has(entry.needs)) continue;
			const items = values[entry.needs];
			commands.push(...planChunks(entry, values, Array.isArray(items) ? items : [], budget));
			continue;
		}
		const command = planned.get(entry);
		if (command === undefined) continue;
		if (entry.needs !== undefined && spilled.has(entry.needs)) continue;
		if (commandBytes(command.argv) > budget)
			throw new Error(`catalog: ${entry.id} is longer than ${budget} bytes and cannot be split`);
		commands.push(command);
	}
	return {commands, refusals, skipped};
}

/** Length of a command as a transport sends it (src/model/quote.ts). */
export const commandBytes = (argv: readonly string[]): number =>
	Buffer.byteLength(shellQuote(argv));

/** A chunked entry over `items`, cut greedily into commands of at most `budget` bytes. */
function planChunks(
	entry: CatalogEntry,
	values: ParamValues,
	items: readonly string[],
	budget: number,
): PlannedCommand[] {
	const param = entry.needs;
	if (param === undefined) return [];
	const plan = (chunk: readonly string[]): PlannedCommand => {
		const result = planCommand(entry.id, {...values, [param]: chunk});
		// The items were checked when the unchunked batches were planned.
		if (!result.ok) throw new Error(`catalog: ${entry.id}: ${result.refusals[0]?.reason ?? ''}`);
		return result.command;
	};
	const fixed = commandBytes(plan([]).argv);
	const commands: PlannedCommand[] = [];
	let chunk: string[] = [];
	let bytes = fixed;
	for (const item of items) {
		const size = 1 + Buffer.byteLength(quoteWord(item));
		if (chunk.length > 0 && bytes + size > budget) {
			commands.push(plan(chunk));
			chunk = [];
			bytes = fixed;
		}
		if (fixed + size > budget)
			throw new Error(`catalog: ${entry.id}: one item does not fit ${budget} bytes`);
		chunk.push(item);
		bytes += size;
	}
	if (chunk.length > 0) commands.push(plan(chunk));
	return commands;
}

// ─── sectioned output ──────────────────────────────────────────────────────

/** One item's output cut out of a batched execution. */
export type Section = {
	readonly catalogId: string;
	readonly kind: ParserKind;
	readonly params: CaptureParams;
	readonly stdout: string;
	readonly stderr: string;
	/** Exit status of the per-item command, `null` when its end marker never came. */
	readonly exitCode: number | null;
};

type RawSection = {part: string; item: string; body: string; rc: number | null};

function cut(text: string, nonce: string): RawSection[] {
	const begin = `\n${MARK} ${nonce} begin `;
	const end = `\n${MARK} ${nonce} end `;
	const sections: RawSection[] = [];
	let at = text.indexOf(begin);
	while (at !== -1) {
		const headerEnd = text.indexOf('\n', at + begin.length);
		if (headerEnd === -1) break;
		const header = text.slice(at + begin.length, headerEnd);
		const space = header.indexOf(' ');
		const part = space === -1 ? header : header.slice(0, space);
		const item = space === -1 ? '' : header.slice(space + 1);
		const bodyStart = headerEnd + 1;
		const endAt = text.indexOf(end, bodyStart);
		const nextBegin = text.indexOf(begin, bodyStart);
		if (endAt === -1 || (nextBegin !== -1 && nextBegin < endAt)) {
			// Cut off (timeout, killed): keep what came, exit status unknown.
			const stop = nextBegin === -1 ? text.length : nextBegin;
			sections.push({part, item, body: text.slice(bodyStart, stop), rc: null});
			at = nextBegin;
			continue;
		}
		const endLineEnd = text.indexOf('\n', endAt + end.length);
		const trailer = text.slice(endAt + end.length, endLineEnd === -1 ? text.length : endLineEnd);
		const rcText = trailer.slice(trailer.lastIndexOf(' ') + 1);
		const rc = /^\d{1,3}$/.test(rcText) ? Number(rcText) : null;
		sections.push({part, item, body: text.slice(bodyStart, endAt), rc});
		at = text.indexOf(begin, endAt + 1);
	}
	return sections;
}

/**
 * Split a batched execution's stdout/stderr into one section per item and part. Sections whose
 * item is not a legal name (forged or mangled) are refused. Pure.
 */
export function splitSections(
	entry: CatalogEntry,
	nonce: string,
	stdout: string,
	stderr: string,
	haConfsPath = DEFAULT_HA_CONFS_PATH,
): {readonly sections: readonly Section[]; readonly refusals: readonly Refusal[]} {
	const sections: Section[] = [];
	const refusals: Refusal[] = [];
	if (entry.sections === undefined) return {sections, refusals};
	const errs = new Map<string, string>();
	for (const raw of cut(`\n${stderr}`, nonce)) errs.set(`${raw.part} ${raw.item}`, raw.body);
	for (const raw of cut(`\n${stdout}`, nonce)) {
		const errText = errs.get(`${raw.part} ${raw.item}`) ?? '';
		const isFile = 'files' in entry.sections && raw.part === 'file';
		if (!isFile && 'parts' in entry.sections) {
			const part = entry.sections.parts.find(p => p.name === raw.part);
			if (part === undefined) continue;
			const reason = checkParam(part.param, raw.item);
			if (reason !== undefined) {
				refusals.push({
					catalogId: part.catalogId,
					param: part.param,
					value: printable(raw.item),
					reason,
				});
				continue;
			}
			sections.push({
				catalogId: part.catalogId,
				kind: part.kind,
				params: {[part.param]: raw.item},
				stdout: raw.body,
				stderr: errText,
				exitCode: raw.rc,
			});
		} else {
			const prefix = `${haConfsPath}/`;
			const rest = raw.item.startsWith(prefix) ? raw.item.slice(prefix.length) : '';
			const match = /^([^/]+)\/(state|keepalived\.conf)$/.exec(rest);
			const router = match?.[1] ?? '';
			if (match === null || checkParam('router', router) !== undefined) {
				refusals.push({
					catalogId: 'l3ha.files',
					param: 'router',
					value: printable(raw.item),
					reason: 'not a <ha_confs>/<router uuid>/{state,keepalived.conf} path',
				});
				continue;
			}
			const isState = match[2] === 'state';
			sections.push({
				catalogId: isState ? 'l3ha.state' : 'l3ha.keepalived-conf',
				kind: isState ? 'neutron-ha-state' : 'keepalived-conf',
				params: {router, path: raw.item},
				stdout: raw.body,
				stderr: errText,
				exitCode: raw.rc,
			});
		}
	}
	return {sections, refusals};
}

// ─── allow-list check ──────────────────────────────────────────────────────

/**
 * The catalog entry an argv was built from, or `undefined` when it is not one the catalog can
 * produce (with every parameter legal). The session checks every argv with this before running it.
 */
export function matchCatalog(argv: readonly string[]): CatalogEntry | undefined {
	for (const entry of catalogEntries) {
		if (matches(entry.argv, argv)) return entry;
	}
	return undefined;
}

function matches(template: readonly ArgToken[], argv: readonly string[]): boolean {
	let at = 0;
	for (const token of template) {
		if (typeof token === 'string') {
			if (argv[at] !== token) return false;
			at++;
		} else if ('param' in token) {
			const word = argv[at];
			const prefix = token.prefix ?? '';
			if (word === undefined || !word.startsWith(prefix)) return false;
			if (checkParam(token.param, word.slice(prefix.length)) !== undefined) return false;
			at++;
		} else {
			// A spread takes the rest of the words; each must be legal.
			const rest = argv.slice(at);
			if (rest.some(word => checkParam(token.spread, word) !== undefined)) return false;
			at = argv.length;
		}
	}
	return at === argv.length;
}
