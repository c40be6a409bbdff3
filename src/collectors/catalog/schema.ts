/**
 * The shape of a catalog entry and of the parameters it takes: the strict patterns every value is
 * checked against before an argv is built, and the per-node execution budget.
 */
import type {ParserKind} from '../../model/facts.js';
import type {CaptureScope} from '../../model/capture.js';
import type {ApiService} from '../../model/api-request.js';
import {DATAPATH, MICROFLOW} from '../ovn-microflow.js';

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
	/**
	 * One read of a packet-path round inside `trace.batch` (issue 22): `ovs/<bridge>/<flow>` (an
	 * `ofproto/trace`), `route/<namespace>/<ip>/<sourceIp>/<device>` (an `ip route get`) or
	 * `ovn/<datapath>/<microflow>` (an `ovn-trace`). Each
	 * part is checked as its own parameter (plan.ts, checkTraceStep); `/` never occurs in a part.
	 */
	traceStep: /^(?:(?:ovs|route)\/[A-Za-z0-9_.:,=/-]+|ovn\/[A-Za-z0-9_.:-]+\/[A-Za-z0-9_.:" =&-]+)$/,
	/**
	 * A logical datapath for `ovn-trace` (the OVN path): Neutron's `neutron-<network id>` or the
	 * Logical_Switch's UUID, as read from the NB; never an option.
	 */
	datapath: DATAPATH,
	/**
	 * The microflow of `ovn-trace`: exactly the form src/collectors/ovn-microflow.ts builds (inport,
	 * MACs, IPv4 addresses, TTL, ICMP echo) — nothing else passes.
	 */
	microflow: MICROFLOW,
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
} & (
	| {
			/** Which capture param the item is filed under. */
			readonly param: 'bridge' | 'namespace';
			readonly once?: never;
	  }
	| {
			/**
			 * Run once per execution, not per item: a single read folded into a batch (its own
			 * catalog entry's argv, filed as that entry's capture, no params).
			 */
			readonly once: true;
			readonly param?: never;
	  }
);

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
		{readonly parts: readonly SectionPart[]; readonly files?: true} | {readonly files: true};
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
	/**
	 * A fold: planned instead of these entries (same pod class, so the same place over kubectl)
	 * when every one of them would run, in one execution; each read is still filed as its own
	 * capture (src/collectors/catalog/detail.ts). When any of them is not planned, they run alone.
	 */
	readonly folds?: readonly string[];
};
