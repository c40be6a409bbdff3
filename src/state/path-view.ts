/**
 * What the console's Path view shows (issue 22): the packet-path proof a finding carries
 * (Finding.path, attached by the diagnosis from the capture set's trace reads), or — when there
 * is none — why, and the `dvrscope trace` command that would produce it. Pure: the view renders
 * this and never runs anything. A live console's session runs the proof rounds itself
 * (src/session/prove-findings.ts) and reports them (`ProofStatus`): proving…, which round.
 */
import {proofPair} from '../diagnostics/path-findings.js';
import type {PathProof} from '../diagnostics/path.js';
import type {Finding} from '../diagnostics/types.js';
import type {ProofStatus} from '../model/proof.js';
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
	/** The live session is running this VIP's proof rounds now (no proof to show yet). */
	readonly proving?: boolean;
	/** Where the proof shown comes from, in words (live: when and in which round it was read). */
	readonly provenance?: string;
};

const clock = (iso: string): string => `${iso.slice(11, 19)} UTC`;

/** The live proof's origin in words: `read live after the collection at 20:46:48 UTC · 2 rounds …`. */
function provenanceOf(status: ProofStatus): string {
	const execs = Object.entries(status.execs ?? {})
		.map(([node, n]) => `${node} ${n}`)
		.join(', ');
	const cost = `${status.rounds ?? 0} trace round(s), executions per node: ${execs || 'none'}`;
	return status.round === undefined
		? `read live after the collection at ${clock(status.at)} · ${cost}`
		: `read in watch round ${status.round} at ${clock(status.at)}, kept while the evidence is unchanged · ${cost}`;
}

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
	status?: ProofStatus,
): PathViewData {
	const mine = status?.vips.includes(vip) === true ? status : undefined;
	const opened = key === undefined ? undefined : findings.find(f => findingKey(f) === key);
	const about = findings.filter(f => f.vip === vip);
	const finding =
		opened?.path !== undefined
			? opened
			: (about.find(f => f.path !== undefined) ?? opened ?? about[0]);
	const proof = finding?.path;
	if (finding !== undefined && proof !== undefined)
		return {
			vip,
			finding,
			proof,
			command: traceCommandFor(proof.from.ip, proof.to, source),
			...(mine?.state === 'done' && source?.kind === 'live'
				? {provenance: provenanceOf(mine)}
				: {}),
		};
	const pair =
		snapshot === undefined || finding === undefined ? undefined : proofPair(snapshot, finding);
	const from = pair?.from ?? '<VM, port id or IP>';
	const live = source?.kind === 'live';
	if (mine?.state === 'proving' && pair !== undefined)
		return {
			vip,
			...(finding === undefined ? {} : {finding}),
			command: traceCommandFor(pair.from, vip, source),
			proving: true,
			missing: `Proving the packet path from ${pair.from} (a VM behind a stale entry) to ${vip}: read-only trace rounds on the session's connections, started ${clock(mine.at)} ${mine.round === undefined ? 'after the collection' : `in watch round ${mine.round} (${mine.reason})`}. The proof shows here when they are done. The same, from a shell:`,
		};
	const missing =
		mine?.state === 'failed' && pair !== undefined
			? `No path proof: the proof rounds did not finish (${mine.message ?? 'no reason given'}). From ${pair.from}, read-only:`
			: finding === undefined
				? `No finding about ${vip}, so no path proof was attached. Trace a client of your choice:`
				: pair === undefined
					? `No path proof for this finding: the data shows no client VM ${finding.ruleId.startsWith('ovn/') ? `(a bound VM port behind the router of ${vip}'s network)` : `behind a stale qrouter entry for ${vip}`} to trace from. Trace a client of your choice:`
					: live
						? `No path proof yet: the console proves stale-entry findings after each complete collection (r collects again; a cancelled collection is not proven). From ${pair.from}, read-only:`
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
