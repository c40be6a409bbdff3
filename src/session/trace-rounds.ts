/**
 * Rounds of a live packet-path proof (issue 22): prove on what the set holds, run the commands of
 * the unread hops (catalog `trace.*` entries only, checked against the allow-list), file them as
 * captures, prove again — until the path is complete, nothing new can be read, or the round limit.
 * The next round's inputs come from the previous hop (the remote node needs the tun_id and MAC).
 */
import {toCaptureMeta} from '../bundle/capture-set.js';
import {assembleSnapshot} from '../collectors/assemble.js';
import {matchCatalog, type CatalogEntry} from '../collectors/catalog.js';
import type {Capture, CaptureMeta, CaptureSet} from '../model/capture.js';
import type {NodeId} from '../model/ids.js';
import type {CommandResult} from '../transport/types.js';
import {provePath, type PathCommand, type PathProof} from '../diagnostics/path.js';

/** Run one catalog argv on one node (a node transport's exec). */
export type NodeExec = (
	node: NodeId,
	argv: readonly [string, ...string[]],
	entry: CatalogEntry,
) => Promise<CommandResult & {readonly via?: string}>;

export type RoundsResult = {
	readonly set: CaptureSet;
	readonly proof: PathProof | string;
	readonly rounds: number;
	/** Executions per node, over all rounds. */
	readonly execs: Readonly<Record<NodeId, number>>;
};

/** At most this many rounds (client node, remote node, one more tunnel). */
export const MAX_TRACE_ROUNDS = 3;

function captureOf(
	command: PathCommand,
	entry: CatalogEntry,
	result: CommandResult & {via?: string},
	n: number,
): Capture {
	return toCaptureMeta({
		id: `${command.node}.${entry.id}.${n}`.replace(/[^A-Za-z0-9._@-]/g, '_'),
		scope: 'node',
		node: command.node,
		argv: command.argv,
		...(entry.kind === undefined ? {} : {kind: entry.kind}),
		catalogId: entry.id,
		exitCode: result.exitCode,
		startedAt: result.startedAt,
		durationMs: result.durationMs,
		...(result.failure === undefined
			? {}
			: {failure: {kind: result.failure.kind, message: result.failure.message}}),
		...(result.truncated === true ? {truncated: true} : {}),
		...(result.via === undefined ? {} : {via: result.via}),
		stdout: result.stdout,
		stderr: result.stderr,
	});
}

export async function proveWithRounds(
	input: CaptureSet,
	from: string,
	to: string,
	exec: NodeExec,
	maxRounds = MAX_TRACE_ROUNDS,
): Promise<RoundsResult> {
	let set = input;
	const tried = new Set<string>();
	const execs: Record<NodeId, number> = {};
	let rounds = 0;
	let n = set.captures.filter(c => c.catalogId?.startsWith('trace.') === true).length;
	for (;;) {
		const proof = provePath(assembleSnapshot(set), from, to);
		if (typeof proof === 'string' || rounds >= maxRounds) return {set, proof, rounds, execs};
		const todo = proof.requests.filter(r => !tried.has(`${r.node}\0${r.argv.join('\0')}`));
		if (todo.length === 0) return {set, proof, rounds, execs};
		rounds++;
		const byNode = new Map<NodeId, PathCommand[]>();
		for (const r of todo) byNode.set(r.node, [...(byNode.get(r.node) ?? []), r]);
		const made = await Promise.all(
			[...byNode].map(async ([node, commands]) => {
				const out: Capture[] = [];
				for (const command of commands) {
					tried.add(`${command.node}\0${command.argv.join('\0')}`);
					const entry = matchCatalog(command.argv);
					// Only path reads: anything else is a programming error, never run.
					if (entry?.phase !== 'trace' || entry.id !== command.catalogId)
						throw new Error(`refusing to run a non-trace argv: ${command.command}`);
					execs[node] = (execs[node] ?? 0) + 1;
					const result = await exec(node, command.argv as [string, ...string[]], entry);
					out.push(captureOf(command, entry, result, ++n));
				}
				return out;
			}),
		);
		const added = made.flat();
		set = {
			manifest: {
				...set.manifest,
				captures: [...set.manifest.captures, ...added.map(stripBodies)],
			},
			captures: [...set.captures, ...added],
		};
	}
}

function stripBodies(capture: Capture): CaptureMeta {
	const meta: {-readonly [K in keyof Capture]?: Capture[K]} = {...capture};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
}
