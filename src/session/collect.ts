/**
 * A collection session: fan out over nodes with bounded concurrency, run the catalog on each in
 * two phases (discover namespaces/bridges, then the detail commands: at most 10 executions per
 * node), keep every partial result, name every failure per node, and on abort stop at once, close
 * every connection (≤ 2 s) and keep what it has. Output: a CaptureSet (write it with
 * writeCaptureSet). Progress: SessionEvents.
 *
 * This module runs the whole: target resolution, the node and cloud halves side by side, the
 * capture set. The parts: collect-session.ts (options, the Session, running one catalog command),
 * collect-node.ts (one node's run), collect-cloud.ts (the OpenStack API reads).
 */
import {setMaxListeners} from 'node:events';
import type {CaptureSet} from '../model/capture.js';
import type {NodeExec} from './trace-rounds.js';
import type {CatalogEntry} from '../collectors/catalog.js';
import type {NodeId} from '../model/ids.js';
import type {CommandResult} from '../transport/types.js';
import type {SessionEventListener} from '../model/events.js';
import {describeTarget, resolveTarget} from './targets.js';
import {collectCloudData, runCloud} from './collect-cloud.js';
import {collectNode} from './collect-node.js';
import {
	COLLECT_DEFAULTS,
	now,
	Session,
	stripBodies,
	type CollectNode,
	type CollectOptions,
} from './collect-session.js';

export {
	captureId,
	COLLECT_DEFAULTS,
	NODE_LEVEL,
	runPlanned,
	Session,
	stripBodies,
	type CollectNode,
	type CollectOptions,
	type RunContext,
} from './collect-session.js';

const namesOf = (node: CollectNode): readonly (string | undefined)[] =>
	node.hostNames ?? [node.info.id, node.info.neutronHost, node.info.address];

/** The nodes a target narrows the collection to (all of them without a target). */
async function targetNodes(session: Session): Promise<readonly CollectNode[]> {
	const {options} = session;
	if (options.target === undefined) return options.nodes;
	const label = describeTarget(options.target);
	if (options.cloud === undefined) {
		session.problems.push({
			kind: 'target',
			message: `${label}: no OpenStack API access to resolve it; collecting from every node`,
		});
		return options.nodes;
	}
	const resolution = await resolveTarget(options.target, async (id, values) =>
		runCloud(session, id, values),
	);
	for (const message of resolution.problems)
		session.problems.push({kind: 'target', message: `${label}: ${message}`});
	session.routers = resolution.routers.length > 0 ? resolution.routers : undefined;
	const wanted = new Set(resolution.hosts);
	const nodes = options.nodes.filter(node =>
		namesOf(node).some(name => name !== undefined && wanted.has(name)),
	);
	const unmatched = resolution.hosts.filter(
		host => !nodes.some(node => namesOf(node).includes(host)),
	);
	session.log(
		nodes.length === 0 ? 'warning' : 'info',
		`${label} is carried by ${resolution.hosts.length} host(s): ${resolution.hosts.join(', ') || 'none found'}; ${nodes.length} in the inventory${unmatched.length > 0 ? ` (not in the inventory: ${unmatched.join(', ')})` : ''}`,
	);
	if (unmatched.length > 0)
		session.problems.push({
			kind: 'target',
			message: `${label}: hosts not in the inventory: ${unmatched.join(', ')}`,
		});
	// The unselected transports were never opened; they are closed with the others.
	return nodes;
}
/** Run the nodes (bounded concurrency) and the cloud data; on abort wait at most 2 s more. */
async function runAll(
	session: Session,
	nodes: readonly CollectNode[],
	concurrency: number,
): Promise<void> {
	const {signal} = session;
	const queue = [...nodes];
	const workers = Array.from({length: Math.min(concurrency, queue.length)}, async () => {
		for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
			if (signal.aborted) break;
			await collectNode(session, next);
		}
	});
	const all = Promise.all([...workers, collectCloudData(session)]);
	if (signal.aborted) {
		await settleWithin(all, 2000);
		return;
	}
	await Promise.race([
		all,
		new Promise<void>(resolve => {
			signal.addEventListener(
				'abort',
				() => {
					void settleWithin(all, 2000).then(resolve);
				},
				{once: true},
			);
		}),
	]);
}

/** Collect from the options' nodes and cloud (see the module comment); a node's failure is filed, not thrown. */
export async function collect(
	options: CollectOptions,
	onEvent: SessionEventListener,
	outerSignal: AbortSignal,
): Promise<CaptureSet> {
	const started = Date.now();
	// One listener on the caller's signal; every node and command listens to this one instead
	// (hundreds of listeners are expected, not a leak).
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	if (outerSignal.aborted) controller.abort();
	else
		outerSignal.addEventListener(
			'abort',
			() => {
				controller.abort();
			},
			{once: true},
		);
	const session = new Session(options, onEvent, controller.signal);
	const nodes = await targetNodes(session);
	const concurrency = Math.max(1, options.concurrency ?? COLLECT_DEFAULTS.concurrency);
	session.start({
		type: 'collection-started',
		at: now(),
		nodes: nodes.map(node => node.info),
		concurrency,
		...(options.target === undefined ? {} : {target: describeTarget(options.target)}),
	});
	await runAll(session, nodes, concurrency);
	const cancelled = controller.signal.aborted;
	// Nodes the session never reached (cancelled before their turn) are named too.
	for (const node of nodes) {
		if (session.finished.has(node.info.id)) continue;
		session.nodesFailed++;
		const message = 'not collected: the session was cancelled first';
		session.problems.push({node: node.info.id, kind: 'cancelled', message});
		session.emit({
			type: 'node-failed',
			at: now(),
			node: node.info.id,
			kind: 'cancelled',
			message,
			captures: 0,
		});
	}
	let set = finishSet(session, nodes, started, cancelled);
	if (options.after !== undefined && !cancelled)
		set = await options.after(
			set,
			nodeExec(options.nodes, options.commandTimeoutMs, controller.signal),
			controller.signal,
		);
	// Close every transport (also the unselected and unfinished ones), bounded.
	await settleWithin(
		Promise.all(
			(options.keepOpen === true
				? []
				: [...options.nodes.map(n => n.transport), ...(options.cloud ? [options.cloud] : [])]
			).map(async t => t.close().catch(() => undefined)),
		),
		2000,
	);
	return set;
}

/**
 * One catalog argv on one node of `nodes`, on its (open) transport: what the rounds of a
 * packet-path proof run (src/session/trace-rounds.ts) after a collection and in watch rounds. A
 * node that is not one of `nodes` is a failure (unreachable), never an exception.
 */
export function nodeExec(
	nodes: readonly CollectNode[],
	commandTimeoutMs: number | undefined,
	signal: AbortSignal,
): NodeExec {
	const byId = new Map(nodes.map(n => [n.info.id, n.transport]));
	const run = async (
		node: NodeId,
		argv: readonly [string, ...string[]],
		entry: CatalogEntry,
	): Promise<CommandResult & {via?: string}> => {
		const transport = byId.get(node);
		if (transport === undefined)
			return {
				target: node,
				argv,
				stdout: '',
				stderr: '',
				exitCode: null,
				startedAt: now(),
				durationMs: 0,
				failure: {kind: 'unreachable', message: `${node} is not a node of this collection`},
			};
		const result = await transport.exec(
			{argv, timeoutMs: commandTimeoutMs ?? entry.timeoutMs, podClass: entry.podClass},
			{signal},
		);
		return {...result, via: transport.kind};
	};
	return Object.assign(run, {
		podScoped: (node: NodeId) => byId.get(node)?.kind === 'kubectl',
	});
}

/** Emit `collection-done` and build the capture set (partial when anything failed). */
function finishSet(
	session: Session,
	nodes: readonly CollectNode[],
	started: number,
	cancelled: boolean,
): CaptureSet {
	const {options, captures, problems} = session;
	const partial =
		cancelled || session.nodesFailed > 0 || session.failedCaptures > 0 || problems.length > 0;
	session.emit({
		type: 'collection-done',
		at: now(),
		partial,
		cancelled,
		nodesOk: session.nodesOk,
		nodesFailed: session.nodesFailed,
		captures: captures.length,
		durationMs: Date.now() - started,
	});
	return {
		manifest: {
			format: 'dvrscope-capture-set',
			schemaVersion: 1,
			createdAt: new Date(started).toISOString(),
			tool: {name: 'dvrscope', version: options.toolVersion ?? '0.0.0'},
			...(options.description === undefined ? {} : {description: options.description}),
			source: 'live',
			nodes: nodes.map(node => node.info),
			captures: captures.map(stripBodies),
			...(partial ? {partial: true} : {}),
			...(problems.length > 0 ? {problems} : {}),
		},
		captures,
	};
}

/** Wait for `promise` (its rejection ignored), at most `ms`. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([
		promise.then(
			() => undefined,
			() => undefined,
		),
		new Promise<void>(resolve => {
			timer = setTimeout(resolve, ms);
		}),
	]);
	clearTimeout(timer);
}
