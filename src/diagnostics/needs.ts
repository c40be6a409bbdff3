import type {Capture} from '../model/capture.js';
import type {ParserKind} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {FactKey, Snapshot, Sourced} from '../model/snapshot.js';
import type {Need, Rule} from './types.js';

/**
 * Per-scope input checks: a rule's {@link Need}s are checked one by one on the node, namespace or
 * bridge they name, so "present on one node" never stands in for "present where it matters".
 * A need is unmet when its fact is absent there, when the capture that should have supplied it
 * failed or could not be read, or when the capture it came from was truncated or partly unread.
 */

/** The parser kind that supplies each fact. */
export const FACT_KIND: Readonly<Record<FactKey, ParserKind>> = {
	'node.netns': 'ip-netns',
	'node.ovsShow': 'ovs-vsctl-show',
	'node.flows': 'ovs-flows',
	'node.ofports': 'ovs-ofctl-show',
	'node.fdb': 'ovs-fdb',
	'node.ovsdb': 'ovsdb-json',
	'node.addr': 'ip-addr',
	'node.neigh': 'ip-neigh',
	'node.route': 'ip-route',
	'node.rule': 'ip-rule',
	'node.keepalived': 'keepalived-conf',
	'node.haState': 'neutron-ha-state',
	'cloud.ports': 'openstack-ports',
	'cloud.routers': 'openstack-routers',
	'cloud.agents': 'openstack-agents',
	'cloud.subnets': 'openstack-subnets',
	'cloud.networks': 'openstack-networks',
	'cloud.amphorae': 'octavia-amphorae',
	'cloud.osdpl': 'osdpl',
	'cloud.kubeNodes': 'kube-nodes',
	'cloud.ovnNb': 'ovn-db',
	'cloud.ovnSb': 'ovn-db',
};

const NODE_FAILURE_KINDS = new Set([
	'unreachable',
	'auth',
	'timeout',
	'refused',
	'spawn',
	'cancelled',
]);

const readsKind = (capture: Capture, kind: ParserKind): boolean =>
	capture.kind === kind || (capture.kind === 'ip-all-netns' && capture.params?.inner === kind);

function capturesOf(snapshot: Snapshot, fact: FactKey, node: NodeId | undefined): Capture[] {
	const kind = FACT_KIND[fact];
	return Object.values(snapshot.captures).filter(
		c => readsKind(c, kind) && (fact.startsWith('cloud.') || c.node === node),
	);
}

/** Why a capture gave nothing usable, or undefined when it did. */
function captureProblem(snapshot: Snapshot, capture: Capture): string | undefined {
	if (capture.failure !== undefined)
		return `capture ${capture.id} failed (${capture.failure.kind}: ${capture.failure.message})`;
	if (capture.exitCode !== 0 && capture.stdout.trim() === '')
		return `capture ${capture.id} failed (exit ${capture.exitCode ?? 'unknown'} with no output)`;
	const error = snapshot.errors.find(e => e.capture === capture.id);
	if (error !== undefined) return `capture ${capture.id} could not be read (${error.message})`;
	return undefined;
}

/** Why a fact is absent (for a node, or the cloud). */
export function absentFactReason(snapshot: Snapshot, need: Need): string {
	const cloud = need.fact.startsWith('cloud.');
	if (!cloud && need.node !== undefined) {
		if (snapshot.nodes[need.node] === undefined)
			return `node ${need.node} is not in the capture set`;
		const failure = (snapshot.manifest.problems ?? []).find(
			p => p.node === need.node && NODE_FAILURE_KINDS.has(p.kind),
		);
		const usable = Object.values(snapshot.captures).some(
			c => c.node === need.node && c.failure === undefined,
		);
		if (failure !== undefined && !usable)
			return `node ${need.node} was not read (${failure.kind}: ${failure.message})`;
	}
	const candidates = capturesOf(snapshot, need.fact, need.node);
	// Prefer a capture that names the namespace / bridge asked for.
	const named =
		need.key === undefined
			? candidates
			: candidates.filter(
					c =>
						c.argv.includes(need.key ?? '') ||
						c.params?.namespace === need.key ||
						c.params?.bridge === need.key,
				);
	for (const capture of named.length > 0 ? named : candidates) {
		const problem = captureProblem(snapshot, capture);
		if (problem !== undefined) return problem;
	}
	if (cloud) {
		const anyCloud = Object.values(snapshot.captures).some(c => c.scope === 'cloud');
		return anyCloud ? 'not captured' : 'OpenStack API not configured (no cloud captures)';
	}
	if (candidates.length > 0 && need.key !== undefined) return `no ${need.key} in what was captured`;
	return 'not captured';
}

/** Why a present fact cannot be trusted whole (truncated, lines not understood), or undefined. */
function partialReason(
	snapshot: Snapshot,
	sourced: readonly Sourced<unknown>[],
): string | undefined {
	for (const s of sourced) {
		const capture = snapshot.captures[s.capture];
		if (capture?.truncated === true) return `capture ${s.capture} was truncated at the size cap`;
		const error = snapshot.errors.find(e => e.capture === s.capture);
		if (error !== undefined) return `capture ${s.capture} only partly read (${error.message})`;
	}
	return undefined;
}

const isSourced = (value: unknown): value is Sourced<unknown> =>
	typeof value === 'object' && value !== null && 'capture' in value && 'data' in value;

/** The Sourced values that supply a need, or undefined when it is absent. */
function lookup(snapshot: Snapshot, need: Need): Sourced<unknown>[] | undefined {
	const [scope, name] = need.fact.split('.') as ['node' | 'cloud', string];
	let value: unknown;
	if (scope === 'cloud') value = (snapshot.cloud as Record<string, unknown>)[name];
	else if (need.node !== undefined)
		value = (snapshot.nodes[need.node]?.facts as Record<string, unknown> | undefined)?.[name];
	if (value === undefined) return undefined;
	if (isSourced(value)) return [value];
	const record = value as Record<string, Sourced<unknown>>;
	if (need.key !== undefined) {
		const one = record[need.key];
		return one === undefined ? undefined : [one];
	}
	const all = Object.values(record);
	return all.length > 0 ? all : undefined;
}

/** Why a need is not met, or undefined when it is. */
export function checkNeed(snapshot: Snapshot, need: Need): string | undefined {
	if (need.unmet !== undefined) return need.unmet;
	const found = lookup(snapshot, need);
	if (found === undefined) return absentFactReason(snapshot, need);
	// Cloud lists are merged from several captures (port list + port show): any failed one counts.
	if (need.fact.startsWith('cloud.'))
		for (const capture of capturesOf(snapshot, need.fact, undefined)) {
			const problem = captureProblem(snapshot, capture);
			if (problem !== undefined) return problem;
		}
	return partialReason(snapshot, found);
}

export function unmetNeeds(
	snapshot: Snapshot,
	needs: readonly Need[],
): {need: Need; why: string}[] {
	const out: {need: Need; why: string}[] = [];
	for (const need of needs) {
		const why = checkNeed(snapshot, need);
		if (why !== undefined) out.push({need, why});
	}
	return out;
}

/** `cmp-2: node.neigh qrouter-4d79… for VIP 10.0.0.100 — capture … could not be read`. */
export function needText(need: Need, why: string): string {
	const where = [need.node, need.fact, need.key].filter(x => x !== undefined && x !== '').join(' ');
	return `${where}${need.for !== '' ? ` for ${need.for}` : ''}: ${why}`;
}

/** Nodes that run Neutron agents, as far as the capture set shows (roles, OVS, router namespaces). */
export function agentNodes(snapshot: Snapshot): NodeId[] {
	return Object.keys(snapshot.nodes)
		.sort()
		.filter(id => {
			const n = snapshot.nodes[id];
			if (n === undefined) return false;
			const f = n.facts;
			const namespaces = [
				...(f.netns?.data ?? []).map(x => x.name),
				...Object.keys(f.neigh ?? {}),
				...Object.keys(f.addr ?? {}),
			];
			return (
				n.node.roles.some(r => r === 'compute' || r === 'network' || r === 'gateway') ||
				f.ovsShow !== undefined ||
				f.flows !== undefined ||
				namespaces.some(ns => /^(qrouter|snat|fip|qdhcp)-/.test(ns))
			);
		});
}

/**
 * Needs of a rule that declares none: every cloud fact it requires, and every node fact it
 * requires on every agent node (not "on at least one node").
 */
export function defaultNeeds(snapshot: Snapshot, rule: Rule): Need[] {
	const needs: Need[] = [];
	const nodes = agentNodes(snapshot);
	for (const fact of rule.meta.requires) {
		if (fact.startsWith('cloud.')) needs.push({for: '', fact});
		else for (const node of nodes) needs.push({for: `node ${node}`, fact, node});
	}
	return needs;
}
