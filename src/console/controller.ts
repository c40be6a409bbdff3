import type {CaptureSet} from '../model/capture.js';
import type {Snapshot} from '../model/snapshot.js';
import type {AppState, AppStore, DiagnosisView} from '../state/store.js';
import type {SessionEventListener} from '../model/events.js';
import type {ProofStatus} from '../model/proof.js';
import type {WatchEvent, WatchRound} from '../model/watch.js';
import {diffObservations, observeVips, type VipObservations} from '../state/timeline.js';
import {flowIndexProgress, hasFlowIndex, warmFlowIndex} from '../state/flow-index.js';

/** Turns a capture set into what the console shows (diagnostics `analyze`, loaded by the cli). */
export type Analyze = (set: CaptureSet) => AnalyzeResult | Promise<AnalyzeResult>;
export type AnalyzeResult = {readonly snapshot: Snapshot; readonly diagnosis: DiagnosisView};

/** The watch engine as the console drives it (src/session/watch.ts `WatchEngine`). */
export type WatchSource = {
	subscribe(listener: (event: WatchEvent) => void): () => void;
	start(): Promise<void>;
	stop(): Promise<void>;
	requestFull(): void;
	readonly last: {readonly set: CaptureSet; readonly round: WatchRound} | undefined;
};

export type ControllerDeps = {
	readonly store: AppStore;
	readonly analyze: Analyze;
	/** Saved data: read the capture set (or bundle) from disk again. */
	readonly load?: () => Promise<CaptureSet>;
	/**
	 * Live data: run a collection, reporting progress through `onEvent`. A live session proves its
	 * stale-entry findings after the collection (src/session/prove-findings.ts): it hands the
	 * collected set to `onCollected` first (the verdict shows at once), reports the proof rounds
	 * through `onProof`, and resolves to the set with the trace reads.
	 */
	readonly collect?: (options: {
		readonly signal: AbortSignal;
		readonly onEvent: SessionEventListener;
		readonly onCollected?: (set: CaptureSet) => void;
		readonly onProof?: (status: ProofStatus) => void;
	}) => Promise<CaptureSet>;
	/**
	 * Live data: a watch engine over the same sources (probe rounds, a full collection every N
	 * rounds), made when `w` starts watch; full collections report through `onEvent`.
	 */
	readonly watch?: (options: {
		readonly intervalMs: number;
		readonly onEvent: SessionEventListener;
		/** The engine's proof rounds (when its findings' evidence changes); `done`: `last` is proven. */
		readonly onProof?: (status: ProofStatus) => void;
	}) => Promise<WatchSource>;
	/**
	 * Write a bundle of a capture set; resolves to the path written. `watchTimeline`: the watch
	 * timeline as NDJSON, written into the bundle (through the redactor) when there is one.
	 */
	readonly exportBundle?: (
		set: CaptureSet,
		extra?: {readonly watchTimeline?: string},
	) => Promise<string>;
	/** Timers (tests pass fakes through vi.useFakeTimers instead). */
	readonly setTimer?: (fn: () => void, ms: number) => unknown;
	readonly clearTimer?: (handle: unknown) => void;
};

/**
 * The console's I/O: load or collect, cancel, re-collect, watch, export. The UI reaches it only
 * through `SessionActions` in context; it writes results and every failure into the store.
 */
export class SessionController {
	private readonly deps: ControllerDeps;
	private abort: AbortController | undefined;
	private busy = false;
	private set: CaptureSet | undefined;
	private watchTimer: unknown;
	private lastObs: VipObservations | undefined;
	private round = 0;
	private disposed = false;
	private engine: WatchSource | undefined;
	/** Bumped on every start/stop of live watch, so a stale engine start is dropped. */
	private engineGeneration = 0;
	/** Bumped on every data shown, so an older analysis landing late is dropped. */
	private dataSeq = 0;
	/** A live collection's set before its proof rounds, and its status then. */
	private collected:
		{readonly set: CaptureSet; readonly status: AppState['collection']} | undefined;

	constructor(deps: ControllerDeps) {
		this.deps = deps;
	}

	private get store() {
		return this.deps.store.getState();
	}

	/** True when this run can collect live (watch then re-collects). */
	get isLive(): boolean {
		return this.deps.collect !== undefined;
	}

	isBusy = (): boolean => this.busy;

	/** First load or collection. Resolves when the data is in the store (or the failure is). */
	start = async (): Promise<void> => {
		if (this.busy) return;
		this.busy = true;
		try {
			this.takeCollected();
			const set =
				this.deps.collect === undefined ? await this.loadSaved() : await this.collectLive();
			if (set === undefined) return;
			// the collection's own end status, from before the proof rounds changed the message; its
			// verdict is on screen already (no "analysing…" in between)
			const before = this.takeCollected();
			await this.show(set, before?.status ?? this.deps.store.getState().collection, {
				quiet: before !== undefined,
			});
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			this.store.addError(this.isLive ? 'collection' : 'load', message);
			this.store.setCollectionStatus('failed', message);
		} finally {
			this.busy = false;
			this.abort = undefined;
		}
	};

	/** The collection's set before its proof rounds (and its status then), cleared. */
	private takeCollected(): typeof this.collected {
		const collected = this.collected;
		this.collected = undefined;
		return collected;
	}

	/**
	 * Analyse a set and put it in the store with the collection's status. `proving`: the set is
	 * the collection before the proof rounds of that many findings (they run on; the final set
	 * follows); `quiet`: data is on screen already, no "analysing…" meanwhile.
	 */
	private async show(
		set: CaptureSet,
		prior: AppState['collection'],
		{proving, quiet = false}: {readonly proving?: number; readonly quiet?: boolean} = {},
	): Promise<void> {
		const seq = ++this.dataSeq;
		this.set = set;
		if (proving === undefined && !quiet) this.store.setLoading('analysing…');
		const {snapshot, diagnosis} = await this.deps.analyze(set);
		if (seq !== this.dataSeq || this.disposed) return;
		// Indexing is said before the data lands, so a Flows screen on top (a watch round, a
		// reload) shows how far it has got instead of indexing the new flows in one block.
		this.warmFlowIndex(snapshot);
		this.store.setData(snapshot, diagnosis);
		const summary = `${set.captures.length} captures from ${set.manifest.nodes.length} node(s) analysed`;
		if (prior.status === 'cancelled')
			this.store.setCollectionStatus(
				'cancelled',
				`cancelled — showing the partial results${prior.message === undefined ? '' : ` (${prior.message})`}`,
			);
		else if (proving !== undefined)
			this.store.setCollectionStatus(
				'done',
				`${summary}; proving the packet path of ${proving} finding(s) (read-only trace rounds)…`,
			);
		else
			this.store.setCollectionStatus(
				'done',
				this.isLive && prior.message !== undefined ? prior.message : summary,
			);
	}

	/**
	 * Index the flows in idle time, a few milliseconds at a time between frames and keys, once
	 * the verdict is on screen: Flows then opens at once on 200,000 flows instead of after the
	 * ~1 s the index takes, and shows how far the index has got when opened sooner (keys keep
	 * working meanwhile). Stops when the data is replaced or the console closes.
	 */
	private warmFlowIndex(snapshot: Snapshot): void {
		const setTimer = this.deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
		// setData follows this call: by the first step, the store holds `snapshot`.
		const current = (): boolean =>
			!this.disposed && this.deps.store.getState().snapshot === snapshot;
		const report = (): void => {
			const {rows, total} = flowIndexProgress(snapshot);
			this.store.setFlowIndexing({snapshot, rows, total});
		};
		let reported = 0;
		const step = (): void => {
			if (!current()) return;
			let done: boolean;
			try {
				done = warmFlowIndex(snapshot, 8);
			} catch {
				// Idle work must not take the console down; Flows reports the failure when opened.
				this.store.setFlowIndexing(undefined);
				return;
			}
			if (done) {
				this.store.setFlowIndexing(undefined);
				return;
			}
			// Progress for a Flows screen opened early, a few times a second (not every slice).
			if (Date.now() - reported >= 150) {
				reported = Date.now();
				report();
			}
			setTimer(step, 0);
		};
		if (hasFlowIndex(snapshot)) return;
		report();
		// Soon after the verdict's frame (Ink draws at most every 8 ms), so that a Flows screen
		// opened at once finds the first rows, not the whole prologue, still to do.
		setTimer(step, 20);
	}

	private async loadSaved(): Promise<CaptureSet | undefined> {
		if (this.deps.load === undefined)
			throw new Error('nothing to load: no capture set and no live targets');
		this.store.setLoading('reading capture set…');
		return this.deps.load();
	}

	private async collectLive(): Promise<CaptureSet | undefined> {
		const collect = this.deps.collect;
		if (collect === undefined) return undefined;
		this.abort = new AbortController();
		this.store.setCollectionStatus('collecting', 'starting…');
		this.store.setProof(undefined);
		return collect({
			signal: this.abort.signal,
			onEvent: event => {
				this.deps.store.getState().applyEvent(event);
			},
			onCollected: set => {
				this.collected = {set, status: this.deps.store.getState().collection};
			},
			onProof: status => {
				this.store.setProof(status);
				// the verdict first, while the proof rounds run
				const collected = this.collected;
				if (status.state === 'proving' && collected !== undefined)
					void this.show(collected.set, collected.status, {proving: status.proofs});
			},
		});
	}

	cancel = (): boolean => {
		if (this.engine !== undefined || (this.deps.watch !== undefined && this.store.watch.active)) {
			this.stopWatch();
			this.store.flash('info', 'Watch stopped (Ctrl-C).');
			return true;
		}
		if (!this.busy || this.abort === undefined) return false;
		this.store.setCollectionStatus(
			'cancelling',
			'cancelling — closing connections, keeping partial results',
		);
		this.abort.abort();
		return true;
	};

	recollect = (): void => {
		if (this.engine !== undefined) {
			this.engine.requestFull();
			this.store.flash('info', 'Watch: a full collection now, then probe rounds again.');
			return;
		}
		if (this.busy) {
			this.store.flash('info', 'Already running — Ctrl-C cancels it.');
			return;
		}
		this.store.flash(
			'info',
			this.isLive ? 'Re-collecting…' : 'Reloading the capture set from disk…',
		);
		void this.start();
	};

	toggleWatch = (): void => {
		const watch = this.deps.store.getState().watch;
		if (watch.active) {
			this.stopWatch();
			this.store.flash('info', 'Watch stopped.');
			return;
		}
		this.store.setWatch(true);
		if (this.deps.watch !== undefined) {
			void this.startEngine(watch.intervalS);
			return;
		}
		this.store.flash(
			'info',
			this.isLive
				? `Watching: re-collecting every ${watch.intervalS}s — :watch shows the timeline.`
				: `Watching saved data: re-reading it every ${watch.intervalS}s (live mode re-collects) — :watch shows the timeline.`,
		);
		this.store.pushView({kind: 'watch'});
		void this.watchRound();
	};

	/** One watch round: (re)collect, then append what changed per VIP to the timeline. */
	watchRound = async (): Promise<void> => {
		if (this.disposed || !this.deps.store.getState().watch.active) return;
		if (this.lastObs === undefined) {
			const s = this.deps.store.getState();
			if (s.snapshot !== undefined) {
				this.lastObs = observeVips(s.snapshot, s.diagnosis?.findings ?? []);
				this.round = 0;
				this.store.appendTimeline(
					0,
					diffObservations(undefined, this.lastObs, 0, new Date().toISOString()),
				);
			}
		}
		await this.start();
		const s = this.deps.store.getState();
		if (s.snapshot !== undefined && s.watch.active) {
			this.round++;
			const obs = observeVips(s.snapshot, s.diagnosis?.findings ?? []);
			this.store.appendTimeline(
				this.round,
				diffObservations(this.lastObs, obs, this.round, new Date().toISOString()),
			);
			this.lastObs = obs;
		}
		if (this.isStopped()) return;
		const setTimer = this.deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
		this.watchTimer = setTimer(() => {
			void this.watchRound();
		}, s.watch.intervalS * 1000);
	};

	/**
	 * Live watch: the session's engine runs the rounds; the console renders its events (the
	 * timeline rows, the round's verdict and cost) and, when something changed, the new data on
	 * every other screen.
	 */
	private async startEngine(intervalS: number): Promise<void> {
		const make = this.deps.watch;
		if (make === undefined) return;
		const generation = ++this.engineGeneration;
		this.store.flash(
			'info',
			`Watching every ${intervalS}s: probe rounds read only what moves, a full collection every 30 rounds and on r — Ctrl-C or w stops.`,
		);
		this.store.pushView({kind: 'watch'});
		let engine: WatchSource;
		try {
			engine = await make({
				intervalMs: intervalS * 1000,
				onEvent: event => {
					this.deps.store.getState().applyEvent(event);
				},
				onProof: status => {
					this.store.setProof(status);
					if (status.state === 'done' && this.engine !== undefined)
						void this.showWatchData(this.engine);
				},
			});
		} catch (error) {
			this.store.addError('watch', error instanceof Error ? error.message : String(error));
			this.store.setWatch(false);
			return;
		}
		if (generation !== this.engineGeneration || this.disposed) {
			await engine.stop();
			return;
		}
		this.engine = engine;
		engine.subscribe(event => {
			if (event.type === 'error') {
				this.store.addError('watch', event.message);
				return;
			}
			this.store.applyWatchRound(event.round, event.rows);
			if (event.round.kind === 'full' || event.rows.some(row => row.changed))
				void this.showWatchData(engine);
		});
		engine.start().then(
			() => undefined,
			(error: unknown) => {
				this.store.addError('watch', error instanceof Error ? error.message : String(error));
			},
		);
	}

	/** The engine's last round on every screen (analysed for the console: rule docs, headline). */
	private async showWatchData(engine: WatchSource): Promise<void> {
		const last = engine.last;
		if (last === undefined || this.engine !== engine) return;
		const seq = ++this.dataSeq;
		this.set = last.set;
		const {snapshot, diagnosis} = await this.deps.analyze(last.set);
		if (this.engine !== engine || seq !== this.dataSeq) return;
		this.warmFlowIndex(snapshot);
		this.store.setData(snapshot, diagnosis);
		this.store.setCollectionStatus(
			'done',
			`watch round ${last.round.round} (${last.round.kind}): ${last.set.captures.length} captures`,
		);
	}

	private isStopped(): boolean {
		return this.disposed || !this.deps.store.getState().watch.active;
	}

	stopWatch(): void {
		this.store.setWatch(false);
		this.engineGeneration++;
		if (this.engine !== undefined) {
			const engine = this.engine;
			this.engine = undefined;
			void engine.stop();
		}
		if (this.watchTimer !== undefined) {
			const clear =
				this.deps.clearTimer ??
				((h: unknown) => {
					clearTimeout(h as NodeJS.Timeout);
				});
			clear(this.watchTimer);
			this.watchTimer = undefined;
		}
	}

	exportBundle = (): void => {
		const exporter = this.deps.exportBundle;
		if (exporter === undefined) {
			this.store.flash(
				'warning',
				'Bundle export is not available in this build (src/bundle has no writer wired).',
			);
			return;
		}
		if (this.set === undefined) {
			this.store.flash('warning', 'Nothing loaded yet to export.');
			return;
		}
		this.store.flash('info', 'Writing bundle…');
		const timeline = this.deps.store.getState().watch.timeline;
		exporter(
			this.set,
			timeline.length === 0
				? undefined
				: {watchTimeline: timeline.map(row => `${JSON.stringify(row)}\n`).join('')},
		).then(
			path => {
				this.store.flash('info', `Bundle written: ${path}`);
			},
			(error: unknown) => {
				this.store.addError('export', error instanceof Error ? error.message : String(error));
			},
		);
	};

	dispose = (): void => {
		this.disposed = true;
		this.stopWatch();
		this.abort?.abort();
	};
}
