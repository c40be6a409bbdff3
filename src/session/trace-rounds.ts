/**
 * Rounds of a live packet-path proof (issue 22): prove on what the set holds, run the commands of
 * the unread hops (catalog `trace.*` entries only, checked against the allow-list), file them as
 * captures, prove again — until the path is complete, nothing new can be read, or the round limit.
 * The next round's inputs come from the previous hop (the remote node needs the tun_id and MAC).
 *
 * One execution per node per round: a node's reads of a round go out as one `trace.batch` (their
 * outputs cut back into one capture per command, filed under the command's own argv so a saved set
 * replays the proof); a single read runs as itself. Through kubectl the route reads run in the
 * l3-agent pod and the traces in the ovs-vswitchd pod, so there it is one execution per pod.
 */
import {randomBytes} from 'node:crypto';
import {toCaptureMeta} from '../bundle/capture-set.js';
import {assembleSnapshot} from '../collectors/assemble.js';
import {
	CATALOG,
	cut,
	matchCatalog,
	planCommand,
	type CatalogEntry,
	type PodClass,
} from '../collectors/catalog.js';
import type {Capture, CaptureMeta, CaptureSet} from '../model/capture.js';
import type {NodeId} from '../model/ids.js';
import type {CommandResult} from '../transport/types.js';
import {provePath, type PathCommand, type PathProof} from '../diagnostics/path.js';

/** Run one catalog argv on one node (a node transport's exec). */
export type NodeExec = ((
	node: NodeId,
	argv: readonly [string, ...string[]],
	entry: CatalogEntry,
) => Promise<CommandResult & {readonly via?: string}>) & {
	/** True when the node's commands run in per-podClass containers (kubectl): batch per pod. */
	readonly podScoped?: (node: NodeId) => boolean;
};

export type RoundsResult = {
	readonly set: CaptureSet;
	readonly proof: PathProof | string;
	readonly rounds: number;
	/** Executions per node, over all rounds. */
	readonly execs: Readonly<Record<NodeId, number>>;
};

/** At most this many rounds (client node, remote node, one more tunnel). */
export const MAX_TRACE_ROUNDS = 3;

/** The `trace.batch` step of a path command (see the catalog's traceStep parameter). */
export function stepOf(command: Pick<PathCommand, 'catalogId' | 'argv'>): string {
	const a = command.argv;
	if (command.catalogId === 'trace.ovs') return `ovs/${a[4] ?? ''}/${a[6] ?? ''}`;
	if (command.catalogId === 'trace.ovn') return `ovn/${a[4] ?? ''}/${a[5] ?? ''}`;
	return `route/${a[2] ?? ''}/${a[6] ?? ''}/${a[8] ?? ''}/${a[10] ?? ''}`;
}

/** The single command a `trace.batch` step stands for (undefined: not a legal step). */
export function commandOfStep(
	step: string,
): {readonly entry: CatalogEntry; readonly argv: readonly [string, ...string[]]} | undefined {
	const [kind, ...p] = step.split('/');
	const plan =
		kind === 'ovs'
			? planCommand('trace.ovs', {bridge: p[0] ?? '', flow: p[1] ?? ''})
			: kind === 'ovn'
				? planCommand('trace.ovn', {datapath: p[0] ?? '', microflow: p.slice(1).join('/')})
				: planCommand('trace.route-get', {
						namespace: p[0] ?? '',
						ip: p[1] ?? '',
						sourceIp: p[2] ?? '',
						device: p[3] ?? '',
					});
	return plan.ok ? {entry: plan.command.entry, argv: plan.command.argv} : undefined;
}

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

type Made = {readonly captures: Capture[]; readonly execs: number};

/**
 * Run one node's reads of a round in one execution and file one capture per read. A read whose
 * section did not come back whole is filed with a failure (its hop stays unread, naming it).
 */
async function runBatch(
	node: NodeId,
	commands: readonly PathCommand[],
	podClass: PodClass,
	exec: NodeExec,
	next: () => number,
	nonce: string,
): Promise<Made> {
	const single = commands.length === 1 ? commands[0] : undefined;
	if (single !== undefined) {
		const entry = matchCatalog(single.argv);
		if (entry?.phase !== 'trace' || entry.id !== single.catalogId)
			throw new Error(`refusing to run a non-trace argv: ${single.command}`);
		const result = await exec(node, single.argv as [string, ...string[]], entry);
		return {captures: [captureOf(single, entry, result, next())], execs: 1};
	}
	const steps = commands.map(stepOf);
	const plan = planCommand('trace.batch', {nonce, traceStep: steps});
	if (!plan.ok)
		throw new Error(`refusing a trace batch: ${plan.refusals.map(r => r.reason).join('; ')}`);
	const batch = plan.command;
	if (matchCatalog(batch.argv)?.id !== 'trace.batch')
		throw new Error('refusing to run a trace batch the catalog does not produce');
	const result = await exec(node, batch.argv, {...CATALOG['trace.batch'], podClass});
	const outs = new Map(cut(`\n${result.stdout}`, nonce).map(s => [s.item, s]));
	const errs = new Map(cut(`\n${result.stderr}`, nonce).map(s => [s.item, s]));
	const captures = commands.map((command, i) => {
		const step = steps[i] ?? '';
		const entry = CATALOG[command.catalogId as 'trace.ovs' | 'trace.route-get' | 'trace.ovn'];
		const out = outs.get(step);
		const whole = out !== undefined && out.rc !== null;
		const failure =
			whole || result.failure !== undefined
				? result.failure
				: {
						kind: 'unreachable' as const,
						message:
							out === undefined
								? 'the batch ended before this read'
								: 'the batch output ended inside this read',
					};
		// a read that came back whole is data, whatever happened to the batch after it
		const rest: CommandResult & {via?: string} = {...result};
		delete (rest as {failure?: unknown}).failure;
		delete (rest as {truncated?: unknown}).truncated;
		const truncated = result.truncated;
		return captureOf(
			command,
			entry,
			{
				...rest,
				argv: command.argv,
				stdout: out?.body ?? '',
				stderr: errs.get(step)?.body ?? '',
				exitCode: whole ? out.rc : null,
				...(whole || failure === undefined ? {} : {failure}),
				...(truncated === true && !whole ? {truncated} : {}),
			},
			next(),
		);
	});
	return {captures, execs: 1};
}

export async function proveWithRounds(
	input: CaptureSet,
	from: string,
	to: string,
	exec: NodeExec,
	maxRounds = MAX_TRACE_ROUNDS,
	nonce: () => string = () => randomBytes(16).toString('hex'),
): Promise<RoundsResult> {
	const r = await proveAllWithRounds(input, [{from, to}], exec, maxRounds, nonce);
	return {set: r.set, proof: r.proofs[0] ?? 'no proof', rounds: r.rounds, execs: r.execs};
}

/**
 * The rounds of several proofs at once (live `diagnose`: one per stale finding): each round runs
 * every proof's unread reads together, still one execution per node (per pod through kubectl).
 */
export async function proveAllWithRounds(
	input: CaptureSet,
	pairs: readonly {readonly from: string; readonly to: string}[],
	exec: NodeExec,
	maxRounds = MAX_TRACE_ROUNDS,
	nonce: () => string = () => randomBytes(16).toString('hex'),
): Promise<{
	readonly set: CaptureSet;
	readonly proofs: readonly (PathProof | string)[];
	readonly rounds: number;
	readonly execs: Readonly<Record<NodeId, number>>;
}> {
	let set = input;
	const tried = new Set<string>();
	const execs: Record<NodeId, number> = {};
	let rounds = 0;
	let n = set.captures.filter(c => c.catalogId?.startsWith('trace.') === true).length;
	const next = (): number => ++n;
	for (;;) {
		const snapshot = assembleSnapshot(set);
		const proofs = pairs.map(p => provePath(snapshot, p.from, p.to));
		if (rounds >= maxRounds) return {set, proofs, rounds, execs};
		const todo = proofs
			.flatMap(p => (typeof p === 'string' ? [] : p.requests))
			.filter(r => !tried.has(`${r.node}\0${r.argv.join('\0')}`));
		if (todo.length === 0) return {set, proofs, rounds, execs};
		rounds++;
		// One group per node (per node and pod when the node's commands run in pods).
		const groups = new Map<string, {node: NodeId; podClass: PodClass; commands: PathCommand[]}>();
		for (const r of todo) {
			const id = `${r.node}\0${r.argv.join('\0')}`;
			if (tried.has(id)) continue; // two proofs asking for the same read
			tried.add(id);
			const entry = matchCatalog(r.argv);
			// Only path reads: anything else is a programming error, never run.
			if (entry?.phase !== 'trace' || entry.id !== r.catalogId)
				throw new Error(`refusing to run a non-trace argv: ${r.command}`);
			const key = exec.podScoped?.(r.node) === true ? `${r.node}\0${entry.podClass}` : r.node;
			const group = groups.get(key) ?? {node: r.node, podClass: entry.podClass, commands: []};
			group.commands.push(r);
			groups.set(key, group);
		}
		const made = await Promise.all(
			[...groups.values()].map(async g =>
				runBatch(g.node, g.commands, g.podClass, exec, next, nonce()),
			),
		);
		for (const [i, g] of [...groups.values()].entries())
			execs[g.node] = (execs[g.node] ?? 0) + (made[i]?.execs ?? 0);
		const added = made.flatMap(m => m.captures);
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
