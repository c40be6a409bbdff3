import type {NodeId} from './ids.js';

/**
 * Watch mode's output (src/session/watch.ts): one summary per round and the timeline rows of what
 * changed. The console renders them, `dvrscope watch` prints them (text or NDJSON, schema in
 * docs/watch.md), and bundles keep them (`watch/timeline.ndjson`).
 */

export type WatchVerdict = 'ok' | 'warning' | 'critical' | 'incomplete';

/** How loud a row is: a transition into critical or incomplete is highlighted. */
export type WatchLevel = 'critical' | 'warning' | 'incomplete' | 'ok' | 'info';

export type WatchRowKind =
	'verdict' | 'finding' | 'holder' | 'entry' | 'keepalived' | 'node' | 'baseline';

export type WatchRow = {
	readonly round: number;
	/** When the data of this row was read on its node (ISO time); the round's time for verdicts. */
	readonly at: string;
	readonly kind: WatchRowKind;
	readonly vip?: string;
	readonly node?: NodeId;
	/** Namespace of an entry row. */
	readonly namespace?: string;
	readonly text: string;
	/** A transition (something changed this round), not a restatement. */
	readonly changed: boolean;
	readonly level: WatchLevel;
	/** An entry whose value did not change but is now wrong: it points at a MAC that does not hold the VIP. */
	readonly stale?: boolean;
	/** A keepalived flip worked out from a holder change, not read from keepalived itself. */
	readonly inferred?: boolean;
};

export type WatchRound = {
	readonly round: number;
	/** `full`: a whole collection (the first, every N rounds, on request); `probe`: only what moves. */
	readonly kind: 'full' | 'probe';
	readonly startedAt: string;
	readonly durationMs: number;
	/** Remote executions and bytes read (stdout + stderr) in this round. */
	readonly execs: number;
	readonly bytes: number;
	readonly verdict: WatchVerdict;
	readonly critical: number;
	readonly warning: number;
	/** The verdict line as reports print it. */
	readonly headline: string;
	/** Per node: when its data was read in this round (absent: not read). */
	readonly readAt: Readonly<Record<NodeId, string>>;
	/** Nodes that could not be read this round, with why. */
	readonly unread: readonly {readonly node: NodeId; readonly reason: string}[];
	/** Rows dropped so far from the front of the bounded timeline. */
	readonly dropped: number;
};

export type WatchEvent =
	| {readonly type: 'round'; readonly round: WatchRound; readonly rows: readonly WatchRow[]}
	| {readonly type: 'error'; readonly at: string; readonly message: string};

/** Default number of timeline rows kept in memory (older rows are dropped and counted). */
export const WATCH_TIMELINE_LIMIT = 10_000;
