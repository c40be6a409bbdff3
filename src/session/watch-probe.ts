/**
 * A watch probe round: one `watch.probe` catalog execution per node over the connections the
 * full collection left open, reading only what moves during a failover (the neighbours and
 * addresses of the namespaces in view, the L3-HA state files); its captures replace the same
 * captures of the last full collection, so the rules run on a whole, current capture set.
 */
import type {Capture, CaptureSet} from '../model/capture.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import {DEFAULT_HA_CONFS_PATH, planCommand} from '../collectors/catalog.js';
import {getModel} from '../diagnostics/model.js';
import {
	Session,
	runPlanned,
	stripBodies,
	type CollectNode,
	type CollectOptions,
} from './collect.js';

/** Kinds a probe re-reads: their captures of the last full collection are replaced. */
const PROBED_KINDS = new Set(['ip-neigh', 'ip-addr']);

/**
 * The namespaces a probe reads on each node: the qrouter and snat namespaces of the routers
 * behind every VIP, the VIP networks' DHCP namespaces and where the holder was seen; every
 * qrouter/snat namespace when no VIP is known. Only namespaces the node has.
 */
export function probeNamespaces(snapshot: Snapshot): Map<NodeId, string[]> {
	const model = getModel(snapshot);
	const wanted = new Set<string>();
	for (const vip of model.vips) {
		for (const router of vip.routers) {
			wanted.add(`qrouter-${router.id}`);
			wanted.add(`snat-${router.id}`);
		}
		if (vip.networkId !== undefined) wanted.add(`qdhcp-${vip.networkId}`);
		for (const o of vip.observations) if (o.namespace !== undefined) wanted.add(o.namespace);
	}
	for (const router of model.haRouters) wanted.add(`qrouter-${router.router}`);
	const out = new Map<NodeId, string[]>();
	for (const node of Object.keys(snapshot.nodes)) {
		const has = model.namespaces(node);
		out.set(
			node,
			has.filter(ns => (wanted.size === 0 ? /^(?:qrouter|snat)-/.test(ns) : wanted.has(ns))).sort(),
		);
	}
	return out;
}

export type ProbeResult = {
	/** The last full set with this round's captures in place of the ones they re-read. */
	readonly set: CaptureSet;
	/** Per node read: when its probe started. */
	readonly readAt: ReadonlyMap<NodeId, string>;
	/** Nodes not read this round, with why. */
	readonly unread: ReadonlyMap<NodeId, string>;
};

/** Run one probe round on `nodes` (the nodes of `full`) and merge it into `full`. */
export async function probeRound(
	full: CaptureSet,
	nodes: readonly CollectNode[],
	namespaces: ReadonlyMap<NodeId, readonly string[]>,
	options: CollectOptions,
	signal: AbortSignal,
): Promise<ProbeResult> {
	const session = new Session({...options, extraCaptures: []}, () => undefined, signal);
	const replaceable = (c: Capture): boolean =>
		c.node !== undefined &&
		((c.kind !== undefined && PROBED_KINDS.has(c.kind) && c.params?.namespace !== undefined
			? (namespaces.get(c.node) ?? []).includes(c.params.namespace)
			: false) ||
			c.kind === 'neutron-ha-state');
	session.reserve(full.captures.filter(c => !replaceable(c)).map(c => c.id));
	const readAt = new Map<NodeId, string>();
	const unread = new Map<NodeId, string>();
	const inSet = new Set(full.manifest.nodes.map(n => n.id));
	await Promise.all(
		nodes
			.filter(node => inSet.has(node.info.id))
			.map(async node => {
				const id = node.info.id;
				const planned = planCommand('watch.probe', {
					nonce: session.makeNonce(),
					haConfsPath: node.haConfsPath ?? DEFAULT_HA_CONFS_PATH,
					namespace: [...(namespaces.get(id) ?? [])],
				});
				if (!planned.ok) {
					for (const refusal of planned.refusals) session.refused(refusal, id);
					unread.set(id, `probe refused: ${planned.refusals[0]?.reason ?? 'invalid parameter'}`);
					return;
				}
				const result = await runPlanned(session, planned.command, {
					transport: node.transport,
					node: id,
					signal,
					relabel: f => f,
					...(node.haConfsPath === undefined ? {} : {haConfsPath: node.haConfsPath}),
				});
				if (result.failure !== undefined) {
					session.problems.push({
						node: id,
						kind: result.failure.kind,
						message: `watch probe: ${result.failure.message}`,
					});
					unread.set(id, `${result.failure.kind}: ${result.failure.message}`);
				} else readAt.set(id, result.startedAt);
			}),
	);
	return {set: mergeProbe(full, session, unread), readAt, unread};
}

/** The full set with the probe's captures in place of the ones they re-read (read nodes only). */
function mergeProbe(
	full: CaptureSet,
	session: Session,
	unread: ReadonlyMap<NodeId, string>,
): CaptureSet {
	const fresh = session.captures;
	const replaced = new Set<string>();
	const key = (c: Capture): string =>
		c.kind === 'neutron-ha-state'
			? `${c.node ?? ''}|ha`
			: `${c.node ?? ''}|${c.kind ?? ''}|${c.params?.namespace ?? ''}`;
	for (const c of fresh) if (c.node !== undefined && !unread.has(c.node)) replaced.add(key(c));
	// A node whose probe answered re-read every state file: the ones it no longer has are gone.
	const answered = new Set(
		fresh.filter(c => c.node !== undefined && !unread.has(c.node)).map(c => c.node),
	);
	const kept = full.captures.filter(c => {
		if (c.node === undefined || !answered.has(c.node)) return true;
		if (c.kind === 'neutron-ha-state') return false;
		return !replaced.has(key(c));
	});
	const added = fresh.filter(
		c => c.node === undefined || !unread.has(c.node) || c.kind === undefined,
	);
	const captures = [...kept, ...added];
	const problems = [...(full.manifest.problems ?? []), ...session.problems];
	return {
		manifest: {
			...full.manifest,
			captures: captures.map(stripBodies),
			...(problems.length > 0 ? {problems, partial: true} : {}),
		},
		captures,
	};
}
