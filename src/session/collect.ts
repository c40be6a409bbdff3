/**
 * A collection session: fan out over nodes with bounded concurrency, run the catalog on each in
 * two phases (discover namespaces/bridges, then the detail commands: at most 10 executions per
 * node), keep every partial result, name every failure per node, and on abort stop at once, close
 * every connection (≤ 2 s) and keep what it has. Output: a CaptureSet (write it with
 * writeCaptureSet). Progress: SessionEvents.
 */
import {createHash, randomBytes} from 'node:crypto';
import {setMaxListeners} from 'node:events';
import type {Capture, CaptureMeta, CaptureSet, FailureKind, NodeInfo} from '../model/capture.js';
import {isSafeId, type NodeId} from '../model/ids.js';
import type {CommandResult, Transport, TransportFailure} from '../transport/types.js';
import type {CloudApi} from '../transport/openstack-api.js';
import {toCaptureMeta} from '../bundle/capture-set.js';
import type {NodeExec} from './trace-rounds.js';
import {
	bridgeNames,
	catalogEntries,
	checkParam,
	matchCatalog,
	MAX_EXECS_PER_NODE,
	maxExecsPerNode,
	namespaceNames,
	planCommand,
	planApi,
	planDetail,
	splitSections,
	DEFAULT_HA_CONFS_PATH,
	type CatalogEntry,
	type CatalogId,
	type ParamValues,
	type PlannedCommand,
	type Refusal,
} from '../collectors/catalog.js';
import type {SessionEvent, SessionEventListener} from '../model/events.js';
import {describeTarget, resolveTarget, type Target} from './targets.js';

export type CollectNode = {
	readonly info: NodeInfo;
	readonly transport: Transport;
	/** Neutron `ha_confs_path` on this node (default /var/lib/neutron/ha_confs). */
	readonly haConfsPath?: string;
	/** Names the node may carry as a Neutron agent `host` (for targeting); default id/neutronHost/address. */
	readonly hostNames?: readonly string[];
};

/** Optional part of a Transport: connect before the first command (SSH does). */
type Connectable = {connect?: (signal: AbortSignal) => Promise<TransportFailure | undefined>};

export type CollectOptions = {
	readonly nodes: readonly CollectNode[];
	/**
	 * Reads the cloud-scope entries: the OpenStack API (src/transport/openstack-api.ts, GETs of the
	 * entries' `api` form), or a transport running the `openstack` CLI (local or keystone-client).
	 */
	readonly cloud?: Transport | CloudApi;
	/** Cloud entries to collect as data (default none). */
	readonly cloudEntries?: readonly CatalogId[];
	/** Narrow the nodes to those carrying this object (needs `cloud`). */
	readonly target?: Target;
	readonly concurrency?: number;
	/** Per-command timeout (overrides the catalog's). */
	readonly commandTimeoutMs?: number;
	/** Whole-node time limit. */
	readonly nodeTimeoutMs?: number;
	/** Cap on stored stdout per capture. */
	readonly maxBytes?: number;
	readonly description?: string;
	readonly toolVersion?: string;
	/** Captures made before the session (kubectl node discovery …), kept in the set. */
	readonly extraCaptures?: readonly Capture[];
	readonly problems?: readonly {
		readonly node?: NodeId;
		readonly kind: string;
		readonly message: string;
	}[];
	/** At most this many `port show` reads after `port list` (default 100). */
	readonly portShowLimit?: number;
	/** Marker nonce source (tests pin it). */
	readonly nonce?: () => string;
	/**
	 * Leave the transports open at the end (watch reuses them for its probe rounds and full
	 * re-collections, and closes them when it stops).
	 */
	readonly keepOpen?: boolean;
	/**
	 * Runs after the collection, before the transports close: more catalog reads on the same
	 * connections (the rounds of a packet-path proof, src/session/trace-rounds.ts). Not called when
	 * the collection was cancelled.
	 */
	readonly after?: (set: CaptureSet, exec: NodeExec, signal: AbortSignal) => Promise<CaptureSet>;
};

export const COLLECT_DEFAULTS = {
	concurrency: 20,
	portShowLimit: 100,
	nodeTimeoutMs: 180_000,
	maxBytes: 64 * 1024 * 1024,
} as const;

/** Failure kinds that mean the node itself could not be used (not one command). */
export const NODE_LEVEL: ReadonlySet<FailureKind> = new Set(['unreachable', 'auth', 'refused']);

type Problem = {node?: NodeId; kind: string; message: string};

const now = (): string => new Date().toISOString();

/** A capture id: `<node>.<catalog id>[.<item>]`, made safe and unique (hash-shortened if long). */
export function captureId(node: string | undefined, catalogId: string, item?: string): string {
	const raw = [node ?? 'cloud', catalogId, item].filter(Boolean).join('.');
	const safe = raw.replace(/[^A-Za-z0-9._@-]/g, '_').replace(/\.\.+/g, '.');
	if (safe.length <= 120 && isSafeId(safe)) return safe;
	const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
	return `${safe.slice(0, 100).replace(/[.]+$/, '')}-${hash}`;
}

const refusalText = (refusal: Refusal): string =>
	`refused ${refusal.param} "${refusal.value}" for ${refusal.catalogId}: ${refusal.reason} (not run)`;

type NodeCounts = {total: number; failed: number};

/** State of one collection session: what was recorded, the problems, the event stream. */
export class Session {
	readonly captures: Capture[];
	readonly problems: Problem[];
	readonly signal: AbortSignal;
	readonly makeNonce: () => string;
	readonly maxBytes: number;
	/** Captures recorded per node (nodes run concurrently: counted here, not by difference). */
	readonly perNode = new Map<NodeId, NodeCounts>();
	readonly finished = new Set<NodeId>();
	failedCaptures = 0;
	nodesOk = 0;
	nodesFailed = 0;
	/** Router ids of a target (their namespaces are read; others skipped). */
	routers: readonly string[] | undefined;
	private readonly ids: Set<string>;
	/**
	 * Events of target resolution (cloud captures, logs) are held until `collection-started`,
	 * which must come first but can only name the nodes once the target is resolved.
	 */
	private held: SessionEvent[] | undefined = [];

	constructor(
		readonly options: CollectOptions,
		private readonly onEvent: SessionEventListener,
		signal: AbortSignal,
	) {
		this.signal = signal;
		this.captures = [...(options.extraCaptures ?? [])];
		this.ids = new Set(this.captures.map(capture => capture.id));
		this.problems = [...(options.problems ?? [])];
		this.makeNonce = options.nonce ?? (() => randomBytes(16).toString('hex'));
		this.maxBytes = options.maxBytes ?? COLLECT_DEFAULTS.maxBytes;
	}

	deliver(event: SessionEvent): void {
		try {
			this.onEvent(event);
		} catch {
			// A listener's bug must not stop a collection.
		}
	}

	emit(event: SessionEvent): void {
		if (this.held === undefined) this.deliver(event);
		else this.held.push(event);
	}

	/** Deliver `collection-started`, then what was held back before it. */
	start(event: SessionEvent): void {
		this.deliver(event);
		const early = this.held ?? [];
		this.held = undefined;
		for (const held of early) this.deliver(held);
	}

	log(level: 'info' | 'warning', message: string, node?: NodeId): void {
		this.emit({type: 'log', at: now(), level, message, ...(node === undefined ? {} : {node})});
	}

	refused(refusal: Refusal, node?: NodeId): void {
		this.problems.push({
			...(node === undefined ? {} : {node}),
			kind: 'refused',
			message: refusalText(refusal),
		});
		this.log('warning', refusalText(refusal), node);
	}

	/** Ids this session must not give out (captures of another set it will be merged with). */
	reserve(ids: Iterable<string>): void {
		for (const id of ids) this.ids.add(id);
	}

	unique(id: string): string {
		let candidate = id;
		for (let n = 2; this.ids.has(candidate); n++) candidate = `${id}-${n}`;
		this.ids.add(candidate);
		return candidate;
	}

	record(
		fields: Omit<Capture, 'stdoutFile' | 'stderrFile' | 'stdoutBytes' | 'stderrBytes'>,
	): Capture {
		const capture = toCaptureMeta(fields);
		this.captures.push(capture);
		if (capture.failure) this.failedCaptures++;
		if (capture.node !== undefined) {
			const counts = this.perNode.get(capture.node) ?? {total: 0, failed: 0};
			counts.total++;
			if (capture.failure) counts.failed++;
			this.perNode.set(capture.node, counts);
		}
		this.emit({
			type: 'capture-done',
			at: now(),
			...(capture.node === undefined ? {} : {node: capture.node}),
			captureId: capture.id,
			capture: stripBodies(capture),
		});
		return capture;
	}
}

export type RunContext = {
	readonly transport: Transport;
	readonly node: NodeId | undefined;
	readonly signal: AbortSignal;
	readonly relabel: (failure: TransportFailure) => TransportFailure;
	readonly haConfsPath?: string;
};

/** Run one planned command on a transport and file what came back (sections split). */
export async function runPlanned(
	session: Session,
	planned: PlannedCommand,
	context: RunContext,
): Promise<CommandResult> {
	const {entry} = planned;
	const {node, transport} = context;
	if (matchCatalog(planned.argv) !== entry) {
		// Defense in depth: never reached while planCommand validates; refuse rather than run.
		throw new Error(
			`refusing to run an argv that is not a catalog entry: ${JSON.stringify(planned.argv).slice(0, 200)}`,
		);
	}
	const id = session.unique(captureId(node, entry.id));
	session.emit({
		type: 'capture-started',
		at: now(),
		...(node === undefined ? {} : {node}),
		captureId: id,
		catalogId: entry.id,
		argv: planned.argv,
	});
	const raw = await transport.exec(
		{
			argv: planned.argv,
			timeoutMs: session.options.commandTimeoutMs ?? entry.timeoutMs,
			podClass: entry.podClass,
			maxBytes: session.maxBytes,
		},
		{signal: context.signal},
	);
	const result: CommandResult = raw.failure ? {...raw, failure: context.relabel(raw.failure)} : raw;
	const base = {
		scope: entry.scope,
		...(node === undefined ? {} : {node}),
		startedAt: result.startedAt,
		durationMs: result.durationMs,
		via: transport.kind,
	};
	const failure = result.failure
		? {failure: {kind: result.failure.kind, message: result.failure.message}}
		: {};
	// A batch's sections are filed one capture each; the batch execution itself (argv, exit status,
	// duration, failure) keeps its output only when no section could be cut out of it.
	const sectioned =
		entry.sections !== undefined && planned.nonce !== undefined
			? fileSections(session, planned.nonce, entry, result, base, context)
			: undefined;
	const keep = sectioned === undefined || sectioned === 0;
	session.record({
		...base,
		id,
		argv: planned.argv,
		...(sectioned === undefined && entry.kind !== undefined ? {kind: entry.kind} : {}),
		...(sectioned === undefined && Object.keys(planned.params).length > 0
			? {params: planned.params}
			: {}),
		catalogId: entry.id,
		exitCode: result.exitCode,
		stdout: keep ? result.stdout : '',
		stderr: keep ? result.stderr : '',
		...failure,
		...(result.truncated ? {truncated: true} : {}),
	});
	return result;
}

/** Cut a batch's output into one capture per item and part; returns how many were filed. */
function fileSections(
	session: Session,
	nonce: string,
	entry: CatalogEntry,
	result: CommandResult,
	base: Pick<Capture, 'scope' | 'node' | 'startedAt' | 'durationMs' | 'via'>,
	context: RunContext,
): number {
	const {node} = context;
	const split = splitSections(
		entry,
		nonce,
		result.stdout,
		result.stderr,
		context.haConfsPath ?? DEFAULT_HA_CONFS_PATH,
	);
	for (const refusal of split.refusals) session.refused(refusal, node);
	const parts =
		entry.sections !== undefined && 'parts' in entry.sections ? entry.sections.parts : [];
	for (const section of split.sections) {
		const item = section.params.bridge ?? section.params.namespace ?? section.params.router;
		const part = parts.find(p => p.catalogId === section.catalogId);
		const argv = part
			? part.argv.map(word => (word === '{item}' ? (item ?? '') : word))
			: ['cat', '--', section.params.path ?? ''];
		const cut = section.exitCode === null;
		session.record({
			...base,
			id: session.unique(captureId(node, section.catalogId, item)),
			argv,
			kind: section.kind,
			params: section.params,
			catalogId: section.catalogId,
			exitCode: section.exitCode,
			stdout: section.stdout,
			stderr: section.stderr,
			...(cut
				? {
						failure: result.failure
							? {kind: result.failure.kind, message: result.failure.message}
							: {kind: 'unreachable' as const, message: 'output ended inside this section'},
					}
				: {}),
		});
	}
	return split.sections.length;
}

const isApi = (cloud: Transport | CloudApi): cloud is CloudApi => 'get' in cloud;

/**
 * Runs one cloud catalog entry (recorded as a capture). For the API, the caller gets the reply
 * with its envelope removed (`{"ports": [...]}` → `[...]`, as the CLI prints it); the capture keeps
 * the body as sent.
 */
async function runCloud(
	session: Session,
	id: CatalogId,
	values: ParamValues,
): Promise<CommandResult | undefined> {
	const cloud = session.options.cloud;
	if (cloud === undefined) return undefined;
	if (isApi(cloud)) return runApi(session, cloud, id, values);
	const planned = planCommand(id, values);
	if (!planned.ok) {
		for (const refusal of planned.refusals)
			session.problems.push({kind: 'refused', message: refusalText(refusal)});
		return undefined;
	}
	return runPlanned(session, planned.command, {
		transport: cloud,
		node: undefined,
		signal: session.signal,
		relabel: f => f,
	});
}

async function runApi(
	session: Session,
	cloud: CloudApi,
	id: CatalogId,
	values: ParamValues,
): Promise<CommandResult | undefined> {
	const planned = planApi(id, values);
	if (!planned.ok) {
		for (const refusal of planned.refusals)
			session.problems.push({kind: 'refused', message: refusalText(refusal)});
		return undefined;
	}
	const {entry, params} = planned.command;
	const captureAt = session.unique(captureId(undefined, entry.id));
	const argv = ['GET', planned.request.service, planned.request.path];
	session.emit({
		type: 'capture-started',
		at: now(),
		captureId: captureAt,
		catalogId: entry.id,
		argv,
	});
	const result = await cloud.get(planned.request, {
		signal: session.signal,
		timeoutMs: session.options.commandTimeoutMs ?? entry.timeoutMs,
		maxBytes: session.maxBytes,
	});
	session.record({
		id: captureAt,
		scope: entry.scope,
		argv: result.argv,
		...(entry.kind === undefined ? {} : {kind: entry.kind}),
		...(Object.keys(params).length > 0 ? {params} : {}),
		catalogId: entry.id,
		exitCode: result.exitCode,
		startedAt: result.startedAt,
		durationMs: result.durationMs,
		via: cloud.kind,
		stdout: result.stdout,
		stderr: result.stderr,
		...(result.failure
			? {failure: {kind: result.failure.kind, message: result.failure.message}}
			: {}),
		...(result.truncated ? {truncated: true} : {}),
	});
	return {...result, stdout: withoutEnvelope(result.stdout)};
}

/** `{"ports": [...], "ports_links": [...]}` → `[...]`; anything else unchanged. */
function withoutEnvelope(body: string): string {
	let value: unknown;
	try {
		value = JSON.parse(body);
	} catch {
		return body;
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return body;
	const keys = Object.keys(value).filter(key => !key.endsWith('_links'));
	const only = keys.length === 1 ? (value as Record<string, unknown>)[keys[0] ?? ''] : undefined;
	return typeof only === 'object' && only !== null ? JSON.stringify(only) : body;
}

const namesOf = (node: CollectNode): readonly (string | undefined)[] =>
	node.hostNames ?? [node.info.id, node.info.neutronHost, node.info.address];

/** The nodes a target narrows the collection to (all of them without a target). */
async function targetNodes(session: Session): Promise<readonly CollectNode[]> {
	const {options} = session;
	if (options.target === undefined) return options.nodes;
	const label = describeTarget(options.target);
	if (options.cloud === undefined) {
		session.problems.push({
			kind: 'target',
			message: `${label}: no OpenStack API access to resolve it; collecting from every node`,
		});
		return options.nodes;
	}
	const resolution = await resolveTarget(options.target, async (id, values) =>
		runCloud(session, id, values),
	);
	for (const message of resolution.problems)
		session.problems.push({kind: 'target', message: `${label}: ${message}`});
	session.routers = resolution.routers.length > 0 ? resolution.routers : undefined;
	const wanted = new Set(resolution.hosts);
	const nodes = options.nodes.filter(node =>
		namesOf(node).some(name => name !== undefined && wanted.has(name)),
	);
	const unmatched = resolution.hosts.filter(
		host => !nodes.some(node => namesOf(node).includes(host)),
	);
	session.log(
		nodes.length === 0 ? 'warning' : 'info',
		`${label} is carried by ${resolution.hosts.length} host(s): ${resolution.hosts.join(', ') || 'none found'}; ${nodes.length} in the inventory${unmatched.length > 0 ? ` (not in the inventory: ${unmatched.join(', ')})` : ''}`,
	);
	if (unmatched.length > 0)
		session.problems.push({
			kind: 'target',
			message: `${label}: hosts not in the inventory: ${unmatched.join(', ')}`,
		});
	// The unselected transports were never opened; they are closed with the others.
	return nodes;
}

/** The cloud data lists, then `port show` of the ports a diagnosis needs (bounded). */
async function collectCloudData(session: Session): Promise<void> {
	const {options} = session;
	const note = (id: string, result: CommandResult | undefined): void => {
		if (result?.failure)
			session.problems.push({
				kind: result.failure.kind,
				message: `${id}: ${result.failure.message}`,
			});
	};
	const lists = await Promise.all(
		(options.cloudEntries ?? []).map(async id => {
			const result = await runCloud(session, id, {});
			note(id, result);
			return {id, result};
		}),
	);
	// `port list` carries no allowed address pairs nor binding host: read those with `port show`
	// for the ports a VRRP/Octavia diagnosis needs (instances' and Octavia's), bounded.
	const wanted = portsToShow(lists.find(list => list.id === 'os.ports')?.result);
	const limit = options.portShowLimit ?? COLLECT_DEFAULTS.portShowLimit;
	if (wanted.length > limit)
		session.log(
			'warning',
			`${wanted.length} instance/Octavia ports: reading the first ${limit} with port show (a --vip or --loadbalancer target reads the ones that matter)`,
		);
	const queue = wanted.slice(0, limit);
	await Promise.all(
		Array.from({length: Math.min(4, queue.length)}, async () => {
			for (let port = queue.shift(); port !== undefined; port = queue.shift()) {
				if (session.signal.aborted) return;
				note('os.port-show', await runCloud(session, 'os.port-show', {port}));
			}
		}),
	);
}

/** One node's run: its abort controller, time limit, execution budget and failures. */
class NodeRun {
	readonly controller = new AbortController();
	readonly failedExecs: {kind: FailureKind; message: string}[] = [];
	failure: TransportFailure | undefined;
	private execs = 0;
	private maxExecs = MAX_EXECS_PER_NODE;
	private deadline = false;
	private readonly timer: NodeJS.Timeout;
	private readonly limitMs: number;
	private readonly onAbort = (): void => {
		this.controller.abort();
	};

	constructor(
		private readonly session: Session,
		readonly node: CollectNode,
	) {
		setMaxListeners(0, this.controller.signal);
		session.signal.addEventListener('abort', this.onAbort, {once: true});
		this.limitMs = session.options.nodeTimeoutMs ?? COLLECT_DEFAULTS.nodeTimeoutMs;
		this.timer = setTimeout(() => {
			this.deadline = true;
			this.controller.abort();
		}, this.limitMs);
	}

	readonly relabel = (failure: TransportFailure): TransportFailure =>
		this.deadline && failure.kind === 'cancelled'
			? {kind: 'timeout', message: `node time limit (${Math.round(this.limitMs / 1000)} s) reached`}
			: failure;

	/** Raise the execution budget for a node with this many namespaces to read. */
	allowFor(namespaces: number): void {
		this.maxExecs = maxExecsPerNode(namespaces);
	}

	async exec(planned: PlannedCommand): Promise<CommandResult> {
		this.execs++;
		if (this.execs > this.maxExecs)
			throw new Error(`more than ${this.maxExecs} executions planned for ${this.node.info.id}`);
		const result = await runPlanned(this.session, planned, {
			transport: this.node.transport,
			node: this.node.info.id,
			signal: this.controller.signal,
			relabel: this.relabel,
			...(this.node.haConfsPath === undefined ? {} : {haConfsPath: this.node.haConfsPath}),
		});
		if (result.failure)
			this.failedExecs.push({
				kind: result.failure.kind,
				message: `${planned.entry.id}: ${result.failure.message}`,
			});
		return result;
	}

	aborted(): boolean {
		return this.controller.signal.aborted;
	}

	dispose(): void {
		clearTimeout(this.timer);
		this.session.signal.removeEventListener('abort', this.onAbort);
	}
}

/** Phase 1 on a node: namespaces and bridges, or undefined when the node itself failed. */
async function discover(
	session: Session,
	run: NodeRun,
): Promise<{namespaces: readonly string[]; bridges: readonly string[]} | undefined> {
	const id = run.node.info.id;
	const discovery = catalogEntries.filter(entry => entry.phase === 'discover');
	const results = await Promise.all(
		discovery.map(async entry => {
			const planned = planCommand(entry.id, {});
			if (!planned.ok) throw new Error(`catalog: discovery entry ${entry.id} needs parameters`);
			return {entry, result: await run.exec(planned.command)};
		}),
	);
	const failures = results.map(r => r.result.failure).filter(f => f !== undefined);
	if (
		failures.length === results.length &&
		failures.every(f => NODE_LEVEL.has(f.kind) || f.kind === 'cancelled' || f.kind === 'timeout')
	) {
		run.failure = failures[0];
		return undefined;
	}
	let namespaces: readonly string[] = [];
	let bridges: readonly string[] = [];
	for (const {entry, result} of results) {
		if (result.failure || result.exitCode !== 0) continue;
		if (entry.id === 'netns.list') {
			const names = namespaceNames(result.stdout);
			if ('error' in names) session.problems.push({node: id, kind: 'parse', message: names.error});
			else namespaces = names;
		} else if (entry.id === 'ovs.bridges') bridges = bridgeNames(result.stdout);
	}
	return {namespaces, bridges};
}

/** Phase 2 on a node: the detail commands over what discovery found. */
async function detail(
	session: Session,
	run: NodeRun,
	found: {namespaces: readonly string[]; bridges: readonly string[]},
): Promise<void> {
	const {node} = run;
	const id = node.info.id;
	const plan = planDetail({
		...found,
		nonce: session.makeNonce(),
		...(node.haConfsPath === undefined ? {} : {haConfsPath: node.haConfsPath}),
		...(session.routers === undefined ? {} : {routers: session.routers}),
		roles: node.info.roles,
	});
	for (const refusal of plan.refusals) session.refused(refusal, id);
	if (plan.skipped.length > 0)
		session.log(
			'info',
			`not read: ${plan.skipped.length} namespace(s) (${plan.skipped.slice(0, 3).join(', ')}${plan.skipped.length > 3 ? ', …' : ''})`,
			id,
		);
	run.allowFor(found.namespaces.length);
	await Promise.all(plan.commands.map(async command => run.exec(command)));
}

/** Collect one node: connect, discover, detail; always ends with node-done or node-failed. */
async function collectNode(session: Session, node: CollectNode): Promise<void> {
	const id = node.info.id;
	const started = Date.now();
	session.emit({type: 'node-started', at: now(), node: id});
	const run = new NodeRun(session, node);
	try {
		const connect = (node.transport as Transport & Connectable).connect;
		const failure = connect ? await connect.call(node.transport, run.controller.signal) : undefined;
		if (failure) run.failure = run.relabel(failure);
		const found = run.failure === undefined ? await discover(session, run) : undefined;
		if (found !== undefined) {
			if (run.aborted())
				run.failure = run.relabel({kind: 'cancelled', message: 'cancelled after discovery'});
			else {
				await detail(session, run, found);
				if (run.aborted())
					run.failure = run.relabel({
						kind: 'cancelled',
						message: 'cancelled before the node finished',
					});
			}
		}
	} catch (error) {
		run.failure = {kind: 'spawn', message: `internal error: ${(error as Error).message}`};
	} finally {
		run.dispose();
		finishNode(session, run, Date.now() - started);
		// Close at once: one connection per node, released as soon as the node is done — unless
		// watch keeps it for its next round (`keepOpen`) or more reads follow on the same
		// connections (`after`: closed with the others at the end).
		if (session.options.keepOpen !== true && session.options.after === undefined)
			await node.transport.close().catch(() => undefined);
	}
}

function finishNode(session: Session, run: NodeRun, durationMs: number): void {
	const id = run.node.info.id;
	session.finished.add(id);
	const kept = session.perNode.get(id)?.total ?? 0;
	if (run.failure) {
		session.nodesFailed++;
		session.problems.push({node: id, kind: run.failure.kind, message: run.failure.message});
		session.emit({
			type: 'node-failed',
			at: now(),
			node: id,
			kind: run.failure.kind,
			message: run.failure.message,
			captures: kept,
		});
		return;
	}
	// The node answered but some commands did not complete: name each one.
	for (const failed of run.failedExecs) session.problems.push({node: id, ...failed});
	session.nodesOk++;
	session.emit({
		type: 'node-done',
		at: now(),
		node: id,
		captures: kept,
		failedCaptures: session.perNode.get(id)?.failed ?? 0,
		durationMs,
	});
}

/** Run the nodes (bounded concurrency) and the cloud data; on abort wait at most 2 s more. */
async function runAll(
	session: Session,
	nodes: readonly CollectNode[],
	concurrency: number,
): Promise<void> {
	const {signal} = session;
	const queue = [...nodes];
	const workers = Array.from({length: Math.min(concurrency, queue.length)}, async () => {
		for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
			if (signal.aborted) break;
			await collectNode(session, next);
		}
	});
	const all = Promise.all([...workers, collectCloudData(session)]);
	if (signal.aborted) {
		await settleWithin(all, 2000);
		return;
	}
	await Promise.race([
		all,
		new Promise<void>(resolve => {
			signal.addEventListener(
				'abort',
				() => {
					void settleWithin(all, 2000).then(resolve);
				},
				{once: true},
			);
		}),
	]);
}

export async function collect(
	options: CollectOptions,
	onEvent: SessionEventListener,
	outerSignal: AbortSignal,
): Promise<CaptureSet> {
	const started = Date.now();
	// One listener on the caller's signal; every node and command listens to this one instead
	// (hundreds of listeners are expected, not a leak).
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	if (outerSignal.aborted) controller.abort();
	else
		outerSignal.addEventListener(
			'abort',
			() => {
				controller.abort();
			},
			{once: true},
		);
	const session = new Session(options, onEvent, controller.signal);
	const nodes = await targetNodes(session);
	const concurrency = Math.max(1, options.concurrency ?? COLLECT_DEFAULTS.concurrency);
	session.start({
		type: 'collection-started',
		at: now(),
		nodes: nodes.map(node => node.info),
		concurrency,
		...(options.target === undefined ? {} : {target: describeTarget(options.target)}),
	});
	await runAll(session, nodes, concurrency);
	const cancelled = controller.signal.aborted;
	// Nodes the session never reached (cancelled before their turn) are named too.
	for (const node of nodes) {
		if (session.finished.has(node.info.id)) continue;
		session.nodesFailed++;
		const message = 'not collected: the session was cancelled first';
		session.problems.push({node: node.info.id, kind: 'cancelled', message});
		session.emit({
			type: 'node-failed',
			at: now(),
			node: node.info.id,
			kind: 'cancelled',
			message,
			captures: 0,
		});
	}
	let set = finishSet(session, nodes, started, cancelled);
	if (options.after !== undefined && !cancelled) {
		const byId = new Map(options.nodes.map(n => [n.info.id, n.transport]));
		const exec: NodeExec = async (node, argv, entry) => {
			const transport = byId.get(node);
			if (transport === undefined)
				return {
					target: node,
					argv,
					stdout: '',
					stderr: '',
					exitCode: null,
					startedAt: now(),
					durationMs: 0,
					failure: {kind: 'unreachable', message: `${node} is not a node of this collection`},
				};
			const result = await transport.exec(
				{argv, timeoutMs: options.commandTimeoutMs ?? entry.timeoutMs, podClass: entry.podClass},
				{signal: controller.signal},
			);
			return {...result, via: transport.kind};
		};
		set = await options.after(set, exec, controller.signal);
	}
	// Close every transport (also the unselected and unfinished ones), bounded.
	await settleWithin(
		Promise.all(
			(options.keepOpen === true
				? []
				: [...options.nodes.map(n => n.transport), ...(options.cloud ? [options.cloud] : [])]
			).map(async t => t.close().catch(() => undefined)),
		),
		2000,
	);
	return set;
}

function finishSet(
	session: Session,
	nodes: readonly CollectNode[],
	started: number,
	cancelled: boolean,
): CaptureSet {
	const {options, captures, problems} = session;
	const partial =
		cancelled || session.nodesFailed > 0 || session.failedCaptures > 0 || problems.length > 0;
	session.emit({
		type: 'collection-done',
		at: now(),
		partial,
		cancelled,
		nodesOk: session.nodesOk,
		nodesFailed: session.nodesFailed,
		captures: captures.length,
		durationMs: Date.now() - started,
	});
	return {
		manifest: {
			format: 'dvrscope-capture-set',
			schemaVersion: 1,
			createdAt: new Date(started).toISOString(),
			tool: {name: 'dvrscope', version: options.toolVersion ?? '0.0.0'},
			...(options.description === undefined ? {} : {description: options.description}),
			source: 'live',
			nodes: nodes.map(node => node.info),
			captures: captures.map(stripBodies),
			...(partial ? {partial: true} : {}),
			...(problems.length > 0 ? {problems} : {}),
		},
		captures,
	};
}

/** Ids of the instance (`compute:*`) and Octavia ports in a `port list --long -f json` output. */
function portsToShow(result: CommandResult | undefined): string[] {
	if (result === undefined || result.exitCode !== 0) return [];
	let list: unknown;
	try {
		list = JSON.parse(result.stdout);
	} catch {
		return [];
	}
	if (!Array.isArray(list)) return [];
	const ids: string[] = [];
	for (const port of list as unknown[]) {
		if (typeof port !== 'object' || port === null) continue;
		const record = port as Record<string, unknown>;
		const owner = record['Device Owner'] ?? record['device_owner'];
		const id = record['ID'] ?? record['id'];
		if (typeof owner !== 'string' || typeof id !== 'string') continue;
		if (
			(owner.startsWith('compute:') || owner === 'Octavia') &&
			checkParam('port', id) === undefined
		)
			ids.push(id);
	}
	return ids.sort();
}

export function stripBodies(capture: Capture): CaptureMeta {
	const meta: {-readonly [K in keyof Capture]?: Capture[K]} = {...capture};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
}

export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([
		promise.then(
			() => undefined,
			() => undefined,
		),
		new Promise<void>(resolve => {
			timer = setTimeout(resolve, ms);
		}),
	]);
	clearTimeout(timer);
}
