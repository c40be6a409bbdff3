/**
 * The packet-path proofs of a live session's findings (issue 22): after a collection whose
 * verdict has stale router-entry findings, the rounds of their proofs (src/session/trace-rounds.ts)
 * on the collection's open connections — at most {@link PROOF_ROUNDS} rounds, one execution per
 * node per round (per pod through kubectl), every finding's reads batched together. The trace
 * reads go into the capture set, so the diagnosis attaches each proof to its finding (Finding.path)
 * and a saved set or bundle replays it. Live `dvrscope diagnose` and the live console run this;
 * under watch, {@link ProofKeeper} re-proves only when a finding's evidence changes.
 */
import type {Capture, CaptureSet} from '../model/capture.js';
import type {SessionEventListener} from '../model/events.js';
import type {NodeId} from '../model/ids.js';
import type {ProofStatus} from '../model/proof.js';
import {analyze, type Report} from '../diagnostics/analyze.js';
import {proofPair} from '../diagnostics/index.js';
import {collect} from './collect.js';
import {now, stripBodies, type CollectOptions} from './collect-session.js';
import {proveAllWithRounds, type NodeExec} from './trace-rounds.js';

/** Proof rounds after a collection: at most this many executions per node more (per pod: kubectl). */
export const PROOF_ROUNDS = 2;

/** One proof to run: a client behind a stale entry, the VIP, and what the proof rests on. */
export type ProofTarget = {
	readonly from: string;
	readonly to: string;
	/** The finding's evidence in words (stale MAC, nodes, holder): when it changes, re-prove. */
	readonly evidence: string;
};

/** The proofs a diagnosis asks for: one per client → VIP pair of its stale-entry findings. */
export function proofTargets(report: Pick<Report, 'snapshot' | 'diagnosis'>): ProofTarget[] {
	const targets = new Map<string, ProofTarget>();
	for (const finding of report.diagnosis.findings) {
		const pair = proofPair(report.snapshot, finding);
		if (pair === undefined) continue;
		const id = `${pair.from} → ${pair.to}`;
		// ml2/ovn findings carry no staleMac/ownerMac: their data (port, port_security, MAC_Binding,
		// virtual parent, holder) is what the proof rests on
		const words = finding.ruleId.startsWith('ovn/')
			? `${finding.ruleId} on ${finding.nodes.join(', ')}: ${JSON.stringify(finding.data)}`
			: `stale entry ${String(finding.data['staleMac'] ?? '?')} on ${finding.nodes.join(', ')}, holder ${String(finding.data['ownerMac'] ?? '?')}`;
		const had = targets.get(id);
		targets.set(id, {...pair, evidence: had === undefined ? words : `${had.evidence}; ${words}`});
	}
	return [...targets.values()].sort((a, b) =>
		`${a.to} ${a.from}`.localeCompare(`${b.to} ${b.from}`, 'en', {numeric: true}),
	);
}

/** The targets as one comparable key. */
const keyOf = (targets: readonly ProofTarget[]): string =>
	targets.map(t => `${t.from} → ${t.to}: ${t.evidence}`).join('\n');

export type ProofRun = {
	readonly set: CaptureSet;
	/** The trace reads the rounds added (also in `set`). */
	readonly added: readonly Capture[];
	readonly rounds: number;
	readonly execs: Readonly<Record<NodeId, number>>;
};

/**
 * Run the proof rounds of `targets` on `set` through `exec` (the session's open connections);
 * each read is filed as a capture and reported as a `capture-done` event (the command log).
 * A read that fails is filed with its failure: its hop stays unread and names the command.
 */
export async function proveTargets(
	set: CaptureSet,
	targets: readonly ProofTarget[],
	exec: NodeExec,
	onEvent?: SessionEventListener,
	maxRounds = PROOF_ROUNDS,
): Promise<ProofRun> {
	if (targets.length === 0) return {set, added: [], rounds: 0, execs: {}};
	const r = await proveAllWithRounds(
		set,
		targets.map(t => ({from: t.from, to: t.to})),
		exec,
		maxRounds,
	);
	const known = new Set(set.captures.map(c => c.id));
	const added = r.set.captures.filter(c => !known.has(c.id));
	for (const capture of added)
		try {
			onEvent?.({
				type: 'capture-done',
				at: now(),
				...(capture.node === undefined ? {} : {node: capture.node}),
				captureId: capture.id,
				capture: stripBodies(capture),
			});
		} catch {
			// a listener's bug must not stop the proof
		}
	return {set: r.set, added, rounds: r.rounds, execs: r.execs};
}

/** The VIPs of some targets, each once. */
const vipsOf = (targets: readonly ProofTarget[]): string[] => [...new Set(targets.map(t => t.to))];

/** What the live console's collection reports around its proof rounds. */
export type ProofHooks = {
	/** The collection is in, before the proof rounds: show its verdict now. */
	readonly onCollected?: (set: CaptureSet) => void;
	readonly onProof?: (status: ProofStatus) => void;
	readonly onEvent?: SessionEventListener;
};

/**
 * The `after` step of a live collection (LiveCollectOptions.after) that proves its findings: the
 * collected set goes to `onCollected` at once, then `proving`, the rounds, and `done` (or
 * `failed`) through `onProof`. Resolves to the set with the trace reads.
 */
export function proveAfterCollection(
	hooks: ProofHooks = {},
): (set: CaptureSet, exec: NodeExec, signal: AbortSignal) => Promise<CaptureSet> {
	return async (collected, exec) => {
		hooks.onCollected?.(collected);
		const targets = proofTargets(analyze(collected));
		if (targets.length === 0) return collected;
		const reason = 'after the collection';
		const vips = vipsOf(targets);
		const proofs = targets.length;
		hooks.onProof?.({state: 'proving', vips, proofs, at: now(), reason});
		try {
			const run = await proveTargets(collected, targets, exec, hooks.onEvent);
			hooks.onProof?.({
				state: 'done',
				vips,
				proofs,
				at: now(),
				reason,
				rounds: run.rounds,
				execs: run.execs,
			});
			return run.set;
		} catch (error) {
			hooks.onProof?.({
				state: 'failed',
				vips,
				proofs,
				at: now(),
				reason,
				message: error instanceof Error ? error.message : String(error),
			});
			return collected;
		}
	};
}

/**
 * The live console's collection: the collection, then — on its still open connections — the
 * proof rounds of its stale-entry findings (see {@link proveAfterCollection}).
 */
export async function collectAndProve(
	options: CollectOptions,
	hooks: ProofHooks & {readonly onEvent: SessionEventListener},
	signal: AbortSignal,
): Promise<CaptureSet> {
	return collect({...options, after: proveAfterCollection(hooks)}, hooks.onEvent, signal);
}

/** The set without any trace read (a proof of other evidence must not be mixed in). */
function withoutTraces(set: CaptureSet): CaptureSet {
	const isTrace = (c: {readonly catalogId?: string}): boolean =>
		c.catalogId?.startsWith('trace.') === true;
	if (!set.captures.some(isTrace)) return set;
	return {
		manifest: {...set.manifest, captures: set.manifest.captures.filter(c => !isTrace(c))},
		captures: set.captures.filter(c => !isTrace(c)),
	};
}

/** The set with these captures added (ids already in the set are skipped). */
function withCaptures(set: CaptureSet, captures: readonly Capture[]): CaptureSet {
	const known = new Set(set.captures.map(c => c.id));
	const add = captures.filter(c => !known.has(c.id));
	if (add.length === 0) return set;
	return {
		manifest: {...set.manifest, captures: [...set.manifest.captures, ...add.map(stripBodies)]},
		captures: [...set.captures, ...add],
	};
}

/** What a watch round does about its proofs (see {@link ProofKeeper.plan}). */
export type ProofPlan =
	| {readonly kind: 'none'}
	/** The kept proof still stands: its reads are in the round's set. */
	| {readonly kind: 'keep'; readonly round: number}
	| {readonly kind: 'prove'; readonly targets: readonly ProofTarget[]; readonly reason: string};

/**
 * Watch's proofs: the trace reads of the last proof are carried into every later round's set
 * while the findings' evidence (client, VIP, stale MAC, nodes, holder) stays the same, so the
 * findings keep their proof without a trace every 2 s; when the evidence changes (or a full round
 * follows a proof with a failed read) the round is proven again.
 */
export class ProofKeeper {
	private kept:
		| {
				readonly key: string;
				readonly captures: readonly Capture[];
				readonly round: number;
				readonly failed: boolean;
		  }
		| undefined;

	/** The round of the proof the findings carry now (undefined: none). */
	get round(): number | undefined {
		return this.kept?.round;
	}

	/** The round's set with the kept proof's reads (the set itself when there is none). */
	carry(set: CaptureSet): CaptureSet {
		const base = withoutTraces(set);
		return this.kept === undefined ? base : withCaptures(base, this.kept.captures);
	}

	/**
	 * What to do after a round's analysis (of the carried set): keep the proof, prove again (the
	 * evidence changed, or a full round after a proof with a failed read), or nothing (no finding
	 * to prove — the kept proof is dropped).
	 */
	plan(report: Pick<Report, 'snapshot' | 'diagnosis'>, full: boolean): ProofPlan {
		const targets = proofTargets(report);
		if (targets.length === 0) {
			this.kept = undefined;
			return {kind: 'none'};
		}
		const key = keyOf(targets);
		const kept = this.kept;
		if (kept !== undefined && kept.key === key && !(full && kept.failed))
			return {kind: 'keep', round: kept.round};
		const reason =
			kept === undefined
				? 'a stale-entry finding to prove'
				: kept.key === key
					? 'a full round after a proof with a failed read'
					: `the evidence changed: ${targets.map(t => t.evidence).join('; ')}`;
		this.kept = undefined;
		return {kind: 'prove', targets, reason};
	}

	/** Keep a proof's reads for the rounds that follow (while the evidence stays the same). */
	keep(targets: readonly ProofTarget[], run: ProofRun, round: number): void {
		this.kept = {
			key: keyOf(targets),
			captures: run.added,
			round,
			failed: run.added.some(c => c.failure !== undefined),
		};
	}
}

export {vipsOf as proofVips};
