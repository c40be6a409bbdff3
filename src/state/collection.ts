import type {CaptureMeta, CaptureScope, FailureKind} from '../model/capture.js';
import type {NodeId, CaptureId} from '../model/ids.js';
import type {SessionEvent} from '../model/events.js';

/**
 * The collection slice of the console store: the progress grid (node × collector cells), each
 * node's progress and the command log, folded from session events by {@link reduceCollection}
 * (pure; src/state/store.ts holds it and re-exports these names).
 */

export type CellState = 'queued' | 'running' | 'done' | 'timeout' | 'failed' | 'cancelled';

/** One node × collector cell of the progress grid. */
export type ProgressCell = {
	readonly state: CellState;
	readonly running: number;
	readonly done: number;
	readonly failed: number;
	readonly bytes: number;
	readonly elapsedMs: number;
	readonly startedAt?: number;
	readonly message?: string;
};

export type NodeProgress = {
	readonly state: 'queued' | 'running' | 'done' | 'failed';
	readonly startedAt?: number;
	readonly durationMs?: number;
	readonly failure?: {readonly kind: FailureKind; readonly message: string};
	readonly captures: number;
	readonly failedCaptures: number;
};

export type CollectionStatus =
	'idle' | 'loading' | 'collecting' | 'cancelling' | 'done' | 'cancelled' | 'failed';

/** A command that ran (or was recorded in the capture set): the command-log row. */
export type CommandLogEntry = {
	readonly captureId: CaptureId;
	readonly node?: NodeId;
	readonly argv: readonly string[];
	readonly exitCode: number | null;
	readonly durationMs: number;
	readonly startedAt: string;
	readonly failure?: {readonly kind: string; readonly message: string};
	readonly stdoutBytes: number;
	readonly truncated?: boolean;
	readonly via?: string;
};

export type CollectionState = {
	readonly status: CollectionStatus;
	readonly message?: string;
	readonly target?: string;
	readonly nodes: readonly NodeId[];
	readonly nodeProgress: Readonly<Record<NodeId, NodeProgress>>;
	/** Collector columns (catalog ids) in first-seen order. */
	readonly collectors: readonly string[];
	/**
	 * Where each collector runs, as the session reported it: `cloud` (API / kube objects, the
	 * {@link CLOUD_ROW} row) or `node`. A row only has cells for collectors of its own scope.
	 */
	readonly collectorScopes: Readonly<Record<string, CaptureScope>>;
	/** Keyed by `cellKey(node, collector)`. */
	readonly cells: Readonly<Record<string, ProgressCell>>;
	readonly startedAt?: number;
	readonly finishedAt?: number;
	readonly commands: readonly CommandLogEntry[];
	/** Every session event, bounded (newest last). */
	readonly events: readonly SessionEvent[];
	/** captureId → catalog id, to fold capture-done into the right cell. */
	readonly running: Readonly<Record<string, {readonly catalogId: string; readonly at: number}>>;
};

export const cellKey = (node: NodeId, collector: string): string => `${node}\t${collector}`;

/** The progress-grid row of cloud-scope captures no node answered (openstack CLI, kube API). */
export const CLOUD_ROW = 'cloud';

const withScope = (
	scopes: Readonly<Record<string, CaptureScope>>,
	collector: string,
	scope: CaptureScope,
): Readonly<Record<string, CaptureScope>> =>
	scopes[collector] === scope ? scopes : {...scopes, [collector]: scope};

const EVENT_LOG_LIMIT = 5000;

/** The collection before any event (and at the start of each run). */
export const emptyCollection: CollectionState = {
	status: 'idle',
	nodes: [],
	nodeProgress: {},
	collectors: [],
	collectorScopes: {},
	cells: {},
	commands: [],
	events: [],
	running: {},
};

/** A collector cell before its first event. */
export const emptyCell: ProgressCell = {
	state: 'queued',
	running: 0,
	done: 0,
	failed: 0,
	bytes: 0,
	elapsedMs: 0,
};

const failureState = (kind: string): CellState =>
	kind === 'timeout' ? 'timeout' : kind === 'cancelled' ? 'cancelled' : 'failed';

export const commandFromMeta = (meta: CaptureMeta): CommandLogEntry => ({
	captureId: meta.id,
	argv: meta.argv,
	exitCode: meta.exitCode,
	durationMs: meta.durationMs,
	startedAt: meta.startedAt,
	stdoutBytes: meta.stdoutBytes,
	...(meta.node === undefined ? {} : {node: meta.node}),
	...(meta.failure === undefined ? {} : {failure: meta.failure}),
	...(meta.truncated === undefined ? {} : {truncated: meta.truncated}),
	...(meta.via === undefined ? {} : {via: meta.via}),
});

type EventOf<T extends SessionEvent['type']> = Extract<SessionEvent, {type: T}>;

/** A node's progress so far (queued before its first event). */
const nodeSoFar = (state: CollectionState, node: NodeId): NodeProgress =>
	state.nodeProgress[node] ?? {state: 'queued', captures: 0, failedCaptures: 0};

/** The collector column list and scopes, with `catalogId` seen on a node or the cloud row. */
function withCollector(
	state: CollectionState,
	catalogId: string,
	node: NodeId | undefined,
): Pick<CollectionState, 'collectors' | 'collectorScopes'> {
	return {
		collectors: state.collectors.includes(catalogId)
			? state.collectors
			: [...state.collectors, catalogId],
		collectorScopes: withScope(
			state.collectorScopes,
			catalogId,
			node === undefined ? 'cloud' : 'node',
		),
	};
}

/** A new run: every node queued, the grid and log empty. */
function collectionStarted(
	event: EventOf<'collection-started'>,
	events: readonly SessionEvent[],
	now: number,
): CollectionState {
	const nodes = event.nodes.map(n => n.id);
	const nodeProgress: Record<NodeId, NodeProgress> = {};
	for (const node of nodes) nodeProgress[node] = {state: 'queued', captures: 0, failedCaptures: 0};
	return {
		...emptyCollection,
		events,
		status: 'collecting',
		nodes,
		nodeProgress,
		startedAt: now,
		...(event.target === undefined ? {} : {target: event.target}),
	};
}

/** A capture started: its cell runs one more (the cloud row when no node ran it). */
function captureStarted(
	state: CollectionState,
	event: EventOf<'capture-started'>,
	now: number,
): CollectionState {
	const node = event.node ?? CLOUD_ROW;
	const key = cellKey(node, event.catalogId);
	const cell = state.cells[key] ?? emptyCell;
	return {
		...state,
		nodes: state.nodes.includes(node) ? state.nodes : [...state.nodes, node],
		...withCollector(state, event.catalogId, event.node),
		cells: {
			...state.cells,
			[key]: {
				...cell,
				state: 'running',
				running: cell.running + 1,
				startedAt: cell.startedAt ?? now,
			},
		},
		running: {...state.running, [event.captureId]: {catalogId: event.catalogId, at: now}},
	};
}

/**
 * A capture finished: its cell counts it (and its failure), the cell's state follows (running
 * while others run, failed once one failed), the command log gains its row.
 */
function captureDone(
	state: CollectionState,
	event: EventOf<'capture-done'>,
	now: number,
): CollectionState {
	const node = event.node ?? CLOUD_ROW;
	const catalogId = state.running[event.captureId]?.catalogId ?? event.capture.catalogId ?? 'other';
	const key = cellKey(node, catalogId);
	const cell = state.cells[key] ?? emptyCell;
	const failure = event.capture.failure;
	const running = Math.max(0, cell.running - 1);
	const failed = cell.failed + (failure === undefined ? 0 : 1);
	const nextState: CellState =
		running > 0
			? 'running'
			: failure !== undefined
				? failureState(failure.kind)
				: cell.failed > 0
					? cell.state
					: 'done';
	const rest = {...state.running};
	// eslint-disable-next-line @typescript-eslint/no-dynamic-delete
	delete rest[event.captureId];
	return {
		...state,
		...withCollector(state, catalogId, event.node),
		cells: {
			...state.cells,
			[key]: {
				...cell,
				state: nextState,
				running,
				done: cell.done + 1,
				failed,
				bytes: cell.bytes + event.capture.stdoutBytes,
				elapsedMs: now - (cell.startedAt ?? now),
				...(failure === undefined ? {} : {message: `${failure.kind}: ${failure.message}`}),
			},
		},
		running: rest,
		commands: [...state.commands, commandFromMeta(event.capture)],
	};
}

/** A node failed: any of its cells still running did not finish; the node keeps its captures. */
function nodeFailed(state: CollectionState, event: EventOf<'node-failed'>): CollectionState {
	const cells = {...state.cells};
	for (const [key, cell] of Object.entries(cells))
		if (key.startsWith(`${event.node}\t`) && cell.state === 'running')
			cells[key] = {...cell, state: failureState(event.kind), running: 0, message: event.message};
	return {
		...state,
		cells,
		nodeProgress: {
			...state.nodeProgress,
			[event.node]: {
				...nodeSoFar(state, event.node),
				state: 'failed',
				failure: {kind: event.kind, message: event.message},
				captures: event.captures,
			},
		},
	};
}

/** Fold one session event into the collection slice (pure). */
export function reduceCollection(
	state: CollectionState,
	event: SessionEvent,
	now: number,
): CollectionState {
	const events =
		state.events.length >= EVENT_LOG_LIMIT
			? [...state.events.slice(-EVENT_LOG_LIMIT + 1), event]
			: [...state.events, event];
	const base = {...state, events};
	switch (event.type) {
		case 'collection-started':
			return collectionStarted(event, events, now);
		case 'node-started':
			return {
				...base,
				nodes: state.nodes.includes(event.node) ? state.nodes : [...state.nodes, event.node],
				nodeProgress: {
					...state.nodeProgress,
					[event.node]: {...nodeSoFar(state, event.node), state: 'running', startedAt: now},
				},
			};
		case 'capture-started':
			return captureStarted(base, event, now);
		case 'capture-done':
			return captureDone(base, event, now);
		case 'node-done':
			return {
				...base,
				nodeProgress: {
					...state.nodeProgress,
					[event.node]: {
						...nodeSoFar(state, event.node),
						state: 'done',
						durationMs: event.durationMs,
						captures: event.captures,
						failedCaptures: event.failedCaptures,
					},
				},
			};
		case 'node-failed':
			return nodeFailed(base, event);
		case 'collection-done':
			return {
				...base,
				status: event.cancelled ? 'cancelled' : 'done',
				finishedAt: now,
				message: `${event.nodesOk} node(s) ok, ${event.nodesFailed} failed, ${event.captures} captures in ${(event.durationMs / 1000).toFixed(1)} s${event.partial ? ' (partial)' : ''}`,
			};
		case 'log':
			return base;
	}
}
