/**
 * The state of one collection session and the one way a catalog command is run in it: the options
 * a collection takes, the {@link Session} that records captures, problems and events, and
 * {@link runPlanned}, which checks an argv against the catalog, runs it and files its output
 * (a batch cut into one capture per item). Used by the node and cloud halves of src/session/
 * collect.ts and by watch probe rounds.
 */
import {createHash, randomBytes} from 'node:crypto';
import type {Capture, CaptureMeta, CaptureSet, FailureKind, NodeInfo} from '../model/capture.js';
import {isSafeId, type NodeId} from '../model/ids.js';
import type {CommandResult, Transport, TransportFailure} from '../transport/types.js';
import type {CloudApi} from '../transport/openstack-api.js';
import {toCaptureMeta} from '../bundle/capture-set.js';
import type {NodeExec} from './trace-rounds.js';
import {
	matchCatalog,
	splitSections,
	DEFAULT_HA_CONFS_PATH,
	type CatalogEntry,
	type CatalogId,
	type PlannedCommand,
	type Refusal,
} from '../collectors/catalog.js';
import type {SessionEvent, SessionEventListener} from '../model/events.js';
import type {Target} from './targets.js';

export type CollectNode = {
	readonly info: NodeInfo;
	readonly transport: Transport;
	/** Neutron `ha_confs_path` on this node (default /var/lib/neutron/ha_confs). */
	readonly haConfsPath?: string;
	/** Names the node may carry as a Neutron agent `host` (for targeting); default id/neutronHost/address. */
	readonly hostNames?: readonly string[];
};

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
	/**
	 * A targeted collection (`dvrscope trace`): only these discovery and detail entries run on the
	 * nodes (default: the whole catalog). What was not read is simply absent from the set.
	 */
	readonly only?: ReadonlySet<CatalogId>;
	/**
	 * Skip `port show` for ports whose list entry already carries their allowed address pairs and
	 * binding (the Neutron API's list does; the CLI's `port list --long` does not). Set by trace.
	 */
	readonly showOnlyIncompletePorts?: boolean;
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

/** Now, as an ISO timestamp (event and capture times). */
export const now = (): string => new Date().toISOString();

/** A capture id: `<node>.<catalog id>[.<item>]`, made safe and unique (hash-shortened if long). */
export function captureId(node: string | undefined, catalogId: string, item?: string): string {
	const raw = [node ?? 'cloud', catalogId, item].filter(Boolean).join('.');
	const safe = raw.replace(/[^A-Za-z0-9._@-]/g, '_').replace(/\.\.+/g, '.');
	if (safe.length <= 120 && isSafeId(safe)) return safe;
	const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
	return `${safe.slice(0, 100).replace(/[.]+$/, '')}-${hash}`;
}

/** A refusal in words, for the problems and the log. */
export const refusalText = (refusal: Refusal): string =>
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
			...(Object.keys(section.params).length > 0 ? {params: section.params} : {}),
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
	// A single read folded into the batch (a `once` part) whose section never came is filed as
	// failed, as it would have been alone: what was not read is named, never just absent.
	for (const part of parts) {
		if (part.once !== true || split.sections.some(s => s.catalogId === part.catalogId)) continue;
		session.record({
			...base,
			id: session.unique(captureId(node, part.catalogId)),
			argv: part.argv,
			kind: part.kind,
			catalogId: part.catalogId,
			exitCode: null,
			stdout: '',
			stderr: '',
			failure: result.failure
				? {kind: result.failure.kind, message: result.failure.message}
				: {kind: 'unreachable', message: 'the batch ended before this read'},
		});
	}
	return split.sections.length;
}

/** A capture without its bodies (the manifest and the events carry these). */
export function stripBodies(capture: Capture): CaptureMeta {
	const meta: {-readonly [K in keyof Capture]?: Capture[K]} = {...capture};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
}
