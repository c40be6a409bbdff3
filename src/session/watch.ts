/**
 * The watch engine: the same pipeline as every collection, run in rounds. The first round is a
 * full collection whose connections stay open; the next rounds are probes (one `watch.probe`
 * execution per node: only what moves during a failover) merged into the last full set; a full
 * collection again every N rounds and on request. Every round is diagnosed through the same rules
 * (`analyze`) and diffed against the previous one into timeline rows. Rounds never overlap; the
 * timeline is bounded. The console and `dvrscope watch` only render its events.
 */
import type {CaptureSet} from '../model/capture.js';
import type {NodeId} from '../model/ids.js';
import type {SessionEventListener} from '../model/events.js';
import type {Snapshot} from '../model/snapshot.js';
import {
	WATCH_TIMELINE_LIMIT,
	type WatchEvent,
	type WatchRound,
	type WatchRow,
} from '../model/watch.js';
import type {CommandResult, CommandSpec, Transport, TransportFailure} from '../transport/types.js';
import {analyze as analyzeSet, type Report} from '../diagnostics/analyze.js';
import {verdictHeadline} from '../diagnostics/coverage.js';
import {collect, settleWithin, type CollectNode, type CollectOptions} from './collect.js';
import {diffRound, observe, type Observations} from './watch-observe.js';
import {probeNamespaces, probeRound} from './watch-probe.js';
import {nodeExec} from './collect.js';
import {ProofKeeper, proofVips, proveTargets, type ProofPlan} from './prove-findings.js';
import type {ProofStatus} from '../model/proof.js';

export type WatchEngineOptions = {
	/** The collection (nodes, cloud, target) as `prepareLiveCollection` makes it. */
	readonly collect: CollectOptions;
	/** Time from one round's start to the next's (a slow round is followed at once). */
	readonly intervalMs: number;
	/** A full collection every this many rounds (default 30). */
	readonly fullEvery?: number;
	/** Timeline rows kept (default {@link WATCH_TIMELINE_LIMIT}). */
	readonly timelineLimit?: number;
	/** Progress of full collections (the console's collection log). */
	readonly onCollectEvent?: SessionEventListener;
	/** Capture set → snapshot and diagnosis (default: diagnostics `analyze`). */
	readonly analyze?: (set: CaptureSet) => Pick<Report, 'snapshot' | 'diagnosis'>;
	/**
	 * Prove the stale-entry findings' packet paths (the live console): after a round whose
	 * findings' evidence changed, the proof rounds on the engine's connections
	 * (src/session/prove-findings.ts); `onProof` hears `proving` and `done`, and `last` then holds
	 * the proven set. While the evidence stays the same the proof's reads are carried into each
	 * round's set (no trace every round).
	 */
	readonly prove?: {readonly onProof?: (status: ProofStatus) => void};
};

/** The last round's data, for a console that shows it on its other screens. */
export type WatchData = {
	readonly set: CaptureSet;
	readonly snapshot: Snapshot;
	readonly diagnosis: Report['diagnosis'];
	readonly round: WatchRound;
};

type Counters = {execs: number; bytes: number};

/** Wraps a node's transport: counts executions and bytes; `connect` passes through. */
function counting(transport: Transport, counters: Counters): Transport {
	const connectable = transport as Transport & {
		connect?: (signal: AbortSignal) => Promise<TransportFailure | undefined>;
	};
	return {
		id: transport.id,
		kind: transport.kind,
		async exec(spec: CommandSpec, options: {readonly signal: AbortSignal}): Promise<CommandResult> {
			counters.execs++;
			const result = await transport.exec(spec, options);
			counters.bytes += Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
			return result;
		},
		close: async () => transport.close(),
		...(connectable.connect === undefined
			? {}
			: {connect: async (signal: AbortSignal) => connectable.connect?.call(transport, signal)}),
	};
}

const NODE_DOWN = new Set([
	'unreachable',
	'auth',
	'refused',
	'timeout',
	'cancelled',
	'spawn',
	'hostkey',
]);

export class WatchEngine {
	private readonly options: WatchEngineOptions;
	private readonly nodes: readonly CollectNode[];
	private readonly counters: Counters = {execs: 0, bytes: 0};
	private readonly listeners = new Set<(event: WatchEvent) => void>();
	private readonly rows: WatchRow[] = [];
	private readonly holderSince = new Map<string, {readonly mac: string; readonly at: string}>();
	private droppedRows = 0;
	private roundNo = 0;
	private fullWanted = true;
	private full: CaptureSet | undefined;
	private namespaces = new Map<NodeId, string[]>();
	private prev: Observations | undefined;
	private lastData: WatchData | undefined;
	private readonly controller = new AbortController();
	private readonly proofs = new ProofKeeper();
	private wake: (() => void) | undefined;
	private running: Promise<void> | undefined;

	constructor(options: WatchEngineOptions) {
		this.options = options;
		this.nodes = options.collect.nodes.map(node => ({
			...node,
			transport: counting(node.transport, this.counters),
		}));
	}

	/** Listen to rounds and errors; returns the unsubscribe function. */
	subscribe(listener: (event: WatchEvent) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** The timeline so far (bounded) and how many rows were dropped from its front. */
	get timeline(): {readonly rows: readonly WatchRow[]; readonly dropped: number} {
		return {rows: this.rows, dropped: this.droppedRows};
	}

	get last(): WatchData | undefined {
		return this.lastData;
	}

	/** Executions and bytes so far (every round). */
	get cost(): Readonly<Counters> {
		return {...this.counters};
	}

	get stopped(): boolean {
		return this.controller.signal.aborted;
	}

	/** Make the next round a full collection, and start it now if the engine is waiting. */
	requestFull(): void {
		this.fullWanted = true;
		this.wake?.();
	}

	/** Start the rounds (once); resolves when stopped. */
	start(): Promise<void> {
		this.running ??= this.loop();
		return this.running;
	}

	/** Stop: the round under way is cancelled, every connection closed. Resolves when done. */
	async stop(): Promise<void> {
		this.controller.abort();
		this.wake?.();
		await this.running;
	}

	private emit(event: WatchEvent): void {
		for (const listener of [...this.listeners]) {
			try {
				listener(event);
			} catch {
				// A listener's bug must not stop the watch.
			}
		}
	}

	private async loop(): Promise<void> {
		// a call, not a property: the round in between can stop the engine
		const stopped = (): boolean => this.controller.signal.aborted;
		try {
			while (!stopped()) {
				const started = Date.now();
				try {
					await this.round();
				} catch (error) {
					if (stopped()) break;
					this.emit({
						type: 'error',
						at: new Date().toISOString(),
						message: error instanceof Error ? error.message : String(error),
					});
				}
				const wait = started + this.options.intervalMs - Date.now();
				if (wait > 0 && !stopped() && !this.fullWanted) await this.sleep(wait);
			}
		} finally {
			await settleWithin(
				Promise.all(
					[
						...this.nodes.map(n => n.transport),
						...(this.options.collect.cloud ? [this.options.collect.cloud] : []),
					].map(async t => t.close().catch(() => undefined)),
				),
				2000,
			);
		}
	}

	private async sleep(ms: number): Promise<void> {
		await new Promise<void>(resolve => {
			const timer = setTimeout(done, ms);
			function done(): void {
				clearTimeout(timer);
				resolve();
			}
			this.wake = done;
		});
		this.wake = undefined;
	}

	/**
	 * One round on a signal of its own, linked to the engine's for the round only: the listeners
	 * a round adds go with it (nothing accumulates over thousands of rounds).
	 */
	private async round(): Promise<void> {
		const outer = this.controller.signal;
		const controller = new AbortController();
		const onStop = (): void => {
			controller.abort();
		};
		outer.addEventListener('abort', onStop, {once: true});
		try {
			await this.roundOn(controller.signal);
		} finally {
			outer.removeEventListener('abort', onStop);
		}
	}

	/** One round: full or probe, then analyse, observe, diff; emits the round. */
	private async roundOn(signal: AbortSignal): Promise<void> {
		const round = this.roundNo;
		const every = Math.max(1, this.options.fullEvery ?? 30);
		const kind =
			this.full === undefined || this.fullWanted || round % every === 0 ? 'full' : 'probe';
		const before = {...this.counters};
		const started = Date.now();
		const startedAt = new Date(started).toISOString();
		let set: CaptureSet;
		let readAt: ReadonlyMap<NodeId, string>;
		let unread: ReadonlyMap<NodeId, string>;
		if (kind === 'full') {
			this.fullWanted = false;
			set = await collect(
				{...this.options.collect, nodes: this.nodes, keepOpen: true},
				this.options.onCollectEvent ?? (() => undefined),
				signal,
			);
			({readAt, unread} = fullReadTimes(set));
		} else {
			const full = this.full;
			if (full === undefined) throw new Error('watch: probe round before a full collection');
			({set, readAt, unread} = await probeRound(
				full,
				this.nodes,
				this.namespaces,
				this.options.collect,
				signal,
			));
		}
		if (signal.aborted) return;
		const analyze = this.options.analyze ?? analyzeSet;
		const shown = this.withProof(set, kind, analyze);
		const {snapshot, diagnosis} = shown;
		if (kind === 'full') {
			// without the proof's reads: probe rounds merge into it, and the reads are carried anew
			this.full = set;
			this.namespaces = probeNamespaces(snapshot);
		}
		set = shown.set;
		const headline = verdictHeadline(diagnosis.verdict, diagnosis.coverage, diagnosis.summary);
		const obs = observe(snapshot, {...diagnosis, headline}, unread);
		const roundAt = [...readAt.values()].sort().at(-1) ?? startedAt;
		const rows = diffRound(this.prev, obs, {
			round,
			roundAt,
			readAt: node => (node === undefined ? undefined : readAt.get(node)) ?? roundAt,
			holderSince: this.holderSince,
		});
		this.prev = obs;
		this.append(rows);
		// A probe hint — a holder or a VIP entry changed — makes the next round a full collection:
		// it re-reads the API's ports (which port carries the VIP now) and the flows (the ARP counters
		// that show the live holder), which probe rounds do not read.
		if (kind === 'probe' && rows.some(row => row.kind === 'holder' || row.kind === 'entry'))
			this.fullWanted = true;
		const summary: WatchRound = {
			round,
			kind,
			startedAt,
			durationMs: Date.now() - started,
			execs: this.counters.execs - before.execs,
			bytes: this.counters.bytes - before.bytes,
			verdict: diagnosis.verdict,
			critical: diagnosis.summary.critical,
			warning: diagnosis.summary.warning,
			headline,
			readAt: Object.fromEntries(readAt),
			unread: [...unread].map(([node, reason]) => ({node, reason})),
			dropped: this.droppedRows,
		};
		this.lastData = {set, snapshot, diagnosis, round: summary};
		this.roundNo++;
		this.emit({type: 'round', round: summary, rows});
		if (shown.plan.kind === 'prove') await this.prove(shown.plan, set, summary, signal);
	}

	/**
	 * The round's set and analysis as shown: with the kept proof's reads while the findings'
	 * evidence is the same, without them when it changed (then `plan` says to prove again).
	 */
	private withProof(
		set: CaptureSet,
		kind: 'full' | 'probe',
		analyze: NonNullable<WatchEngineOptions['analyze']>,
	): Pick<WatchData, 'set' | 'snapshot' | 'diagnosis'> & {plan: ProofPlan} {
		if (this.options.prove === undefined) return {set, ...analyze(set), plan: {kind: 'none'}};
		const carried = this.proofs.carry(set);
		const report = analyze(carried);
		const plan = this.proofs.plan(report, kind === 'full');
		if (plan.kind === 'keep' || carried === set) return {set: carried, ...report, plan};
		// the kept reads were about other evidence: shown without them until proven again
		const bare = this.proofs.carry(set);
		return {set: bare, ...analyze(bare), plan};
	}

	/** The proof rounds of a round whose evidence changed, on the engine's connections. */
	private async prove(
		plan: Extract<ProofPlan, {kind: 'prove'}>,
		set: CaptureSet,
		round: WatchRound,
		signal: AbortSignal,
	): Promise<void> {
		const onProof = this.options.prove?.onProof ?? (() => undefined);
		const vips = proofVips(plan.targets);
		const base = {vips, proofs: plan.targets.length, round: round.round, reason: plan.reason};
		onProof({...base, state: 'proving', at: new Date().toISOString()});
		try {
			const exec = nodeExec(this.nodes, this.options.collect.commandTimeoutMs, signal);
			const run = await proveTargets(set, plan.targets, exec, this.options.onCollectEvent);
			if (signal.aborted) return;
			const analyze = this.options.analyze ?? analyzeSet;
			this.proofs.keep(plan.targets, run, round.round);
			this.lastData = {...analyze(run.set), set: run.set, round};
			onProof({
				...base,
				state: 'done',
				at: new Date().toISOString(),
				rounds: run.rounds,
				execs: run.execs,
			});
		} catch (error) {
			onProof({
				...base,
				state: 'failed',
				at: new Date().toISOString(),
				message: error instanceof Error ? error.message : String(error),
			});
		}
	}

	private append(rows: readonly WatchRow[]): void {
		const limit = Math.max(1, this.options.timelineLimit ?? WATCH_TIMELINE_LIMIT);
		this.rows.push(...rows);
		const over = this.rows.length - limit;
		if (over > 0) {
			this.rows.splice(0, over);
			this.droppedRows += over;
		}
	}
}

/** A full collection's read time per node (its neighbour read) and the nodes it could not read. */
function fullReadTimes(set: CaptureSet): {
	readAt: Map<NodeId, string>;
	unread: Map<NodeId, string>;
} {
	const readAt = new Map<NodeId, string>();
	const unread = new Map<NodeId, string>();
	for (const c of set.captures) {
		if (c.node === undefined || c.failure !== undefined) continue;
		const prefer = c.kind === 'ip-neigh';
		const had = readAt.get(c.node);
		if (had === undefined || (prefer && c.startedAt > had)) readAt.set(c.node, c.startedAt);
	}
	for (const p of set.manifest.problems ?? [])
		if (p.node !== undefined && NODE_DOWN.has(p.kind) && !unread.has(p.node))
			if (!readAt.has(p.node) || p.kind !== 'timeout')
				unread.set(p.node, `${p.kind}: ${p.message}`);
	for (const n of set.manifest.nodes)
		if (!readAt.has(n.id) && !unread.has(n.id)) unread.set(n.id, 'nothing could be read');
	return {readAt, unread};
}
