/**
 * The node half of a collection: one node's run — connect, discover its namespaces and bridges,
 * run the detail commands within its execution budget and time limit — ending with exactly one
 * `node-done` or `node-failed`.
 */
import {setMaxListeners} from 'node:events';
import type {FailureKind} from '../model/capture.js';
import type {CommandResult, Transport, TransportFailure} from '../transport/types.js';
import {
	bridgeNames,
	catalogEntries,
	MAX_EXECS_PER_NODE,
	maxExecsPerNode,
	namespaceNames,
	planCommand,
	planDetail,
	type CatalogId,
	type PlannedCommand,
} from '../collectors/catalog.js';
import {
	COLLECT_DEFAULTS,
	NODE_LEVEL,
	now,
	runPlanned,
	type CollectNode,
	type Session,
} from './collect-session.js';

/** Optional part of a Transport: connect before the first command (SSH does). */
type Connectable = {connect?: (signal: AbortSignal) => Promise<TransportFailure | undefined>};

/** One node's run: its abort controller, time limit, execution budget and failures. */
class NodeRun {
	readonly controller = new AbortController();
	readonly failedExecs: {kind: FailureKind; message: string}[] = [];
	failure: TransportFailure | undefined;
	private execs = 0;
	private maxExecs = MAX_EXECS_PER_NODE;
	private deadline = false;
	private readonly timer: NodeJS.Timeout;
	private readonly limitMs: number;
	private readonly onAbort = (): void => {
		this.controller.abort();
	};

	constructor(
		private readonly session: Session,
		readonly node: CollectNode,
	) {
		setMaxListeners(0, this.controller.signal);
		session.signal.addEventListener('abort', this.onAbort, {once: true});
		this.limitMs = session.options.nodeTimeoutMs ?? COLLECT_DEFAULTS.nodeTimeoutMs;
		this.timer = setTimeout(() => {
			this.deadline = true;
			this.controller.abort();
		}, this.limitMs);
	}

	readonly relabel = (failure: TransportFailure): TransportFailure =>
		this.deadline && failure.kind === 'cancelled'
			? {kind: 'timeout', message: `node time limit (${Math.round(this.limitMs / 1000)} s) reached`}
			: failure;

	/** Raise the execution budget for a node with this many namespaces to read. */
	allowFor(namespaces: number): void {
		this.maxExecs = maxExecsPerNode(namespaces);
	}

	async exec(planned: PlannedCommand): Promise<CommandResult> {
		this.execs++;
		if (this.execs > this.maxExecs)
			throw new Error(`more than ${this.maxExecs} executions planned for ${this.node.info.id}`);
		const result = await runPlanned(this.session, planned, {
			transport: this.node.transport,
			node: this.node.info.id,
			signal: this.controller.signal,
			relabel: this.relabel,
			...(this.node.haConfsPath === undefined ? {} : {haConfsPath: this.node.haConfsPath}),
		});
		if (result.failure)
			this.failedExecs.push({
				kind: result.failure.kind,
				message: `${planned.entry.id}: ${result.failure.message}`,
			});
		return result;
	}

	aborted(): boolean {
		return this.controller.signal.aborted;
	}

	dispose(): void {
		clearTimeout(this.timer);
		this.session.signal.removeEventListener('abort', this.onAbort);
	}
}

/** Phase 1 on a node: namespaces and bridges, or undefined when the node itself failed. */
async function discover(
	session: Session,
	run: NodeRun,
): Promise<{namespaces: readonly string[]; bridges: readonly string[]} | undefined> {
	const id = run.node.info.id;
	const only = session.options.only;
	const discovery = catalogEntries.filter(
		entry => entry.phase === 'discover' && (only === undefined || only.has(entry.id as CatalogId)),
	);
	const results = await Promise.all(
		discovery.map(async entry => {
			const planned = planCommand(entry.id, {});
			if (!planned.ok) throw new Error(`catalog: discovery entry ${entry.id} needs parameters`);
			return {entry, result: await run.exec(planned.command)};
		}),
	);
	const failures = results.map(r => r.result.failure).filter(f => f !== undefined);
	if (
		failures.length === results.length &&
		failures.every(f => NODE_LEVEL.has(f.kind) || f.kind === 'cancelled' || f.kind === 'timeout')
	) {
		run.failure = failures[0];
		return undefined;
	}
	let namespaces: readonly string[] = [];
	let bridges: readonly string[] = [];
	for (const {entry, result} of results) {
		if (result.failure || result.exitCode !== 0) continue;
		if (entry.id === 'netns.list') {
			const names = namespaceNames(result.stdout);
			if ('error' in names) session.problems.push({node: id, kind: 'parse', message: names.error});
			else namespaces = names;
		} else if (entry.id === 'ovs.bridges') bridges = bridgeNames(result.stdout);
	}
	return {namespaces, bridges};
}

/** Phase 2 on a node: the detail commands over what discovery found. */
async function detail(
	session: Session,
	run: NodeRun,
	found: {namespaces: readonly string[]; bridges: readonly string[]},
): Promise<void> {
	const {node} = run;
	const id = node.info.id;
	const plan = planDetail({
		...found,
		nonce: session.makeNonce(),
		...(node.haConfsPath === undefined ? {} : {haConfsPath: node.haConfsPath}),
		...(session.routers === undefined ? {} : {routers: session.routers}),
		roles: node.info.roles,
		...(session.options.only === undefined ? {} : {only: session.options.only}),
	});
	for (const refusal of plan.refusals) session.refused(refusal, id);
	if (plan.skipped.length > 0)
		session.log(
			'info',
			`not read: ${plan.skipped.length} namespace(s) (${plan.skipped.slice(0, 3).join(', ')}${plan.skipped.length > 3 ? ', …' : ''})`,
			id,
		);
	run.allowFor(found.namespaces.length);
	await Promise.all(plan.commands.map(async command => run.exec(command)));
}

/** Collect one node: connect, discover, detail; always ends with node-done or node-failed. */
export async function collectNode(session: Session, node: CollectNode): Promise<void> {
	const id = node.info.id;
	const started = Date.now();
	session.emit({type: 'node-started', at: now(), node: id});
	const run = new NodeRun(session, node);
	try {
		const connect = (node.transport as Transport & Connectable).connect;
		const failure = connect ? await connect.call(node.transport, run.controller.signal) : undefined;
		if (failure) run.failure = run.relabel(failure);
		const found = run.failure === undefined ? await discover(session, run) : undefined;
		if (found !== undefined) {
			if (run.aborted())
				run.failure = run.relabel({kind: 'cancelled', message: 'cancelled after discovery'});
			else {
				await detail(session, run, found);
				if (run.aborted())
					run.failure = run.relabel({
						kind: 'cancelled',
						message: 'cancelled before the node finished',
					});
			}
		}
	} catch (error) {
		run.failure = {kind: 'spawn', message: `internal error: ${(error as Error).message}`};
	} finally {
		run.dispose();
		finishNode(session, run, Date.now() - started);
		// Close at once: one connection per node, released as soon as the node is done — unless
		// watch keeps it for its next round (`keepOpen`) or more reads follow on the same
		// connections (`after`: closed with the others at the end).
		if (session.options.keepOpen !== true && session.options.after === undefined)
			await node.transport.close().catch(() => undefined);
	}
}

/** File a node's outcome: `node-failed` with its failure, or `node-done` naming failed commands. */
function finishNode(session: Session, run: NodeRun, durationMs: number): void {
	const id = run.node.info.id;
	session.finished.add(id);
	const kept = session.perNode.get(id)?.total ?? 0;
	if (run.failure) {
		session.nodesFailed++;
		session.problems.push({node: id, kind: run.failure.kind, message: run.failure.message});
		session.emit({
			type: 'node-failed',
			at: now(),
			node: id,
			kind: run.failure.kind,
			message: run.failure.message,
			captures: kept,
		});
		return;
	}
	// The node answered but some commands did not complete: name each one.
	for (const failed of run.failedExecs) session.problems.push({node: id, ...failed});
	session.nodesOk++;
	session.emit({
		type: 'node-done',
		at: now(),
		node: id,
		captures: kept,
		failedCaptures: session.perNode.get(id)?.failed ?? 0,
		durationMs,
	});
}
