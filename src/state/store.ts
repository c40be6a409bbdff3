import {createStore, type StoreApi} from 'zustand/vanilla';
import type {CaptureId, NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import type {Finding, RuleDocs, RuleOutcome} from '../diagnostics/types.js';
import type {Coverage, Verdict} from '../diagnostics/coverage.js';
import type {SessionEvent} from '../model/events.js';
import type {ProofStatus} from '../model/proof.js';
import {
	WATCH_TIMELINE_LIMIT,
	type WatchLevel,
	type WatchRound,
	type WatchRow,
	type WatchRowKind,
} from '../model/watch.js';
import {
	commandFromMeta,
	emptyCollection,
	reduceCollection,
	type CollectionState,
	type CollectionStatus,
} from './collection.js';

// The collection slice (progress grid, node progress, command log) lives in ./collection.ts.
export {CLOUD_ROW, cellKey, commandFromMeta, emptyCell, reduceCollection} from './collection.js';
export type {
	CellState,
	CollectionState,
	CollectionStatus,
	CommandLogEntry,
	NodeProgress,
	ProgressCell,
} from './collection.js';

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
	| {readonly kind: 'ovn'}
	/**
	 * The packet-path proof for a VIP, opened from a finding (its key) or from the VIP; `hop`: one
	 * hop's own view (its index), all its evidence lines.
	 */
	| {readonly kind: 'path'; readonly vip: string; readonly finding?: string; readonly hop?: number}
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
	/** The live session's packet-path proof rounds (src/session/prove-findings.ts), if any ran. */
	readonly proof: ProofStatus | undefined;

	// collection
	applyEvent(event: SessionEvent): void;
	setLoading(message: string): void;
	setCollectionStatus(status: CollectionStatus, message?: string): void;
	// data
	setSource(source: SourceInfo): void;
	setData(snapshot: Snapshot, diagnosis: DiagnosisView): void;
	setFlowIndexing(indexing: FlowIndexing | undefined): void;
	setProof(status: ProofStatus | undefined): void;
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

type SetState = AppStore['setState'];
type GetState = AppStore['getState'];
/** Numbers persistent errors; one counter for the session's and the console's. */
type ErrorIds = {next(): number};

/** Collection and data actions: session events, loading status, the loaded snapshot. */
function dataActions(
	set: SetState,
	now: () => number,
	errorIds: ErrorIds,
): Pick<
	AppState,
	| 'applyEvent'
	| 'setLoading'
	| 'setCollectionStatus'
	| 'setSource'
	| 'setFlowIndexing'
	| 'setData'
	| 'setProof'
> {
	return {
		applyEvent(event) {
			set(s => {
				const collection = reduceCollection(s.collection, event, now());
				let ui = s.ui;
				const addErr = (source: string, message: string): void => {
					ui = {
						...ui,
						errors: [
							...ui.errors.slice(-ERROR_LIMIT + 1),
							{id: errorIds.next(), at: event.at, source, message},
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
		setProof(status) {
			set({proof: status});
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
	};
}

/** The view stack: open, replace and leave views; each view's cursor. */
function navigationActions(
	set: SetState,
	get: GetState,
): Pick<
	AppState,
	'pushView' | 'replaceView' | 'openScreen' | 'popView' | 'moveCursor' | 'setCursor'
> {
	return {
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
	};
}

/** The filter and command line: typing, committing, cancelling; the top view's filter. */
function inputActions(
	set: SetState,
	get: GetState,
): Pick<AppState, 'startInput' | 'editInput' | 'commitInput' | 'cancelInput' | 'setFilter'> {
	return {
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
	};
}

/** The flash line, the persistent errors pane and the armed quit. */
function messageActions(
	set: SetState,
	get: GetState,
	now: () => number,
	errorIds: ErrorIds,
): Pick<AppState, 'flash' | 'clearFlash' | 'addError' | 'dismissErrors' | 'armQuit'> {
	return {
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
			const entry = {id: errorIds.next(), at: new Date(now()).toISOString(), source, message};
			set(s => ({ui: {...s.ui, errors: [...s.ui.errors.slice(-ERROR_LIMIT + 1), entry]}}));
		},
		dismissErrors() {
			set(s => ({ui: {...s.ui, errors: []}}));
		},
		armQuit(armed) {
			set(s => ({ui: {...s.ui, quitArmed: armed}}));
		},
	};
}

/** Watch mode and its timeline (bounded: the oldest rows drop, counted). */
function watchActions(
	set: SetState,
	now: () => number,
): Pick<AppState, 'setWatch' | 'applyWatchRound' | 'appendTimeline'> {
	return {
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
	};
}

/** Create the per-run store. Actions are synchronous state transitions only; I/O lives in the controller. */
export function createAppStore(init: AppInit = {}): AppStore {
	const now = init.now ?? Date.now;
	let errorId = 0;
	const errorIds: ErrorIds = {next: () => ++errorId};
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
		proof: undefined,
		...dataActions(set, now, errorIds),
		...navigationActions(set, get),
		...inputActions(set, get),
		...messageActions(set, get, now, errorIds),
		...watchActions(set, now),
	}));
}
