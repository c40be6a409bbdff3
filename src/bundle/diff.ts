/**
 * Data-plane diff of two snapshots (pure): neighbour entries per node per qrouter namespace
 * (changed / unchanged / added / removed, with the VIP entries that did NOT change listed on
 * their own), VIP ownership and L3-HA / keepalived states, ARP-responder and ARP-drop flows,
 * and findings that appeared or were resolved. Renders to text, JSON and Markdown (diff-render.ts).
 */
import type {Flow, NeighEntry} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import type {Diagnosis} from '../diagnostics/index.js';
import {getModel} from '../diagnostics/model.js';
import {normalizeIp, normalizeMac} from '../diagnostics/net.js';
import type {Finding, Severity} from '../diagnostics/types.js';

export {
	renderDiffJson,
	renderDiffMarkdown,
	renderDiffText,
	type DiffRenderOptions,
} from './diff-render.js';

export type DiffSide = {
	readonly label: string;
	readonly snapshot: Snapshot;
	readonly diagnosis: Diagnosis;
};

export type NeighState = {
	readonly lladdr?: string;
	readonly states: readonly string[];
	readonly dev?: string;
};

export type EntryStatus = 'changed' | 'unchanged' | 'added' | 'removed';

export type NeighDiffEntry = {
	readonly dst: string;
	readonly status: EntryStatus;
	readonly before?: NeighState;
	readonly after?: NeighState;
	/** The address is a VIP (allowed-address pair, keepalived virtual address, finding subject). */
	readonly vip: boolean;
};

export type NamespaceNeighDiff = {
	readonly node: NodeId;
	readonly namespace: string;
	/** Present on one side only (namespace created or removed, or not collected there). */
	readonly presence: 'both' | 'before-only' | 'after-only';
	readonly counts: Readonly<Record<EntryStatus, number>>;
	readonly entries: readonly NeighDiffEntry[];
};

export type VipEntryUnchanged = {
	readonly node: NodeId;
	readonly namespace: string;
	readonly dst: string;
	readonly lladdr?: string;
	readonly states: readonly string[];
	/** The VIP's owner MAC changed while this entry did not: the LP#1774459 signature. */
	readonly ownerMoved: boolean;
	readonly ownerAfter?: string;
};

export type OwnerRef = {
	readonly mac: string;
	readonly source: string;
	readonly node?: NodeId;
	readonly namespace?: string;
};

export type VipDiff = {
	readonly ip: string;
	readonly before?: OwnerRef;
	readonly after?: OwnerRef;
	readonly ownerChanged: boolean;
	readonly holdersBefore: readonly string[];
	readonly holdersAfter: readonly string[];
};

export type StateDiff = {
	/** `ha-state` (Neutron L3-HA state file) or `keepalived-conf` (configured instance state). */
	readonly kind: 'ha-state' | 'keepalived-conf';
	readonly node: NodeId;
	/** Router id (ha-state) or `file:instance` (keepalived-conf). */
	readonly key: string;
	readonly before?: string;
	readonly after?: string;
	readonly changed: boolean;
};

export type FlowKind = 'arp-responder' | 'arp-drop';

export type FlowDiff = {
	readonly node: NodeId;
	readonly bridge: string;
	readonly kind: FlowKind;
	readonly added: readonly string[];
	readonly removed: readonly string[];
	readonly unchanged: readonly string[];
};

export type FindingRef = {
	readonly ruleId: string;
	readonly severity: Severity;
	readonly title: string;
	readonly message: string;
	readonly vip?: string;
	readonly router?: string;
	readonly nodes: readonly NodeId[];
};

export type DataPlaneDiff = {
	readonly format: 'dvrscope-diff';
	readonly schemaVersion: 1;
	readonly before: {readonly label: string; readonly createdAt: string; readonly source: string};
	readonly after: {readonly label: string; readonly createdAt: string; readonly source: string};
	readonly nodes: {
		readonly both: readonly NodeId[];
		readonly beforeOnly: readonly NodeId[];
		readonly afterOnly: readonly NodeId[];
	};
	readonly neighbours: readonly NamespaceNeighDiff[];
	readonly vipEntriesUnchanged: readonly VipEntryUnchanged[];
	readonly vips: readonly VipDiff[];
	readonly states: readonly StateDiff[];
	readonly flows: readonly FlowDiff[];
	readonly findings: {
		readonly appeared: readonly FindingRef[];
		readonly resolved: readonly FindingRef[];
		readonly persisting: readonly FindingRef[];
	};
	readonly summary: {
		readonly neighbours: Readonly<Record<EntryStatus, number>>;
		readonly vipOwnersChanged: number;
		readonly vipEntriesUnchanged: number;
		readonly statesChanged: number;
		readonly flowsAdded: number;
		readonly flowsRemoved: number;
		readonly findingsAppeared: number;
		readonly findingsResolved: number;
	};
};

// ─── helpers ────────────────────────────────────────────────────────────────

const isRouterNamespace = (ns: string): boolean => ns.startsWith('qrouter-');

const neighKey = (e: NeighEntry): string => `${normalizeIp(e.dst)}|${e.dev ?? ''}`;

const neighState = (e: NeighEntry): NeighState => ({
	...(e.lladdr === undefined ? {} : {lladdr: normalizeMac(e.lladdr)}),
	states: [...e.states].sort(),
	...(e.dev === undefined ? {} : {dev: e.dev}),
});

const sameNeigh = (a: NeighState, b: NeighState): boolean =>
	a.lladdr === b.lladdr && a.states.join(',') === b.states.join(',');

/** IPs that count as VIPs on one side: model VIPs, keepalived virtual addresses, finding subjects. */
function vipSet(side: DiffSide): Set<string> {
	const out = new Set<string>();
	for (const vip of getModel(side.snapshot).vips) out.add(normalizeIp(vip.ip));
	for (const node of Object.values(side.snapshot.nodes)) {
		for (const conf of Object.values(node.facts.keepalived ?? {})) {
			for (const instance of conf.data.instances) {
				for (const address of instance.virtualIpaddress) {
					if (!address.address.startsWith('169.254.')) out.add(normalizeIp(address.address));
				}
			}
		}
	}
	for (const finding of side.diagnosis.findings)
		if (finding.vip !== undefined) out.add(normalizeIp(finding.vip));
	return out;
}

function ownerOf(side: DiffSide): Map<string, OwnerRef> {
	const out = new Map<string, OwnerRef>();
	for (const vip of getModel(side.snapshot).vips) {
		if (vip.owner === undefined) continue;
		const o = vip.owner.observation;
		out.set(normalizeIp(vip.ip), {
			mac: normalizeMac(vip.owner.mac),
			source: vip.owner.source,
			...(o.node === undefined ? {} : {node: o.node}),
			...(o.namespace === undefined ? {} : {namespace: o.namespace}),
		});
	}
	return out;
}

function holdersOf(side: DiffSide): Map<string, string[]> {
	const out = new Map<string, string[]>();
	for (const vip of getModel(side.snapshot).vips) {
		out.set(
			normalizeIp(vip.ip),
			vip.holders.map(h => `${h.node ?? '?'}${h.namespace === undefined ? '' : `/${h.namespace}`}`),
		);
	}
	return out;
}

function flowKind(flow: Flow): FlowKind | undefined {
	if (flow.match['arp_tpa'] === undefined) return undefined;
	const drop = flow.actions.length === 0 || flow.actions.every(a => a.type === 'drop');
	if (drop) return 'arp-drop';
	const responds = flow.actions.some(
		a =>
			(a.type === 'load' || a.type === 'set_field') &&
			/ARP_OP|arp_op|ARP_SPA|arp_spa|ARP_SHA|arp_sha/.test(a.field),
	);
	return responds || flow.table === 21 ? 'arp-responder' : undefined;
}

/** A flow without counters: table, priority, match and actions as printed. */
function flowText(flow: Flow): string {
	const match = Object.entries(flow.match)
		.map(([k, v]) => (v === '' ? k : `${k}=${v}`))
		.join(',');
	return `table=${flow.table},priority=${flow.priority}${match === '' ? '' : `,${match}`} actions=${flow.actions.map(a => a.raw).join(',')}`;
}

function flowsOf(snapshot: Snapshot, node: NodeId): Map<string, Map<FlowKind, Set<string>>> {
	const out = new Map<string, Map<FlowKind, Set<string>>>();
	for (const [bridge, dump] of Object.entries(snapshot.nodes[node]?.facts.flows ?? {})) {
		const kinds = new Map<FlowKind, Set<string>>();
		for (const flow of dump.data.flows) {
			const kind = flowKind(flow);
			if (kind === undefined) continue;
			const set = kinds.get(kind) ?? new Set<string>();
			set.add(flowText(flow));
			kinds.set(kind, set);
		}
		out.set(bridge, kinds);
	}
	return out;
}

function stateEntries(
	snapshot: Snapshot,
	node: NodeId,
): Map<string, {kind: StateDiff['kind']; value: string}> {
	const out = new Map<string, {kind: StateDiff['kind']; value: string}>();
	const facts = snapshot.nodes[node]?.facts;
	for (const [router, state] of Object.entries(facts?.haState ?? {}))
		out.set(`ha-state|${router}`, {kind: 'ha-state', value: state.data.state});
	for (const [file, conf] of Object.entries(facts?.keepalived ?? {})) {
		for (const instance of conf.data.instances) {
			if (instance.state !== undefined)
				out.set(`keepalived-conf|${file}:${instance.name}`, {
					kind: 'keepalived-conf',
					value: instance.state,
				});
		}
	}
	return out;
}

const findingKey = (f: Finding): string =>
	[f.ruleId, f.messageId, f.vip ?? '', f.router ?? ''].join('|');

const findingRef = (f: Finding): FindingRef => ({
	ruleId: f.ruleId,
	severity: f.severity,
	title: f.title,
	message: f.message,
	...(f.vip === undefined ? {} : {vip: f.vip}),
	...(f.router === undefined ? {} : {router: f.router}),
	nodes: [...f.nodes],
});

const sortedUnion = (a: Iterable<string>, b: Iterable<string>): string[] =>
	[...new Set([...a, ...b])].sort();

const ipSortKey = (ip: string): string =>
	/^\d+\.\d+\.\d+\.\d+$/.test(ip)
		? ip
				.split('.')
				.map(o => o.padStart(3, '0'))
				.join('.')
		: ip;

// ─── the diff ───────────────────────────────────────────────────────────────

/** Compare two snapshots (with their diagnoses). Pure. */
export function diffSnapshots(before: DiffSide, after: DiffSide): DataPlaneDiff {
	const nodesBefore = new Set(Object.keys(before.snapshot.nodes));
	const nodesAfter = new Set(Object.keys(after.snapshot.nodes));
	const allNodes = sortedUnion(nodesBefore, nodesAfter);
	const owners: Owners = {before: ownerOf(before), after: ownerOf(after)};
	const {neighbours, vipEntriesUnchanged} = diffNeighbours(before, after, allNodes, owners);
	const vipDiffs = diffVips(before, after, owners);
	const states = diffStates(before, after, allNodes);
	const flows = diffFlows(before, after, allNodes);
	const {appeared, resolved, persisting} = diffFindings(before, after);

	const total = {changed: 0, unchanged: 0, added: 0, removed: 0};
	for (const ns of neighbours)
		for (const status of Object.keys(total) as EntryStatus[]) total[status] += ns.counts[status];
	const side = (s: DiffSide) => ({
		label: s.label,
		createdAt: s.snapshot.manifest.createdAt,
		source: s.snapshot.manifest.source,
	});
	return {
		format: 'dvrscope-diff',
		schemaVersion: 1,
		before: side(before),
		after: side(after),
		nodes: {
			both: allNodes.filter(n => nodesBefore.has(n) && nodesAfter.has(n)),
			beforeOnly: allNodes.filter(n => !nodesAfter.has(n)),
			afterOnly: allNodes.filter(n => !nodesBefore.has(n)),
		},
		neighbours,
		vipEntriesUnchanged,
		vips: vipDiffs,
		states,
		flows,
		findings: {appeared, resolved, persisting},
		summary: {
			neighbours: total,
			vipOwnersChanged: vipDiffs.filter(v => v.ownerChanged).length,
			vipEntriesUnchanged: vipEntriesUnchanged.length,
			statesChanged: states.filter(s => s.changed).length,
			flowsAdded: flows.reduce((n, f) => n + f.added.length, 0),
			flowsRemoved: flows.reduce((n, f) => n + f.removed.length, 0),
			findingsAppeared: appeared.length,
			findingsResolved: resolved.length,
		},
	};
}

/** Each side's VIP owners (VIP → the port that owns it). */
type Owners = {readonly before: Map<string, OwnerRef>; readonly after: Map<string, OwnerRef>};

/**
 * Neighbour entries per node per qrouter namespace, and the VIP entries that stayed the same
 * (stale when the VIP's owner moved).
 */
function diffNeighbours(
	before: DiffSide,
	after: DiffSide,
	allNodes: readonly string[],
	owners: Owners,
): {neighbours: NamespaceNeighDiff[]; vipEntriesUnchanged: VipEntryUnchanged[]} {
	const vips = new Set([...vipSet(before), ...vipSet(after)]);
	const neighbours: NamespaceNeighDiff[] = [];
	const vipEntriesUnchanged: VipEntryUnchanged[] = [];
	for (const node of allNodes) {
		const nb = before.snapshot.nodes[node]?.facts.neigh ?? {};
		const na = after.snapshot.nodes[node]?.facts.neigh ?? {};
		for (const namespace of sortedUnion(Object.keys(nb), Object.keys(na))) {
			if (!isRouterNamespace(namespace)) continue;
			const b = new Map((nb[namespace]?.data ?? []).map(e => [neighKey(e), e]));
			const a = new Map((na[namespace]?.data ?? []).map(e => [neighKey(e), e]));
			const entries: NeighDiffEntry[] = [];
			for (const key of sortedUnion(b.keys(), a.keys())) {
				const eb = b.get(key);
				const ea = a.get(key);
				const dst = normalizeIp((eb ?? ea)?.dst ?? key);
				const sb = eb === undefined ? undefined : neighState(eb);
				const sa = ea === undefined ? undefined : neighState(ea);
				const status: EntryStatus =
					sb === undefined
						? 'added'
						: sa === undefined
							? 'removed'
							: sameNeigh(sb, sa)
								? 'unchanged'
								: 'changed';
				const isVip = vips.has(dst);
				entries.push({
					dst,
					status,
					...(sb === undefined ? {} : {before: sb}),
					...(sa === undefined ? {} : {after: sa}),
					vip: isVip,
				});
				if (isVip && status === 'unchanged' && sa !== undefined) {
					const ob = owners.before.get(dst);
					const oa = owners.after.get(dst);
					vipEntriesUnchanged.push({
						node,
						namespace,
						dst,
						...(sa.lladdr === undefined ? {} : {lladdr: sa.lladdr}),
						states: sa.states,
						ownerMoved: ob !== undefined && oa !== undefined && ob.mac !== oa.mac,
						...(oa === undefined ? {} : {ownerAfter: oa.mac}),
					});
				}
			}
			entries.sort((x, y) => ipSortKey(x.dst).localeCompare(ipSortKey(y.dst)));
			const counts = {changed: 0, unchanged: 0, added: 0, removed: 0};
			for (const e of entries) counts[e.status]++;
			neighbours.push({
				node,
				namespace,
				presence:
					nb[namespace] === undefined
						? 'after-only'
						: na[namespace] === undefined
							? 'before-only'
							: 'both',
				counts,
				entries,
			});
		}
	}
	return {neighbours, vipEntriesUnchanged};
}

/** VIP ownership: owner and holders on each side. */
function diffVips(before: DiffSide, after: DiffSide, owners: Owners): VipDiff[] {
	const holdersBefore = holdersOf(before);
	const holdersAfter = holdersOf(after);
	return sortedUnion(
		[...owners.before.keys(), ...holdersBefore.keys()],
		[...owners.after.keys(), ...holdersAfter.keys()],
	).map(ip => {
		const b = owners.before.get(ip);
		const a = owners.after.get(ip);
		return {
			ip,
			...(b === undefined ? {} : {before: b}),
			...(a === undefined ? {} : {after: a}),
			ownerChanged: b !== undefined && a !== undefined && b.mac !== a.mac,
			holdersBefore: holdersBefore.get(ip) ?? [],
			holdersAfter: holdersAfter.get(ip) ?? [],
		};
	});
}

/** L3-HA state files and keepalived configured states. */
function diffStates(before: DiffSide, after: DiffSide, allNodes: readonly string[]): StateDiff[] {
	const states: StateDiff[] = [];
	for (const node of allNodes) {
		const sb = stateEntries(before.snapshot, node);
		const sa = stateEntries(after.snapshot, node);
		for (const key of sortedUnion(sb.keys(), sa.keys())) {
			const b = sb.get(key);
			const a = sa.get(key);
			const kind = (b ?? a)?.kind ?? 'ha-state';
			states.push({
				kind,
				node,
				key: key.slice(key.indexOf('|') + 1),
				...(b === undefined ? {} : {before: b.value}),
				...(a === undefined ? {} : {after: a.value}),
				changed: b?.value !== a?.value,
			});
		}
	}
	return states;
}

/** ARP-responder and ARP-drop flows per node and bridge. */
function diffFlows(before: DiffSide, after: DiffSide, allNodes: readonly string[]): FlowDiff[] {
	const flows: FlowDiff[] = [];
	for (const node of allNodes) {
		const fb = flowsOf(before.snapshot, node);
		const fa = flowsOf(after.snapshot, node);
		for (const bridge of sortedUnion(fb.keys(), fa.keys())) {
			for (const kind of ['arp-responder', 'arp-drop'] as const) {
				const b = fb.get(bridge)?.get(kind) ?? new Set<string>();
				const a = fa.get(bridge)?.get(kind) ?? new Set<string>();
				if (b.size === 0 && a.size === 0) continue;
				flows.push({
					node,
					bridge,
					kind,
					added: [...a].filter(f => !b.has(f)).sort(),
					removed: [...b].filter(f => !a.has(f)).sort(),
					unchanged: [...a].filter(f => b.has(f)).sort(),
				});
			}
		}
	}
	return flows;
}

/** Findings that appeared, were resolved, or persist. */
function diffFindings(before: DiffSide, after: DiffSide): DataPlaneDiff['findings'] {
	const fb = new Map(before.diagnosis.findings.map(f => [findingKey(f), f]));
	const fa = new Map(after.diagnosis.findings.map(f => [findingKey(f), f]));
	const appeared = [...fa].filter(([k]) => !fb.has(k)).map(([, f]) => findingRef(f));
	const resolved = [...fb].filter(([k]) => !fa.has(k)).map(([, f]) => findingRef(f));
	const persisting = [...fa].filter(([k]) => fb.has(k)).map(([, f]) => findingRef(f));
	return {appeared, resolved, persisting};
}
