/**
 * A collection session: fan out over nodes with bounded concurrency, run the catalog on each in
 * two phases (discover namespaces/bridges, then the detail commands: at most 10 executions per
 * node), keep every partial result, name every failure per node, and on abort stop at once, close
 * every connection (≤ 2 s) and keep what it has. Output: a CaptureSet (write it with
 * writeCaptureSet). Progress: SessionEvents.
 */
import {createHash, randomBytes} from 'node:crypto';
import {setMaxListeners} from 'node:events';
import type {Capture, CaptureMeta, CaptureSet, FailureKind, NodeInfo} from '../model/capture.js';
import {isSafeId, type NodeId} from '../model/ids.js';
import type {CommandResult, Transport, TransportFailure} from '../transport/types.js';
import {toCaptureMeta} from '../bundle/capture-set.js';
import {
	bridgeNames,
	catalogEntries,
	checkParam,
	matchCatalog,
	MAX_EXECS_PER_NODE,
	namespaceNames,
	planCommand,
	planDetail,
	splitSections,
	DEFAULT_HA_CONFS_PATH,
	type CatalogId,
	type ParamValues,
	type PlannedCommand,
	type Refusal,
} from '../collectors/catalog.js';
import type {SessionEvent, SessionEventListener} from '../model/events.js';
import {describeTarget, resolveTarget, type Target} from './targets.js';

export type CollectNode = {
	readonly info: NodeInfo;
	readonly transport: Transport;
	/** Neutron `ha_confs_path` on this node (default /var/lib/neutron/ha_confs). */
	readonly haConfsPath?: string;
	/** Names the node may carry as a Neutron agent `host` (for targeting); default id/neutronHost/address. */
	readonly hostNames?: readonly string[];
};

/** Optional part of a Transport: connect before the first command (SSH does). */
type Connectable = {connect?: (signal: AbortSignal) => Promise<TransportFailure | undefined>};

export type CollectOptions = {
	readonly nodes: readonly CollectNode[];
	/** Runs cloud-scope entries (`openstack …`): a local or kubectl (keystone-client) transport. */
	readonly cloud?: Transport;
	/** Cloud entries to collect as data (default none). */
	readonly cloudEntries?: readonly CatalogId[];
	/** Narrow the nodes to those carrying this object (needs `cloud`). */
	readonly target?: Target;
	readonly concurrency?: number;
	/** Per-command timeout (overrides the catalog's). */
	readonly commandTimeoutMs?: number;
	/** Whole-node time limit. */
	readonly nodeTimeoutMs?: number;
	/** Cap on stored stdout per capture. */
	readonly maxBytes?: number;
	readonly description?: string;
	readonly toolVersion?: string;
	/** Captures made before the session (kubectl node discovery …), kept in the set. */
	readonly extraCaptures?: readonly Capture[];
	readonly problems?: readonly {
		readonly node?: NodeId;
		readonly kind: string;
		readonly message: string;
	}[];
	/** At most this many `port show` reads after `port list` (default 100). */
	readonly portShowLimit?: number;
	/** Marker nonce source (tests pin it). */
	readonly nonce?: () => string;
};

export const COLLECT_DEFAULTS = {
	concurrency: 20,
	portShowLimit: 100,
	nodeTimeoutMs: 180_000,
	maxBytes: 64 * 1024 * 1024,
} as const;

/** Failure kinds that mean the node itself could not be used (not one command). */
const NODE_LEVEL: ReadonlySet<FailureKind> = new Set(['unreachable', 'auth', 'refused']);

type Problem = {node?: NodeId; kind: string; message: string};

const now = (): string => new Date().toISOString();

/** A capture id: `<node>.<catalog id>[.<item>]`, made safe and unique (hash-shortened if long). */
function captureId(node: string | undefined, catalogId: string, item?: string): string {
	const raw = [node ?? 'cloud', catalogId, item].filter(Boolean).join('.');
	const safe = raw.replace(/[^A-Za-z0-9._@-]/g, '_').replace(/\.\.+/g, '.');
	if (safe.length <= 120 && isSafeId(safe)) return safe;
	const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
	return `${safe.slice(0, 100).replace(/[.]+$/, '')}-${hash}`;
}

const refusalText = (refusal: Refusal): string =>
	`refused ${refusal.param} "${refusal.value}" for ${refusal.catalogId}: ${refusal.reason} (not run)`;

export async function collect(
	options: CollectOptions,
	onEvent: SessionEventListener,
	outerSignal: AbortSignal,
): Promise<CaptureSet> {
	const started = Date.now();
	// One listener on the caller's signal; every node and command listens to this one instead
	// (hundreds of listeners are expected, not a leak).
	const session = new AbortController();
	setMaxListeners(0, session.signal);
	const signal = session.signal;
	if (outerSignal.aborted) session.abort();
	else
		outerSignal.addEventListener(
			'abort',
			() => {
				session.abort();
			},
			{once: true},
		);
	const deliver = (event: SessionEvent): void => {
		try {
			onEvent(event);
		} catch {
			// A listener's bug must not stop a collection.
		}
	};
	// Events of target resolution (cloud captures, logs) are held until `collection-started`,
	// which must come first but can only name the nodes once the target is resolved.
	let held: SessionEvent[] | undefined = [];
	const emit = (event: SessionEvent): void => {
		if (held === undefined) deliver(event);
		else held.push(event);
	};
	const captures: Capture[] = [...(options.extraCaptures ?? [])];
	const ids = new Set(captures.map(capture => capture.id));
	const problems: Problem[] = [...(options.problems ?? [])];
	const makeNonce = options.nonce ?? (() => randomBytes(16).toString('hex'));
	const maxBytes = options.maxBytes ?? COLLECT_DEFAULTS.maxBytes;
	let failedCaptureCount = 0;
	/** Captures recorded per node (nodes run concurrently: counted here, not by difference). */
	const perNode = new Map<NodeId, {total: number; failed: number}>();

	const unique = (id: string): string => {
		let candidate = id;
		for (let n = 2; ids.has(candidate); n++) candidate = `${id}-${n}`;
		ids.add(candidate);
		return candidate;
	};

	const record = (
		fields: Omit<Capture, 'stdoutFile' | 'stderrFile' | 'stdoutBytes' | 'stderrBytes'>,
	): Capture => {
		const capture = toCaptureMeta(fields);
		captures.push(capture);
		if (capture.failure) failedCaptureCount++;
		if (capture.node !== undefined) {
			const counts = perNode.get(capture.node) ?? {total: 0, failed: 0};
			counts.total++;
			if (capture.failure) counts.failed++;
			perNode.set(capture.node, counts);
		}
		emit({
			type: 'capture-done',
			at: now(),
			...(capture.node === undefined ? {} : {node: capture.node}),
			captureId: capture.id,
			capture: stripBodies(capture),
		});
		return capture;
	};

	/** Run one planned command on a transport and file what came back (sections split). */
	const run = async (
		planned: PlannedCommand,
		transport: Transport,
		node: NodeId | undefined,
		runSignal: AbortSignal,
		relabel: (failure: TransportFailure) => TransportFailure,
		haConfsPath?: string,
	): Promise<CommandResult> => {
		const entry = planned.entry;
		if (matchCatalog(planned.argv) !== entry) {
			// Defense in depth: never reached while planCommand validates; refuse rather than run.
			throw new Error(
				`refusing to run an argv that is not a catalog entry: ${JSON.stringify(planned.argv).slice(0, 200)}`,
			);
		}
		const id = unique(captureId(node, entry.id));
		emit({
			type: 'capture-started',
			at: now(),
			...(node === undefined ? {} : {node}),
			captureId: id,
			catalogId: entry.id,
			argv: planned.argv,
		});
		const raw = await transport.exec(
			{
				argv: planned.argv,
				timeoutMs: options.commandTimeoutMs ?? entry.timeoutMs,
				podClass: entry.podClass,
				maxBytes,
			},
			{signal: runSignal},
		);
		const result: CommandResult = raw.failure ? {...raw, failure: relabel(raw.failure)} : raw;
		const base = {
			scope: entry.scope,
			...(node === undefined ? {} : {node}),
			startedAt: result.startedAt,
			durationMs: result.durationMs,
			via: transport.kind,
		};
		const failure = result.failure
			? {failure: {kind: result.failure.kind, message: result.failure.message}}
			: {};
		if (entry.sections !== undefined && planned.nonce !== undefined) {
			const split = splitSections(
				entry,
				planned.nonce,
				result.stdout,
				result.stderr,
				haConfsPath ?? DEFAULT_HA_CONFS_PATH,
			);
			for (const refusal of split.refusals) {
				problems.push({
					...(node === undefined ? {} : {node}),
					kind: 'refused',
					message: refusalText(refusal),
				});
				emit({
					type: 'log',
					at: now(),
					level: 'warning',
					message: refusalText(refusal),
					...(node === undefined ? {} : {node}),
				});
			}
			for (const section of split.sections) {
				const item = section.params.bridge ?? section.params.namespace ?? section.params.router;
				const part =
					'parts' in entry.sections
						? entry.sections.parts.find(p => p.catalogId === section.catalogId)
						: undefined;
				const argv = part
					? part.argv.map(word => (word === '{item}' ? (item ?? '') : word))
					: ['cat', '--', section.params.path ?? ''];
				const cut = section.exitCode === null;
				record({
					...base,
					id: unique(captureId(node, section.catalogId, item)),
					argv,
					kind: section.kind,
					params: section.params,
					catalogId: section.catalogId,
					exitCode: section.exitCode,
					stdout: section.stdout,
					stderr: section.stderr,
					...(cut
						? {
								failure: result.failure
									? {kind: result.failure.kind, message: result.failure.message}
									: {kind: 'unreachable' as const, message: 'output ended inside this section'},
							}
						: {}),
				});
			}
			// The batch execution itself: argv, exit status, duration, failure. Its output is filed in
			// the section captures above; kept here only when no section could be cut out of it.
			const keepRaw = split.sections.length === 0;
			record({
				...base,
				id,
				argv: planned.argv,
				catalogId: entry.id,
				exitCode: result.exitCode,
				stdout: keepRaw ? result.stdout : '',
				stderr: keepRaw ? result.stderr : '',
				...failure,
				...(result.truncated ? {truncated: true} : {}),
			});
			return result;
		}
		record({
			...base,
			id,
			argv: planned.argv,
			...(entry.kind === undefined ? {} : {kind: entry.kind}),
			...(Object.keys(planned.params).length > 0 ? {params: planned.params} : {}),
			catalogId: entry.id,
			exitCode: result.exitCode,
			stdout: result.stdout,
			stderr: result.stderr,
			...failure,
			...(result.truncated ? {truncated: true} : {}),
		});
		return result;
	};

	const runCloud = async (
		id: CatalogId,
		values: ParamValues,
	): Promise<CommandResult | undefined> => {
		const cloud = options.cloud;
		if (cloud === undefined) return undefined;
		const planned = planCommand(id, values);
		if (!planned.ok) {
			for (const refusal of planned.refusals)
				problems.push({kind: 'refused', message: refusalText(refusal)});
			return undefined;
		}
		return run(planned.command, cloud, undefined, signal, f => f);
	};

	// ─── targeting ────────────────────────────────────────────────────────
	let nodes = options.nodes;
	let routers: readonly string[] | undefined;
	if (options.target !== undefined) {
		const label = describeTarget(options.target);
		if (options.cloud === undefined) {
			problems.push({
				kind: 'target',
				message: `${label}: no OpenStack API access to resolve it; collecting from every node`,
			});
		} else {
			const resolution = await resolveTarget(options.target, runCloud);
			for (const message of resolution.problems)
				problems.push({kind: 'target', message: `${label}: ${message}`});
			routers = resolution.routers.length > 0 ? resolution.routers : undefined;
			const wanted = new Set(resolution.hosts);
			nodes = options.nodes.filter(node =>
				(node.hostNames ?? [node.info.id, node.info.neutronHost, node.info.address]).some(
					name => name !== undefined && wanted.has(name),
				),
			);
			const unmatched = resolution.hosts.filter(
				host =>
					!nodes.some(node =>
						(node.hostNames ?? [node.info.id, node.info.neutronHost, node.info.address]).includes(
							host,
						),
					),
			);
			emit({
				type: 'log',
				at: now(),
				level: nodes.length === 0 ? 'warning' : 'info',
				message: `${label} is carried by ${resolution.hosts.length} host(s): ${resolution.hosts.join(', ') || 'none found'}; ${nodes.length} in the inventory${unmatched.length > 0 ? ` (not in the inventory: ${unmatched.join(', ')})` : ''}`,
			});
			if (unmatched.length > 0)
				problems.push({
					kind: 'target',
					message: `${label}: hosts not in the inventory: ${unmatched.join(', ')}`,
				});
		}
		// Closed below with the others; the unselected transports were never opened.
	}

	const concurrency = Math.max(1, options.concurrency ?? COLLECT_DEFAULTS.concurrency);
	deliver({
		type: 'collection-started',
		at: now(),
		nodes: nodes.map(node => node.info),
		concurrency,
		...(options.target === undefined ? {} : {target: describeTarget(options.target)}),
	});
	const early = held;
	held = undefined;
	for (const event of early) deliver(event);

	// ─── cloud data ───────────────────────────────────────────────────────
	const cloudWork = (async () => {
		const note = (id: string, result: CommandResult | undefined): void => {
			if (result?.failure)
				problems.push({kind: result.failure.kind, message: `${id}: ${result.failure.message}`});
		};
		const lists = await Promise.all(
			(options.cloudEntries ?? []).map(async id => {
				const result = await runCloud(id, {});
				note(id, result);
				return {id, result};
			}),
		);
		// `port list` carries no allowed address pairs nor binding host: read those with `port show`
		// for the ports a VRRP/Octavia diagnosis needs (instances' and Octavia's), bounded.
		const ports = lists.find(list => list.id === 'os.ports')?.result;
		const wanted = portsToShow(ports);
		const limit = options.portShowLimit ?? COLLECT_DEFAULTS.portShowLimit;
		if (wanted.length > limit) {
			emit({
				type: 'log',
				at: now(),
				level: 'warning',
				message: `${wanted.length} instance/Octavia ports: reading the first ${limit} with port show (a --vip or --loadbalancer target reads the ones that matter)`,
			});
		}
		const queue = wanted.slice(0, limit);
		await Promise.all(
			Array.from({length: Math.min(4, queue.length)}, async () => {
				for (let port = queue.shift(); port !== undefined; port = queue.shift()) {
					if (signal.aborted) return;
					note('os.port-show', await runCloud('os.port-show', {port}));
				}
			}),
		);
	})();

	// ─── nodes ────────────────────────────────────────────────────────────
	let nodesOk = 0;
	let nodesFailed = 0;
	const finished = new Set<NodeId>();

	const runNode = async (node: CollectNode): Promise<void> => {
		const id = node.info.id;
		const nodeStart = Date.now();
		emit({type: 'node-started', at: now(), node: id});
		const controller = new AbortController();
		setMaxListeners(0, controller.signal);
		const onAbort = (): void => {
			controller.abort();
		};
		signal.addEventListener('abort', onAbort, {once: true});
		const limit = options.nodeTimeoutMs ?? COLLECT_DEFAULTS.nodeTimeoutMs;
		let deadline = false;
		const timer = setTimeout(() => {
			deadline = true;
			controller.abort();
		}, limit);
		const relabel = (failure: TransportFailure): TransportFailure =>
			deadline && failure.kind === 'cancelled'
				? {kind: 'timeout', message: `node time limit (${Math.round(limit / 1000)} s) reached`}
				: failure;
		let nodeFailure: TransportFailure | undefined;
		let execs = 0;
		const exec = async (planned: PlannedCommand): Promise<CommandResult> => {
			execs++;
			if (execs > MAX_EXECS_PER_NODE)
				throw new Error(`more than ${MAX_EXECS_PER_NODE} executions planned for ${id}`);
			const result = await run(
				planned,
				node.transport,
				id,
				controller.signal,
				relabel,
				node.haConfsPath,
			);
			if (result.failure)
				failedExecs.push({
					kind: result.failure.kind,
					message: `${planned.entry.id}: ${result.failure.message}`,
				});
			return result;
		};
		const failedExecs: {kind: FailureKind; message: string}[] = [];
		try {
			const connect = (node.transport as Transport & Connectable).connect;
			if (connect) {
				const failure = await connect.call(node.transport, controller.signal);
				if (failure) {
					nodeFailure = relabel(failure);
					return;
				}
			}
			const discovery = catalogEntries.filter(entry => entry.phase === 'discover');
			const results = await Promise.all(
				discovery.map(async entry => {
					const planned = planCommand(entry.id, {});
					if (!planned.ok) throw new Error(`catalog: discovery entry ${entry.id} needs parameters`);
					return {entry, result: await exec(planned.command)};
				}),
			);
			const nodeLevel = results.map(r => r.result.failure).filter(f => f !== undefined);
			if (
				nodeLevel.length === results.length &&
				nodeLevel.every(
					f => NODE_LEVEL.has(f.kind) || f.kind === 'cancelled' || f.kind === 'timeout',
				)
			) {
				nodeFailure = nodeLevel[0];
				return;
			}
			let namespaces: readonly string[] = [];
			let bridges: readonly string[] = [];
			for (const {entry, result} of results) {
				if (result.failure || result.exitCode !== 0) continue;
				if (entry.id === 'netns.list') {
					const names = namespaceNames(result.stdout);
					if ('error' in names) problems.push({node: id, kind: 'parse', message: names.error});
					else namespaces = names;
				} else if (entry.id === 'ovs.bridges') bridges = bridgeNames(result.stdout);
			}
			if (isAborted(controller.signal)) {
				nodeFailure = relabel({kind: 'cancelled', message: 'cancelled after discovery'});
				return;
			}
			const plan = planDetail({
				namespaces,
				bridges,
				nonce: makeNonce(),
				...(node.haConfsPath === undefined ? {} : {haConfsPath: node.haConfsPath}),
				...(routers === undefined ? {} : {routers}),
			});
			for (const refusal of plan.refusals) {
				problems.push({node: id, kind: 'refused', message: refusalText(refusal)});
				emit({type: 'log', at: now(), level: 'warning', node: id, message: refusalText(refusal)});
			}
			if (plan.skipped.length > 0) {
				emit({
					type: 'log',
					at: now(),
					level: 'info',
					node: id,
					message: `not read: ${plan.skipped.length} namespace(s) (${plan.skipped.slice(0, 3).join(', ')}${plan.skipped.length > 3 ? ', …' : ''})`,
				});
			}
			await Promise.all(plan.commands.map(exec));
			if (isAborted(controller.signal))
				nodeFailure = relabel({kind: 'cancelled', message: 'cancelled before the node finished'});
		} catch (error) {
			nodeFailure = {kind: 'spawn', message: `internal error: ${(error as Error).message}`};
		} finally {
			clearTimeout(timer);
			signal.removeEventListener('abort', onAbort);
			finished.add(id);
			const kept = perNode.get(id)?.total ?? 0;
			if (nodeFailure) {
				nodesFailed++;
				problems.push({node: id, kind: nodeFailure.kind, message: nodeFailure.message});
			} else {
				// The node answered but some commands did not complete: name each one.
				for (const failed of failedExecs) problems.push({node: id, ...failed});
			}
			if (nodeFailure) {
				emit({
					type: 'node-failed',
					at: now(),
					node: id,
					kind: nodeFailure.kind,
					message: nodeFailure.message,
					captures: kept,
				});
			} else {
				nodesOk++;
				emit({
					type: 'node-done',
					at: now(),
					node: id,
					captures: kept,
					failedCaptures: perNode.get(id)?.failed ?? 0,
					durationMs: Date.now() - nodeStart,
				});
			}
			// Close at once: one connection per node, released as soon as the node is done.
			await node.transport.close().catch(() => undefined);
		}
	};

	const queue = [...nodes];
	const workers = Array.from({length: Math.min(concurrency, queue.length)}, async () => {
		for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
			if (signal.aborted) break;
			await runNode(next);
		}
	});
	const all = Promise.all([...workers, cloudWork]);
	if (signal.aborted) {
		await settleWithin(all, 2000);
	} else {
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
	const cancelled = signal.aborted;
	// Nodes the session never reached (cancelled before their turn) are named too.
	for (const node of nodes) {
		if (finished.has(node.info.id)) continue;
		nodesFailed++;
		const message = 'not collected: the session was cancelled first';
		problems.push({node: node.info.id, kind: 'cancelled', message});
		emit({
			type: 'node-failed',
			at: now(),
			node: node.info.id,
			kind: 'cancelled',
			message,
			captures: 0,
		});
	}
	// Close every transport (also the unselected and unfinished ones), bounded.
	await settleWithin(
		Promise.all(
			[...options.nodes.map(n => n.transport), ...(options.cloud ? [options.cloud] : [])].map(
				async t => t.close().catch(() => undefined),
			),
		),
		2000,
	);
	const partial = cancelled || nodesFailed > 0 || failedCaptureCount > 0 || problems.length > 0;
	emit({
		type: 'collection-done',
		at: now(),
		partial,
		cancelled,
		nodesOk,
		nodesFailed,
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

/** Ids of the instance (`compute:*`) and Octavia ports in a `port list --long -f json` output. */
function portsToShow(result: CommandResult | undefined): string[] {
	if (result === undefined || result.exitCode !== 0) return [];
	let list: unknown;
	try {
		list = JSON.parse(result.stdout);
	} catch {
		return [];
	}
	if (!Array.isArray(list)) return [];
	const ids: string[] = [];
	for (const port of list as unknown[]) {
		if (typeof port !== 'object' || port === null) continue;
		const record = port as Record<string, unknown>;
		const owner = record['Device Owner'] ?? record['device_owner'];
		const id = record['ID'] ?? record['id'];
		if (typeof owner !== 'string' || typeof id !== 'string') continue;
		if (
			(owner.startsWith('compute:') || owner === 'Octavia') &&
			checkParam('port', id) === undefined
		)
			ids.push(id);
	}
	return ids.sort();
}

function stripBodies(capture: Capture): CaptureMeta {
	const meta: {-readonly [K in keyof Capture]?: Capture[K]} = {...capture};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
}

/** Read the flag through a call so the compiler does not narrow it across awaits. */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
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
