import {createStore, type StoreApi} from 'zustand/vanilla';
import type {CaptureMeta, CaptureScope, FailureKind} from '../model/capture.js';
import type {CaptureId, NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import type {Finding, RuleDocs, RuleOutcome} from '../diagnostics/types.js';
import type {Coverage, Verdict} from '../diagnostics/coverage.js';
import type {SessionEvent} from '../model/events.js';
import {
	WATCH_TIMELINE_LIMIT,
	type WatchLevel,
	type WatchRound,
	type WatchRow,
	type WatchRowKind,
} from '../model/watch.js';

// ─── views ──────────────────────────────────────────────────────────────────

/** What a screen shows; the top of `ui.stack` is the active screen (k9s model/stack.go). */
export type ViewRef =
	| {readonly kind: 'overview'}
	| {readonly kind: 'findings'}
	| {readonly kind: 'finding'; readonly key: string; readonly focus?: 'fix'}
	| {
			readonly kind: 'capture';
			readonly capture: CaptureId;
			readonly line?: number;
			readonly lines?: readonly number[];
			/** The evidence excerpt, to mark the quoted part of a long line. */
			readonly excerpt?: string;
	  }
	| {readonly kind: 'vips'}
	| {readonly kind: 'vip'; readonly vip: string}
	| {readonly kind: 'flows'; readonly node?: NodeId}
	| {readonly kind: 'neigh'; readonly node?: NodeId}
	| {readonly kind: 'namespaces'; readonly node?: NodeId}
	| {readonly kind: 'keepalived'; readonly node?: NodeId}
	| {readonly kind: 'log'}
	| {readonly kind: 'watch'}
	| {readonly kind: 'help'};

export type ViewKind = ViewRef['kind'];

/** One entry of the view stack: the view plus its own cursor and filter, restored on Esc. */
export type StackEntry = {
	readonly view: ViewRef;
	readonly cursor: number;
	readonly filter: string;
};

export type InputMode = 'normal' | 'filter' | 'command';

export type FlashLevel = 'info' | 'warning' | 'error';
export type Flash = {readonly level: FlashLevel; readonly text: string; readonly at: number};

/** An error that stays on screen until acknowledged (errors never vanish on a timer). */
export type PersistentError = {
	readonly id: number;
	readonly at: string;
	readonly source: string;
	readonly message: string;
};

// ─── collection ─────────────────────────────────────────────────────────────

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

// ─── data ───────────────────────────────────────────────────────────────────

export type SourceKind = 'sample' | 'capture-set' | 'bundle' | 'live';

export type SourceInfo = {
	readonly kind: SourceKind;
	/** Where it comes from: a path, `--inventory prod.yaml`, or the sample's directory. */
	readonly location: string;
	/** The manifest description (what the sample is, honestly). */
	readonly description?: string;
	/** A caveat shown in the header (e.g. a stand-in sample). */
	readonly note?: string;
};

/** What the console shows from `diagnose()`; docs keyed by rule id for the detail screen. */
export type DiagnosisView = {
	readonly findings: readonly Finding[];
	readonly outcomes: readonly RuleOutcome[];
	readonly docs: Readonly<Record<string, RuleDocs>>;
	/** The diagnosis verdict (`incomplete` when something applicable could not be checked). */
	readonly verdict?: Verdict;
	/** What could not be seen (contract A, src/diagnostics/coverage.ts). */
	readonly coverage?: Coverage;
	/** The verdict line as reports print it (`Verdict: INCOMPLETE — node compute-2 not read …`). */
	readonly headline?: string;
	/** The Neutron backend the set shows (ml2/ovs, ml2/ovn, tungstenfabric, unknown, conflicting) and why. */
	readonly backend?: {readonly backend: string; readonly summary: string};
};

export type TimelineEntry = {
	readonly at: string;
	readonly round: number;
	readonly vip: string;
	readonly node?: NodeId;
	readonly kind: 'neigh' | 'keepalived' | 'owner' | 'baseline' | WatchRowKind;
	readonly text: string;
	readonly changed: boolean;
	/** Live watch rows (src/session/watch.ts): how loud, STALE, inferred, the namespace. */
	readonly level?: WatchLevel;
	readonly stale?: boolean;
	readonly inferred?: boolean;
	readonly namespace?: string;
};

export type WatchState = {
	readonly active: boolean;
	readonly intervalS: number;
	readonly round: number;
	readonly lastAt?: string;
	readonly timeline: readonly TimelineEntry[];
	/** The last live watch round: its verdict, cost and unread nodes (absent for saved data). */
	readonly last?: WatchRound;
	/** Timeline rows dropped from the front (bounded memory). */
	readonly dropped?: number;
};

// ─── the store ──────────────────────────────────────────────────────────────

export type AppState = {
	readonly collection: CollectionState;
	readonly source?: SourceInfo;
	readonly snapshot?: Snapshot;
	readonly diagnosis?: DiagnosisView;
	readonly ui: {
		readonly stack: readonly StackEntry[];
		readonly mode: InputMode;
		/** The text being typed in filter or command mode. */
		readonly input: string;
		readonly flash?: Flash;
		readonly errors: readonly PersistentError[];
		/** Ctrl-C pressed once while idle: the next one quits. */
		readonly quitArmed: boolean;
	};
	readonly watch: WatchState;
	/** The flow index of `snapshot` being built in idle time (rows done of total), if it is. */
	readonly flowIndexing: FlowIndexing | undefined;

	// collection
	applyEvent(event: SessionEvent): void;
	setLoading(message: string): void;
	setCollectionStatus(status: CollectionStatus, message?: string): void;
	// data
	setSource(source: SourceInfo): void;
	setData(snapshot: Snapshot, diagnosis: DiagnosisView): void;
	setFlowIndexing(indexing: FlowIndexing | undefined): void;
	// ui
	pushView(view: ViewRef, filter?: string): void;
	replaceView(view: ViewRef): void;
	/**
	 * A `:` command (k9s): the screen replaces what was open — the stack becomes the overview
	 * (the first entry) plus this view, so Esc reaches the overview in at most two presses.
	 */
	openScreen(view: ViewRef, filter?: string): void;
	popView(): void;
	moveCursor(delta: number, count: number): void;
	setCursor(cursor: number): void;
	startInput(mode: 'filter' | 'command'): void;
	editInput(text: string): void;
	/** Leaves input mode; for filter mode the text becomes the view's filter. Returns the text. */
	commitInput(): string;
	cancelInput(): void;
	setFilter(filter: string): void;
	flash(level: FlashLevel, text: string): void;
	clearFlash(): void;
	addError(source: string, message: string): void;
	dismissErrors(): void;
	armQuit(armed: boolean): void;
	// watch
	setWatch(active: boolean, intervalS?: number): void;
	appendTimeline(round: number, entries: readonly TimelineEntry[]): void;
	/** A live watch round (src/session/watch.ts): its summary and timeline rows. */
	applyWatchRound(round: WatchRound, rows: readonly WatchRow[]): void;
};

export type AppStore = StoreApi<AppState>;

export type FlowIndexing = {
	readonly snapshot: Snapshot;
	readonly rows: number;
	readonly total: number;
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
const ERROR_LIMIT = 200;
const TIMELINE_LIMIT = WATCH_TIMELINE_LIMIT;

export type AppInit = {
	readonly source?: SourceInfo;
	readonly snapshot?: Snapshot;
	readonly diagnosis?: DiagnosisView;
	readonly view?: ViewRef;
	readonly watchIntervalS?: number;
	/** Clock for elapsed times (tests pass a fake). */
	readonly now?: () => number;
};

const emptyCollection: CollectionState = {
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
		case 'collection-started': {
			const nodes = event.nodes.map(n => n.id);
			const nodeProgress: Record<NodeId, NodeProgress> = {};
			for (const node of nodes)
				nodeProgress[node] = {state: 'queued', captures: 0, failedCaptures: 0};
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
		case 'node-started': {
			const prev = state.nodeProgress[event.node] ?? {
				state: 'queued',
				captures: 0,
				failedCaptures: 0,
			};
			return {
				...base,
				nodes: state.nodes.includes(event.node) ? state.nodes : [...state.nodes, event.node],
				nodeProgress: {
					...state.nodeProgress,
					[event.node]: {...prev, state: 'running', startedAt: now},
				},
			};
		}
		case 'capture-started': {
			const node = event.node ?? CLOUD_ROW;
			const key = cellKey(node, event.catalogId);
			const cell = state.cells[key] ?? emptyCell;
			return {
				...base,
				nodes: state.nodes.includes(node) ? state.nodes : [...state.nodes, node],
				collectors: state.collectors.includes(event.catalogId)
					? state.collectors
					: [...state.collectors, event.catalogId],
				collectorScopes: withScope(
					state.collectorScopes,
					event.catalogId,
					event.node === undefined ? 'cloud' : 'node',
				),
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
		case 'capture-done': {
			const node = event.node ?? CLOUD_ROW;
			const catalogId =
				state.running[event.captureId]?.catalogId ?? event.capture.catalogId ?? 'other';
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
				...base,
				collectors: state.collectors.includes(catalogId)
					? state.collectors
					: [...state.collectors, catalogId],
				collectorScopes: withScope(
					state.collectorScopes,
					catalogId,
					event.node === undefined ? 'cloud' : 'node',
				),
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
		case 'node-done': {
			const prev = state.nodeProgress[event.node] ?? {
				state: 'queued',
				captures: 0,
				failedCaptures: 0,
			};
			return {
				...base,
				nodeProgress: {
					...state.nodeProgress,
					[event.node]: {
						...prev,
						state: 'done',
						durationMs: event.durationMs,
						captures: event.captures,
						failedCaptures: event.failedCaptures,
					},
				},
			};
		}
		case 'node-failed': {
			const prev = state.nodeProgress[event.node] ?? {
				state: 'queued',
				captures: 0,
				failedCaptures: 0,
			};
			// Any cell of this node still running did not finish.
			const cells = {...state.cells};
			for (const [key, cell] of Object.entries(cells))
				if (key.startsWith(`${event.node}\t`) && cell.state === 'running')
					cells[key] = {
						...cell,
						state: failureState(event.kind),
						running: 0,
						message: event.message,
					};
			return {
				...base,
				cells,
				nodeProgress: {
					...state.nodeProgress,
					[event.node]: {
						...prev,
						state: 'failed',
						failure: {kind: event.kind, message: event.message},
						captures: event.captures,
					},
				},
			};
		}
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

/** A collector cell before its first event. */
export const emptyCell: ProgressCell = {
	state: 'queued',
	running: 0,
	done: 0,
	failed: 0,
	bytes: 0,
	elapsedMs: 0,
};

/** Create the per-run store. Actions are synchronous state transitions only; I/O lives in the controller. */
export function createAppStore(init: AppInit = {}): AppStore {
	const now = init.now ?? Date.now;
	let errorId = 0;
	const initialView: ViewRef = init.view ?? {kind: 'overview'};
	return createStore<AppState>()((set, get) => ({
		collection: emptyCollection,
		...(init.source === undefined ? {} : {source: init.source}),
		...(init.snapshot === undefined ? {} : {snapshot: init.snapshot}),
		...(init.diagnosis === undefined ? {} : {diagnosis: init.diagnosis}),
		ui: {
			stack: [{view: initialView, cursor: 0, filter: ''}],
			mode: 'normal',
			input: '',
			errors: [],
			quitArmed: false,
		},
		watch: {active: false, intervalS: init.watchIntervalS ?? 2, round: 0, timeline: []},
		flowIndexing: undefined,

		applyEvent(event) {
			set(s => {
				const collection = reduceCollection(s.collection, event, now());
				let ui = s.ui;
				const addErr = (source: string, message: string): void => {
					errorId++;
					ui = {
						...ui,
						errors: [
							...ui.errors.slice(-ERROR_LIMIT + 1),
							{id: errorId, at: event.at, source, message},
						],
					};
				};
				if (event.type === 'node-failed')
					addErr(event.node, `${event.kind}: ${event.message} (kept ${event.captures} captures)`);
				if (event.type === 'capture-done' && event.capture.failure !== undefined)
					addErr(
						event.node ?? 'cloud',
						`${event.capture.argv.join(' ')}: ${event.capture.failure.kind} — ${event.capture.failure.message}`,
					);
				if (event.type === 'log' && event.level === 'error')
					addErr(event.node ?? 'session', event.message);
				return {collection, ui};
			});
		},
		setLoading(message) {
			set(s => ({collection: {...s.collection, status: 'loading', message}}));
		},
		setCollectionStatus(status, message) {
			set(s => {
				const next: {-readonly [K in keyof CollectionState]: CollectionState[K]} = {
					...s.collection,
					status,
				};
				if (message === undefined) delete next.message;
				else next.message = message;
				return {collection: next};
			});
		},
		setSource(source) {
			set({source});
		},
		setFlowIndexing(indexing) {
			set({flowIndexing: indexing});
		},
		setData(snapshot, diagnosis) {
			set(s => {
				// A loaded capture set brings its own command log; a live run already has one.
				const commands =
					s.collection.commands.length > 0
						? s.collection.commands
						: snapshot.manifest.captures.map(commandFromMeta);
				return {snapshot, diagnosis, collection: {...s.collection, commands}};
			});
		},
		pushView(view, filter = '') {
			set(s => {
				const top = s.ui.stack[s.ui.stack.length - 1];
				// Re-opening the view already on top is a no-op, not a stack entry.
				if (top !== undefined && JSON.stringify(top.view) === JSON.stringify(view) && filter === '')
					return {ui: {...s.ui, mode: 'normal', input: ''}};
				return {
					ui: {
						...s.ui,
						mode: 'normal',
						input: '',
						quitArmed: false,
						stack: [...s.ui.stack, {view, cursor: 0, filter}],
					},
				};
			});
		},
		replaceView(view) {
			set(s => ({
				ui: {...s.ui, stack: [...s.ui.stack.slice(0, -1), {view, cursor: 0, filter: ''}]},
			}));
		},
		openScreen(view, filter = '') {
			set(s => {
				const home = s.ui.stack[0] ?? {view: {kind: 'overview'} as const, cursor: 0, filter: ''};
				const stack =
					JSON.stringify(home.view) === JSON.stringify(view)
						? [{...home, filter}]
						: [
								{...home, filter: ''},
								{view, cursor: 0, filter},
							];
				return {ui: {...s.ui, mode: 'normal', input: '', quitArmed: false, stack}};
			});
		},
		popView() {
			set(s =>
				s.ui.stack.length <= 1
					? {ui: {...s.ui, quitArmed: false}}
					: {ui: {...s.ui, quitArmed: false, stack: s.ui.stack.slice(0, -1)}},
			);
		},
		moveCursor(delta, count) {
			const top = get().ui.stack.at(-1);
			if (top === undefined) return;
			const max = Math.max(0, count - 1);
			get().setCursor(Math.min(max, Math.max(0, top.cursor + delta)));
		},
		setCursor(cursor) {
			set(s => {
				const top = s.ui.stack.at(-1);
				if (top === undefined || top.cursor === cursor) return {};
				return {ui: {...s.ui, stack: [...s.ui.stack.slice(0, -1), {...top, cursor}]}};
			});
		},
		startInput(mode) {
			set(s => ({
				ui: {
					...s.ui,
					mode,
					input: mode === 'filter' ? (s.ui.stack.at(-1)?.filter ?? '') : '',
				},
			}));
		},
		editInput(text) {
			set(s => {
				const ui = {...s.ui, input: text};
				// Filters apply as you type (k9s): the view follows every keystroke.
				if (s.ui.mode === 'filter') {
					const top = s.ui.stack.at(-1);
					if (top !== undefined)
						return {
							ui: {...ui, stack: [...s.ui.stack.slice(0, -1), {...top, filter: text, cursor: 0}]},
						};
				}
				return {ui};
			});
		},
		commitInput() {
			const text = get().ui.input;
			set(s => ({ui: {...s.ui, mode: 'normal', input: ''}}));
			return text;
		},
		cancelInput() {
			set(s => {
				const top = s.ui.stack.at(-1);
				const stack =
					s.ui.mode === 'filter' && top !== undefined
						? [...s.ui.stack.slice(0, -1), {...top, filter: '', cursor: 0}]
						: s.ui.stack;
				return {ui: {...s.ui, mode: 'normal', input: '', stack}};
			});
		},
		setFilter(filter) {
			set(s => {
				const top = s.ui.stack.at(-1);
				if (top === undefined) return {};
				return {ui: {...s.ui, stack: [...s.ui.stack.slice(0, -1), {...top, filter, cursor: 0}]}};
			});
		},
		flash(level, text) {
			set(s => ({ui: {...s.ui, flash: {level, text, at: now()}}}));
			if (level === 'error') get().addError('console', text);
		},
		clearFlash() {
			set(s => {
				const ui: {-readonly [K in keyof AppState['ui']]: AppState['ui'][K]} = {...s.ui};
				delete ui.flash;
				return {ui};
			});
		},
		addError(source, message) {
			errorId++;
			const entry = {id: errorId, at: new Date(now()).toISOString(), source, message};
			set(s => ({ui: {...s.ui, errors: [...s.ui.errors.slice(-ERROR_LIMIT + 1), entry]}}));
		},
		dismissErrors() {
			set(s => ({ui: {...s.ui, errors: []}}));
		},
		armQuit(armed) {
			set(s => ({ui: {...s.ui, quitArmed: armed}}));
		},
		setWatch(active, intervalS) {
			set(s => ({watch: {...s.watch, active, intervalS: intervalS ?? s.watch.intervalS}}));
		},
		applyWatchRound(round, rows) {
			set(s => {
				const entries: TimelineEntry[] = rows.map(row => ({
					at: row.at,
					round: row.round,
					vip: row.vip ?? '',
					...(row.node === undefined ? {} : {node: row.node}),
					kind: row.kind,
					text: row.text,
					changed: row.changed,
					level: row.level,
					...(row.stale === true ? {stale: true} : {}),
					...(row.inferred === true ? {inferred: true} : {}),
					...(row.namespace === undefined ? {} : {namespace: row.namespace}),
				}));
				const all = [...s.watch.timeline, ...entries];
				const over = Math.max(0, all.length - TIMELINE_LIMIT);
				return {
					watch: {
						...s.watch,
						round: round.round,
						lastAt: new Date(now()).toISOString(),
						timeline: over > 0 ? all.slice(over) : all,
						last: round,
						dropped: (s.watch.dropped ?? 0) + over,
					},
				};
			});
		},
		appendTimeline(round, entries) {
			set(s => ({
				watch: {
					...s.watch,
					round,
					lastAt: new Date(now()).toISOString(),
					timeline: [...s.watch.timeline, ...entries].slice(-TIMELINE_LIMIT),
				},
			}));
		},
	}));
}
