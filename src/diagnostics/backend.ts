import type {OvsdbValue} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';

/**
 * Which Neutron backend the capture set shows. MOSK has three (`spec:features:neutron:backend`):
 * `ml2` (Open vSwitch agents; rockoon's default when the key is absent), `ml2/ovn` and
 * `tungstenfabric` (also the `compute-tf` preset). dvrscope's DVR/OVS rules only mean something on
 * ml2/ovs, its OVN rules only on ml2/ovn, and it covers nothing on Tungsten Fabric.
 *
 * Read from every source the set has, each a clue: the OpenStackDeployment, the Neutron agent
 * list (OVS / L3 agents vs `OVN Controller agent`, `OVN Controller Gateway agent`, `OVN Metadata
 * agent`), the nodes (qrouter-/snat-/fip- namespaces and br-tun vs `external_ids:ovn-remote` in
 * the local Open_vSwitch row, `ovn-*` Geneve tunnel ports and ovnmeta- namespaces; a `vhost0`
 * interface for the TF vRouter) and the OVN NB/SB dumps themselves. Clues that disagree are
 * `conflicting` and said so, never resolved by a guess.
 */
export type Backend = 'ml2/ovs' | 'ml2/ovn' | 'tungstenfabric';

export type BackendClue = {
	readonly source: 'OpenStackDeployment' | 'agent list' | 'node' | 'OVN DB';
	readonly backend: Backend | 'unknown';
	/** What was seen, in words (`spec:features:neutron:backend=ml2/ovn`). */
	readonly detail: string;
	readonly node?: NodeId;
	readonly capture?: string;
};

export type BackendReading = {
	readonly backend: Backend | 'unknown' | 'conflicting';
	readonly clues: readonly BackendClue[];
	/** One line: `ml2/ovn (OpenStackDeployment: …; agent list: …; nodes: …)`. */
	readonly summary: string;
};

export const BACKEND_LABEL: Readonly<Record<BackendReading['backend'], string>> = {
	'ml2/ovs': 'ml2/ovs (Open vSwitch agents)',
	'ml2/ovn': 'ml2/ovn (OVN)',
	tungstenfabric: 'tungstenfabric',
	unknown: 'not determined',
	conflicting: 'conflicting evidence',
};

function osdplClues(snapshot: Snapshot): BackendClue[] {
	const osdpl = snapshot.cloud.osdpl;
	if (osdpl === undefined) return [];
	const base = {source: 'OpenStackDeployment' as const, capture: osdpl.capture};
	const {backend, preset} = osdpl.data;
	if (preset === 'compute-tf' && backend !== 'tungstenfabric')
		return [{...base, backend: 'tungstenfabric', detail: `spec:preset=compute-tf`}];
	if (backend === undefined)
		return [
			{...base, backend: 'ml2/ovs', detail: 'spec:features:neutron:backend not set (default ml2)'},
		];
	const mapped: Backend | 'unknown' =
		backend === 'ml2'
			? 'ml2/ovs'
			: backend === 'ml2/ovn'
				? 'ml2/ovn'
				: backend === 'tungstenfabric'
					? 'tungstenfabric'
					: 'unknown';
	return [
		{
			...base,
			backend: mapped,
			detail: `spec:features:neutron:backend=${backend}${mapped === 'unknown' ? ' (a value dvrscope does not know)' : ''}`,
		},
	];
}

const OVS_AGENT = /^(Open vSwitch agent|L3 agent)$/i;
const OVN_AGENT = /^OVN /i;

function agentClues(snapshot: Snapshot): BackendClue[] {
	const agents = snapshot.cloud.agents;
	if (agents === undefined) return [];
	const ovs = agents.data.filter(a => OVS_AGENT.test(a.agentType));
	const ovn = agents.data.filter(a => OVN_AGENT.test(a.agentType));
	const clues: BackendClue[] = [];
	const kinds = (list: typeof ovs): string =>
		[...new Set(list.map(a => a.agentType))].sort().join(', ');
	if (ovs.length > 0)
		clues.push({
			source: 'agent list',
			backend: 'ml2/ovs',
			detail: `${ovs.length} ${kinds(ovs)}`,
			capture: agents.capture,
		});
	if (ovn.length > 0)
		clues.push({
			source: 'agent list',
			backend: 'ml2/ovn',
			detail: `${ovn.length} ${kinds(ovn)}`,
			capture: agents.capture,
		});
	return clues;
}

const OVS_NS = /^(qrouter|snat|fip)-/;

const isMap = (v: OvsdbValue | undefined): v is {readonly [key: string]: OvsdbValue} =>
	typeof v === 'object' && !Array.isArray(v);

/** One node's clues: what its namespaces, bridges, Open_vSwitch row and interfaces say. */
function nodeClues(snapshot: Snapshot, node: NodeId): BackendClue[] {
	const facts = snapshot.nodes[node]?.facts;
	if (facts === undefined) return [];
	const clues: BackendClue[] = [];
	const names = [
		...(facts.netns?.data.map(n => n.name) ?? []),
		...Object.keys(facts.neigh ?? {}),
		...Object.keys(facts.addr ?? {}),
	];
	const ovsNs = names.find(n => OVS_NS.test(n));
	if (ovsNs !== undefined)
		clues.push({
			source: 'node',
			node,
			backend: 'ml2/ovs',
			detail: 'qrouter-/snat-/fip- namespaces',
		});
	const ovnNs = names.find(n => n.startsWith('ovnmeta-'));
	if (ovnNs !== undefined)
		clues.push({source: 'node', node, backend: 'ml2/ovn', detail: 'ovnmeta- namespaces'});
	const row = facts.ovsdb?.['Open_vSwitch'];
	const ids = row?.data.rows[0]?.['external_ids'];
	if (isMap(ids) && typeof ids['ovn-remote'] === 'string')
		clues.push({
			source: 'node',
			node,
			backend: 'ml2/ovn',
			detail: 'external_ids:ovn-remote in the Open_vSwitch row',
			capture: row?.capture ?? '',
		});
	const ifaces = facts.ovsdb?.['Interface']?.data.neutron ?? [];
	const geneve = ifaces.find(i => i.type === 'geneve' && i.name.startsWith('ovn-'));
	if (geneve !== undefined)
		clues.push({
			source: 'node',
			node,
			backend: 'ml2/ovn',
			detail: 'OVN Geneve tunnel ports (ovn-*)',
		});
	if (facts.ovsShow?.data.bridges.some(b => b.name === 'br-tun') === true)
		clues.push({source: 'node', node, backend: 'ml2/ovs', detail: 'bridge br-tun'});
	if (facts.addr?.['']?.data.some(i => i.name === 'vhost0') === true)
		clues.push({
			source: 'node',
			node,
			backend: 'tungstenfabric',
			detail: 'interface vhost0 (TF vRouter)',
		});
	return clues;
}

function ovnDbClues(snapshot: Snapshot): BackendClue[] {
	const clues: BackendClue[] = [];
	for (const [name, db] of [
		['NB', snapshot.cloud.ovnNb],
		['SB', snapshot.cloud.ovnSb],
	] as const) {
		if (db === undefined) continue;
		const rows = Object.values(db.data.tables).reduce((n, t) => n + t.rows.length, 0);
		if (rows > 0)
			clues.push({
				source: 'OVN DB',
				backend: 'ml2/ovn',
				detail: `OVN ${name} holds ${rows} rows`,
				capture: db.capture,
			});
	}
	return clues;
}

/** Words for the clues of one backend: `OpenStackDeployment: …; agent list: …; nodes a, b: …`. */
function cluesText(clues: readonly BackendClue[]): string {
	const parts: string[] = [];
	for (const source of ['OpenStackDeployment', 'agent list', 'OVN DB'] as const)
		for (const c of clues.filter(x => x.source === source)) parts.push(`${source}: ${c.detail}`);
	const nodeClues = clues.filter(c => c.source === 'node');
	const byDetail = new Map<string, NodeId[]>();
	for (const c of nodeClues) {
		byDetail.set(c.detail, [...(byDetail.get(c.detail) ?? []), c.node ?? '?']);
	}
	for (const [detail, nodes] of byDetail)
		parts.push(`${[...new Set(nodes)].sort().join(', ')}: ${detail}`);
	return parts.join('; ');
}

const cache = new WeakMap<Snapshot, BackendReading>();

/** The backend the capture set shows, with every clue (memoised per snapshot). Pure. */
export function readBackend(snapshot: Snapshot): BackendReading {
	const cached = cache.get(snapshot);
	if (cached !== undefined) return cached;
	const clues = [
		...osdplClues(snapshot),
		...agentClues(snapshot),
		...ovnDbClues(snapshot),
		...Object.keys(snapshot.nodes)
			.sort()
			.flatMap(node => nodeClues(snapshot, node)),
	];
	const known = [
		...new Set(clues.map(c => c.backend).filter((b): b is Backend => b !== 'unknown')),
	];
	const unknownValue = clues.find(c => c.backend === 'unknown');
	let reading: BackendReading;
	const only = known[0];
	if (known.length === 1 && only !== undefined && unknownValue === undefined)
		reading = {backend: only, clues, summary: `${only} (${cluesText(clues)})`};
	else if (known.length > 1 || (known.length === 1 && unknownValue !== undefined))
		reading = {
			backend: 'conflicting',
			clues,
			summary: `conflicting evidence: ${[
				...known,
				...(unknownValue !== undefined ? ['unknown'] : []),
			]
				.map(b => {
					const mine = clues.filter(c => c.backend === b);
					return `${b} (${cluesText(mine)})`;
				})
				.join(' vs ')}`,
		};
	else
		reading = {
			backend: 'unknown',
			clues,
			summary:
				unknownValue !== undefined
					? `unknown: ${cluesText([unknownValue])}`
					: 'not determined (no OpenStackDeployment, agent list, OVN DB or node evidence of OVS or OVN in the set)',
		};
	cache.set(snapshot, reading);
	return reading;
}

/**
 * Why a rule for `backends` does not apply to the snapshot, or undefined when it does (the
 * backend is one of them, or not determined / conflicting: then every rule runs and the
 * verdict says the backend is in doubt).
 */
export function backendNotApplicable(
	snapshot: Snapshot,
	backends: readonly Backend[] | undefined,
): string | undefined {
	const {backend, clues} = readBackend(snapshot);
	if (backend === 'unknown' || backend === 'conflicting') return undefined;
	if (backend === 'tungstenfabric')
		return 'not applicable on tungstenfabric: the Tungsten Fabric backend is outside what dvrscope covers';
	if (backends === undefined || backends.includes(backend)) return undefined;
	const source = clues.find(c => c.backend === backend);
	return `not applicable on ${backend}${source !== undefined ? ` (${source.source}: ${source.detail})` : ''}`;
}
