/**
 * What the console's Path view shows (issue 22): the packet-path proof a finding carries
 * (Finding.path, attached by the diagnosis from the capture set's trace reads), or — when there
 * is none — why, and the `dvrscope trace` command that would produce it. Pure: the view renders
 * this and never runs anything (the console runs no trace rounds, not even live).
 */
import {proofPair} from '../diagnostics/path-findings.js';
import type {PathProof} from '../diagnostics/path.js';
import type {Finding} from '../diagnostics/types.js';
import type {Snapshot} from '../model/snapshot.js';
import {quoteWord} from '../model/quote.js';
import {findingKey} from './selectors.js';
import type {SourceInfo} from './store.js';

export type PathViewData = {
	readonly vip: string;
	/** The finding the proof belongs to (the one opened, else the VIP's first with a proof). */
	readonly finding?: Finding;
	readonly proof?: PathProof;
	/** The `dvrscope trace …` command that re-runs (or would produce) this proof, pasteable. */
	readonly command: string;
	/** Why there is no proof, in words (only without a proof). */
	readonly missing?: string;
};

/** The source as `dvrscope` arguments: a set's path, or the live options as given. */
export function sourceArgs(source: SourceInfo | undefined): string {
	if (source === undefined) return '';
	if (source.kind === 'live') return source.location;
	return quoteWord(source.location);
}

/** `dvrscope trace --from X --to VIP <source>`: the command to paste into a shell. */
export function traceCommandFor(from: string, to: string, source: SourceInfo | undefined): string {
	const args = sourceArgs(source);
	const client = from.startsWith('<') ? from : quoteWord(from);
	return `dvrscope trace --from ${client} --to ${quoteWord(to)}${args === '' ? '' : ` ${args}`}`;
}

/**
 * The Path view's data for a VIP (and optionally the finding it was opened from): that finding's
 * proof, else the first finding about the VIP with one. Without a proof: what would produce it.
 */
export function pathViewData(
	snapshot: Snapshot | undefined,
	findings: readonly Finding[],
	source: SourceInfo | undefined,
	vip: string,
	key?: string,
): PathViewData {
	const opened = key === undefined ? undefined : findings.find(f => findingKey(f) === key);
	const about = findings.filter(f => f.vip === vip);
	const finding =
		opened?.path !== undefined
			? opened
			: (about.find(f => f.path !== undefined) ?? opened ?? about[0]);
	const proof = finding?.path;
	if (finding !== undefined && proof !== undefined)
		return {vip, finding, proof, command: traceCommandFor(proof.from.ip, proof.to, source)};
	const pair =
		snapshot === undefined || finding === undefined ? undefined : proofPair(snapshot, finding);
	const from = pair?.from ?? '<VM, port id or IP>';
	const live = source?.kind === 'live';
	const missing =
		finding === undefined
			? `No finding about ${vip}, so no path proof was attached. Trace a client of your choice:`
			: pair === undefined
				? `No path proof for this finding: the data shows no client VM ${finding.ruleId.startsWith('ovn/') ? `(a bound VM port behind the router of ${vip}'s network)` : `behind a stale qrouter entry for ${vip}`} to trace from. Trace a client of your choice:`
				: live
					? `No path proof yet: the console does not run trace rounds (dvrscope diagnose and dvrscope trace do, read-only). From ${pair.from}:`
					: `No path proof in this data: it holds no trace reads for ${vip}. On saved data this names the read-only command of each hop; with --inventory or --kube-context in place of the set it runs them:`;
	return {
		vip,
		...(finding === undefined ? {} : {finding}),
		command: traceCommandFor(from, vip, source),
		missing,
	};
}

/** The Path view of a finding (its VIP) or of a VIP; undefined when the finding names no VIP. */
export function pathViewRef(
	vip: string | undefined,
	finding?: Finding,
): {readonly kind: 'path'; readonly vip: string; readonly finding?: string} | undefined {
	const to = finding?.vip ?? vip;
	if (to === undefined) return undefined;
	return {kind: 'path', vip: to, ...(finding === undefined ? {} : {finding: findingKey(finding)})};
}
