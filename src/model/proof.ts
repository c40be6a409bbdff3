import type {NodeId} from './ids.js';

/**
 * Where the live console's packet-path proof rounds stand (issue 22): the session runs them after
 * a collection (and under watch when a finding's evidence changes) on the collection's open
 * connections, and reports here; the console's Path view renders it (`proving…`, which round the
 * proof is from). The proof itself is `Finding.path`, rebuilt from the capture set's trace reads.
 */
export type ProofStatus = {
	/** `proving`: the rounds are running; `done`: their reads are in the set; `failed`: they did not run. */
	readonly state: 'proving' | 'done' | 'failed';
	/** The VIPs whose stale-entry findings are being (or were) proven. */
	readonly vips: readonly string[];
	/** How many client → VIP proofs (one per stale-entry finding's pair). */
	readonly proofs: number;
	/** The watch round whose data the proof reads belong to (absent: the console's collection). */
	readonly round?: number;
	/** When the proof rounds started (`proving`) or finished (`done`, `failed`), ISO time. */
	readonly at: string;
	/** Why these proofs were (re)run: `after the collection`, `the stale entry's MAC changed …`. */
	readonly reason: string;
	/** Trace rounds run and executions per node (`done`). */
	readonly rounds?: number;
	readonly execs?: Readonly<Record<NodeId, number>>;
	/** `failed`: what went wrong. */
	readonly message?: string;
};
