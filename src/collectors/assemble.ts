import type {Capture, CaptureMeta, CaptureSet, NodeInfo} from '../model/capture.js';
import type {NetnsSection, OvnDb, ParseResult, ParserKind, ParseWarning} from '../model/facts.js';
import type {CaptureId, NodeId} from '../model/ids.js';
import type {
	CaptureError,
	CloudFacts,
	NodeFacts,
	NodeSnapshot,
	Snapshot,
	Sourced,
} from '../model/snapshot.js';
import {isEmptyFacts, parseCapture} from './parsers/index.js';
import {OVN_TABLE_DB} from './parsers/ovn-db.js';
import {projectCapture} from './projections.js';

/** The parse function the assembler uses; injectable so tests can run without every parser. */
export type ParseFn = (kind: ParserKind, text: string) => ParseResult<ParserKind>;

type MutableNodeFacts = {-readonly [K in keyof NodeFacts]: NodeFacts[K]};
type MutableCloudFacts = {-readonly [K in keyof CloudFacts]: CloudFacts[K]};
type Keyed<T> = Record<string, Sourced<T>>;
/** A parse result whose `kind` narrows its `facts`. */
type Tagged = {[K in ParserKind]: {kind: K; facts: ParseResult<K>['facts']}}[ParserKind];

const CLOUD_KINDS: ReadonlySet<ParserKind> = new Set<ParserKind>([
	'openstack-ports',
	'openstack-routers',
	'openstack-agents',
	'openstack-subnets',
	'openstack-networks',
	'octavia-amphorae',
	'osdpl',
	'kube-nodes',
	'ovn-db',
]);

/** Parser kinds of catalog entries that older capture sets recorded without a kind. */
const KIND_OF_CATALOG: Readonly<Record<string, ParserKind>> = {'kube.nodes': 'kube-nodes'};

/** Namespace of an `ip netns exec NS …` argv, when the manifest did not say. */
export function namespaceFromArgv(argv: readonly string[]): string | undefined {
	for (let i = 0; i + 2 < argv.length; i++) {
		if (argv[i] === 'netns' && argv[i + 1] === 'exec') return argv[i + 2];
	}
	const n = argv.indexOf('-n');
	if (n >= 0 && argv[0] === 'ip') return argv[n + 1];
	const netns = argv.indexOf('-netns');
	return netns >= 0 ? argv[netns + 1] : undefined;
}

/** Bridge named in an `ovs-ofctl dump-flows br-tun …` / `ovs-appctl fdb/show br-int` argv. */
export function bridgeFromArgv(argv: readonly string[]): string | undefined {
	const verbs = ['dump-flows', 'show', 'fdb/show', 'list'];
	for (let i = 0; i < argv.length; i++) {
		if (verbs.includes(argv[i] ?? '')) {
			const next = argv.slice(i + 1).find(a => !a.startsWith('-'));
			if (next !== undefined && /^br-|^br[a-z0-9]/.test(next)) return next;
		}
	}
	return argv.find(a => /^br-[\w.-]+$/.test(a));
}

/** Router id of a Neutron HA state file or keepalived.conf path (`…/ha_confs/<router>/state`). */
export function routerFromPath(text: string | undefined): string | undefined {
	if (text === undefined) return undefined;
	const m = /ha_confs\/([0-9a-f-]{36})\//.exec(text) ?? /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(text);
	return m?.[1];
}

function pathFromArgv(argv: readonly string[]): string | undefined {
	return [...argv].reverse().find(a => a.startsWith('/'));
}

/** A capture that produced nothing usable: the failure, or non-zero exit with empty stdout. */
function unusable(capture: Capture): string | undefined {
	if (capture.failure !== undefined)
		return `${capture.failure.kind}: ${capture.failure.message}`.trim();
	if (capture.exitCode !== 0 && capture.stdout.trim() === '') {
		const err = capture.stderr.trim().split('\n')[0] ?? '';
		return `exit ${capture.exitCode ?? 'unknown'} with no output${err ? `: ${err}` : ''}`;
	}
	return undefined;
}

const setKeyed = <T>(record: Keyed<T> | undefined, key: string, value: Sourced<T>): Keyed<T> => ({
	...(record ?? {}),
	[key]: value,
});

/** True when a merged field value adds information (not undefined, not an empty list). */
const informative = (value: unknown): boolean =>
	value !== undefined && !(Array.isArray(value) && value.length === 0);

/**
 * Merge list facts from several captures of the same kind (`port list` + `port show` per port):
 * objects with the same id are combined, fields from later captures filling what earlier ones
 * lacked (lists replace empty lists). The first capture stays the source of the list.
 */
function mergeList<T extends {readonly id?: string}>(
	existing: Sourced<readonly T[]> | undefined,
	next: Sourced<readonly T[]>,
): Sourced<readonly T[]> {
	if (existing === undefined) return next;
	const merged = [...existing.data];
	for (const item of next.data) {
		const at = item.id === undefined ? -1 : merged.findIndex(m => m.id === item.id);
		const prior = merged[at];
		if (at < 0 || prior === undefined) {
			merged.push(item);
			continue;
		}
		const combined: Record<string, unknown> = {...prior};
		for (const [key, value] of Object.entries(item))
			if (key !== 'index' && informative(value)) combined[key] = value;
		merged[at] = combined as T;
	}
	return {...existing, data: merged};
}

/**
 * Build the Snapshot for a capture set: parse every capture that names a parser kind and file
 * its facts per node (namespace, bridge, router) or for the cloud. Captures that failed, and
 * parse warnings, become {@link CaptureError}s; nothing is dropped silently. Pure.
 */
export function assembleSnapshot(set: CaptureSet, parse: ParseFn = parseCapture): Snapshot {
	const builder = new SnapshotBuilder(set.manifest.nodes, parse);
	for (const raw of set.captures) builder.add(raw);
	return builder.build(set.manifest);
}

/** The facts, captures and errors of one snapshot being assembled, capture by capture. */
class SnapshotBuilder {
	private readonly nodeInfo: Map<NodeId, NodeInfo>;
	private readonly nodeFacts = new Map<NodeId, MutableNodeFacts>();
	private readonly cloud: MutableCloudFacts = {};
	private readonly errors: CaptureError[] = [];
	private readonly captures: Record<CaptureId, Capture> = {};

	constructor(
		nodes: readonly NodeInfo[],
		private readonly parse: ParseFn,
	) {
		this.nodeInfo = new Map<NodeId, NodeInfo>(nodes.map(n => [n.id, n]));
		for (const node of nodes) this.factsOf(node.id);
	}

	build(manifest: CaptureSet['manifest']): Snapshot {
		const nodes: Record<NodeId, NodeSnapshot> = {};
		for (const [id, info] of this.nodeInfo)
			nodes[id] = {node: info, facts: this.nodeFacts.get(id) ?? {}};
		return {
			schemaVersion: 1,
			manifest,
			captures: this.captures,
			nodes,
			cloud: this.cloud,
			errors: this.errors,
		};
	}

	/** Parse one capture (each section of an ip-all-netns one) and file its facts. */
	add(raw: Capture): void {
		// Re-asserted here (idempotent): whatever built the set, only projected fields are shown.
		const capture = projectCapture(raw);
		this.captures[capture.id] = capture;
		if (capture.scope === 'node' && capture.node !== undefined) this.factsOf(capture.node);
		// Packet-path proofs (`trace.*`: ofproto/trace, ip route get) describe one packet, not the
		// node's state: src/diagnostics/path.ts reads them from `captures`, never as node facts.
		if (capture.catalogId?.startsWith('trace.') === true) return;
		// Capture sets written before a kind existed for their catalog entry still get parsed.
		const kind = capture.kind ?? KIND_OF_CATALOG[capture.catalogId ?? ''];
		if (kind === undefined) return;
		const why = unusable(capture);
		if (why !== undefined) {
			this.error(capture, `${kind} capture not usable (${why})`);
			return;
		}
		if (capture.truncated === true)
			this.error(capture, `${kind} capture was truncated at the size cap; facts may be incomplete`);
		const result = this.safeParse(capture, kind, capture.stdout);
		if (result === undefined) return;
		if (result.kind !== 'ip-all-netns') {
			this.file(capture, result, 0);
			return;
		}
		const inner = capture.params?.inner;
		if (inner === undefined || inner === 'ip-all-netns') {
			this.error(capture, 'ip-all-netns capture without params.inner: sections cannot be parsed');
			return;
		}
		for (const section of result.facts as readonly NetnsSection[]) {
			const offset = section.startLine - 1;
			const sectionResult = this.safeParse(capture, inner, section.text, offset);
			if (sectionResult !== undefined) this.file(capture, sectionResult, offset, section.namespace);
		}
	}

	private factsOf(node: NodeId): MutableNodeFacts {
		if (!this.nodeInfo.has(node)) this.nodeInfo.set(node, {id: node, roles: ['other']});
		let facts = this.nodeFacts.get(node);
		if (facts === undefined) {
			facts = {};
			this.nodeFacts.set(node, facts);
		}
		return facts;
	}

	private error(capture: Capture, message: string, warnings?: readonly ParseWarning[]): void {
		this.errors.push({
			capture: capture.id,
			...(capture.node !== undefined ? {node: capture.node} : {}),
			message,
			...(warnings !== undefined && warnings.length > 0 ? {warnings} : {}),
		});
	}

	/** Parse, turning warnings and a throwing parser into errors; `undefined`: nothing to file. */
	private safeParse(
		capture: Capture,
		kind: ParserKind,
		text: string,
		offset = 0,
	): ParseResult<ParserKind> | undefined {
		try {
			const result = this.parse(kind, text);
			if (result.warnings.length > 0 && text.trim() !== '' && isEmptyFacts(kind, result.facts)) {
				// Nothing readable: filing empty facts would make rules think the table is empty.
				this.error(
					capture,
					`${kind}: nothing could be read${offset > 0 ? ` (section at line ${offset + 1})` : ''}: ${result.warnings[0]?.message ?? ''}`,
					result.warnings.map(w => ({...w, line: w.line + offset})),
				);
				return undefined;
			}
			if (result.warnings.length > 0) {
				const shifted = result.warnings.map(w => ({...w, line: w.line + offset}));
				this.error(
					capture,
					`${kind}: ${result.warnings.length} line(s) not understood${offset > 0 ? ` (section at line ${offset + 1})` : ''}`,
					shifted,
				);
			}
			return result;
		} catch (cause) {
			this.error(capture, `${kind} parser failed: ${(cause as Error).message}`);
			return undefined;
		}
	}

	/** File one parse result. `namespace` overrides the capture's own (ip-all-netns sections). */
	private file(
		capture: Capture,
		result: ParseResult<ParserKind>,
		lineOffset: number,
		namespace?: string,
	): void {
		const r = result as Tagged;
		const src = <T>(data: T): Sourced<T> => ({capture: capture.id, lineOffset, data});
		// Cloud kinds go to CloudFacts whatever the scope says.
		this.fileCloud(capture, r, src);
		if (CLOUD_KINDS.has(r.kind)) return;
		if (capture.node === undefined) {
			this.error(capture, `${r.kind} capture has no node: cannot tell whose state it is`);
			return;
		}
		this.fileNode(capture, capture.node, r, src, namespace);
	}

	private fileCloud(capture: Capture, r: Tagged, src: <T>(data: T) => Sourced<T>): void {
		const {cloud} = this;
		if (r.kind === 'openstack-ports') cloud.ports = mergeList(cloud.ports, src(r.facts));
		else if (r.kind === 'openstack-routers') cloud.routers = mergeList(cloud.routers, src(r.facts));
		else if (r.kind === 'openstack-agents') cloud.agents = mergeList(cloud.agents, src(r.facts));
		else if (r.kind === 'openstack-subnets') cloud.subnets = mergeList(cloud.subnets, src(r.facts));
		else if (r.kind === 'openstack-networks')
			cloud.networks = mergeList(cloud.networks, src(r.facts));
		else if (r.kind === 'octavia-amphorae')
			cloud.amphorae = mergeList(cloud.amphorae, src(r.facts));
		else if (r.kind === 'osdpl') cloud.osdpl = src(r.facts);
		else if (r.kind === 'kube-nodes') cloud.kubeNodes = src(r.facts);
		else if (r.kind === 'ovn-db') this.fileOvn(capture, namedOvnTable(capture, r.facts), src);
	}

	/**
	 * One NB and one SB read are enough (every raft member has the same data): the first stays. A
	 * read of one table (sos: one `list T` per file) adds its table to the DB when the first read
	 * lacks it, remembering its own capture for evidence.
	 */
	private fileOvn(capture: Capture, facts: OvnDb, src: <T>(data: T) => Sourced<T>): void {
		const {cloud} = this;
		if (facts.db === undefined) {
			this.error(capture, 'ovn-db capture holds no NB or SB table dvrscope knows');
			return;
		}
		const key = facts.db === 'nb' ? 'ovnNb' : 'ovnSb';
		const prior = cloud[key];
		if (prior === undefined) {
			cloud[key] = src(facts);
			return;
		}
		const mine = src(facts);
		const tables = {...prior.data.tables};
		for (const [name, dump] of Object.entries(facts.tables))
			tables[name] ??= {
				...dump,
				source: {capture: mine.capture, lineOffset: mine.lineOffset},
			};
		cloud[key] = {...prior, data: {...prior.data, tables}};
	}

	/** File a node kind's facts under the node, keyed by namespace, bridge, table or router. */
	private fileNode(
		capture: Capture,
		node: NodeId,
		r: Tagged,
		src: <T>(data: T) => Sourced<T>,
		namespace: string | undefined,
	): void {
		const params = capture.params ?? {};
		const ns = namespace ?? params.namespace ?? namespaceFromArgv(capture.argv) ?? '';
		const facts = this.factsOf(node);
		const bridge = params.bridge ?? bridgeFromArgv(capture.argv);
		switch (r.kind) {
			case 'ip-netns':
				facts.netns = src(r.facts);
				return;
			case 'ovs-vsctl-show':
				facts.ovsShow = src(r.facts);
				return;
			case 'ovs-flows':
			case 'ovs-ofctl-show':
			case 'ovs-fdb': {
				if (bridge === undefined) {
					this.error(
						capture,
						`${r.kind} capture does not say which bridge it read (params.bridge)`,
					);
					return;
				}
				if (r.kind === 'ovs-flows') facts.flows = setKeyed(facts.flows, bridge, src(r.facts));
				else if (r.kind === 'ovs-ofctl-show')
					facts.ofports = setKeyed(facts.ofports, bridge, src(r.facts));
				else facts.fdb = setKeyed(facts.fdb, bridge, src(r.facts));
				return;
			}
			case 'ovsdb-json': {
				const table = r.facts.table ?? params.path ?? capture.id;
				facts.ovsdb = setKeyed(facts.ovsdb, table, src(r.facts));
				return;
			}
			case 'ip-addr':
				facts.addr = setKeyed(facts.addr, ns, src(r.facts));
				return;
			case 'ip-neigh':
				facts.neigh = setKeyed(facts.neigh, ns, src(r.facts));
				return;
			case 'ip-route':
				facts.route = setKeyed(facts.route, ns, src(r.facts));
				return;
			case 'ip-rule':
				facts.rule = setKeyed(facts.rule, ns, src(r.facts));
				return;
			case 'keepalived-conf': {
				const key =
					params.router ??
					routerFromPath(params.path ?? pathFromArgv(capture.argv)) ??
					params.path ??
					pathFromArgv(capture.argv) ??
					capture.id;
				facts.keepalived = setKeyed(facts.keepalived, key, src(r.facts));
				return;
			}
			case 'neutron-ha-state': {
				const router = params.router ?? routerFromPath(params.path ?? pathFromArgv(capture.argv));
				if (router === undefined) {
					this.error(
						capture,
						'HA state file: cannot tell which router it belongs to (params.router)',
					);
					return;
				}
				facts.haState = setKeyed(facts.haState, router, src(r.facts));
				return;
			}
			case 'ip-all-netns':
				// Handled by the caller (sections are parsed with params.inner).
				return;
			case 'openstack-ports':
			case 'openstack-routers':
			case 'openstack-agents':
			case 'openstack-subnets':
			case 'openstack-networks':
			case 'octavia-amphorae':
			case 'osdpl':
			case 'kube-nodes':
			case 'ovn-db':
			case 'ovs-trace':
			case 'ovn-trace':
				return;
		}
	}
}

/**
 * The table a one-table `… list T` capture names (sos's text dumps): its output then files under
 * T even when it is empty or its columns do not tell the table. Other OVN reads stay as parsed.
 */
function namedOvnTable(capture: Capture, facts: OvnDb): OvnDb {
	const lists = capture.argv.flatMap((w, i) => (w === 'list' ? [capture.argv[i + 1] ?? ''] : []));
	const named = lists.length === 1 ? lists[0] : undefined;
	const db = named === undefined ? undefined : OVN_TABLE_DB[named];
	const tool = capture.argv[0]?.replace(/^.*\//, '');
	if (
		named === undefined ||
		db === undefined ||
		db !== (tool === 'ovn-nbctl' ? 'nb' : tool === 'ovn-sbctl' ? 'sb' : undefined) ||
		capture.argv.some(w => w.startsWith('--columns'))
	)
		return facts;
	const dumps = Object.values(facts.tables);
	if (dumps.length > 1) return facts;
	const dump = dumps[0] ?? {table: named, headings: [], rows: [], line: 1};
	return {db, tables: {[named]: {...dump, table: named}}};
}

export const toMeta = (capture: Capture): CaptureMeta => {
	const meta: Record<string, unknown> = {...capture};
	delete meta['stdout'];
	delete meta['stderr'];
	return meta as CaptureMeta;
};

/**
 * Merge capture sets taken separately (one per node by hand, one for the cloud APIs) into one.
 * Nodes are united (roles merged); a capture id that appears in more than one set is prefixed
 * with its node (`cmp-1.netns`) or, for cloud captures, with the set's position (`2.ports`), and
 * then gets body file names of its own. Pure (bodies are already loaded).
 */
export function mergeCaptureSets(sets: readonly CaptureSet[]): CaptureSet {
	const first = sets[0];
	if (first === undefined) throw new Error('mergeCaptureSets: no capture set');
	if (sets.length === 1) return first;
	const seen = new Map<string, number>();
	for (const set of sets) for (const c of set.captures) seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
	const nodes = new Map<NodeId, NodeInfo>();
	const captures: Capture[] = [];
	const used = new Set<string>();
	sets.forEach((set, index) => {
		for (const n of set.manifest.nodes) {
			const prior = nodes.get(n.id);
			nodes.set(
				n.id,
				prior === undefined
					? n
					: {...prior, ...n, roles: [...new Set([...prior.roles, ...n.roles])]},
			);
		}
		for (const c of set.captures) {
			const clash = (seen.get(c.id) ?? 0) > 1;
			let id = clash ? `${c.node ?? String(index + 1)}.${c.id}` : c.id;
			if (used.has(id)) id = `${index + 1}.${id}`;
			used.add(id);
			if (id === c.id) {
				captures.push(c);
				continue;
			}
			// Renamed: give the bodies file names of their own too (so the set can be written).
			const dir = c.scope === 'cloud' ? 'captures/cloud' : `captures/nodes/${c.node ?? 'unknown'}`;
			captures.push({
				...c,
				id,
				stdoutFile: `${dir}/${id}.stdout`,
				...(c.stderrFile !== undefined ? {stderrFile: `${dir}/${id}.stderr`} : {}),
			});
		}
	});
	const descriptions = sets.map(s => s.manifest.description).filter(d => d !== undefined);
	const problems = sets.flatMap(s => s.manifest.problems ?? []);
	return {
		manifest: {
			...first.manifest,
			description:
				descriptions.length > 0 ? descriptions.join(' + ') : `${sets.length} capture sets`,
			nodes: [...nodes.values()],
			captures: captures.map(toMeta),
			...(sets.some(s => s.manifest.partial === true) ? {partial: true} : {}),
			...(problems.length > 0 ? {problems} : {}),
		},
		captures,
	};
}
