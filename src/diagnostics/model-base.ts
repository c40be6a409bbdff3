import type {OsPort, OsSubnet} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {NodeFacts, Snapshot} from '../model/snapshot.js';
import {cidrContains} from './net.js';
import type {NeighObs, OwnerSource, RouterInfo, SubnetInfo} from './model.js';

/**
 * The first layer of the joined model: namespaces, neighbour tables, subnets and routers, from
 * the API where it was read and from the nodes' own namespaces and interfaces otherwise.
 */

export const ROUTER_INTERFACE_OWNERS = [
	'network:router_interface',
	'network:router_interface_distributed',
	'network:ha_router_replicated_interface',
] as const;

/** What every later step of the model reads. */
export type ModelBase = {
	readonly snapshot: Snapshot;
	readonly nodeIds: readonly NodeId[];
	readonly ports: readonly OsPort[];
	readonly factsOf: (node: NodeId) => NodeFacts;
	readonly namespaces: (node: NodeId) => readonly string[];
	readonly nodesWithNs: (ns: string) => NodeId[];
	readonly neigh: (node: NodeId, ns: string) => readonly NeighObs[];
	readonly subnets: readonly SubnetInfo[];
	readonly subnetById: (id: string) => SubnetInfo | undefined;
	readonly subnetOf: (ip: string) => SubnetInfo | undefined;
};

export function buildBase(snapshot: Snapshot): ModelBase {
	const nodeIds = Object.keys(snapshot.nodes);
	const factsOf = (node: NodeId): NodeFacts => snapshot.nodes[node]?.facts ?? {};
	const namespaces = new Map<NodeId, string[]>();
	for (const node of nodeIds) {
		const facts = factsOf(node);
		const names = new Set<string>((facts.netns?.data ?? []).map(n => n.name));
		for (const record of [facts.neigh, facts.addr, facts.route, facts.rule])
			for (const ns of Object.keys(record ?? {})) if (ns !== '') names.add(ns);
		namespaces.set(node, [...names]);
	}
	const neighIndex = new Map<string, NeighObs[]>();
	for (const node of nodeIds)
		for (const [ns, sourced] of Object.entries(factsOf(node).neigh ?? {}))
			neighIndex.set(
				`${node}\u0000${ns}`,
				sourced.data.map(entry => ({node, namespace: ns, entry, sourced})),
			);
	const subnets: SubnetInfo[] = (snapshot.cloud.subnets?.data ?? []).map((s: OsSubnet) => ({
		id: s.id,
		cidr: s.cidr,
		...(s.networkId !== undefined ? {networkId: s.networkId} : {}),
		...(s.gatewayIp !== undefined ? {gatewayIp: s.gatewayIp} : {}),
	}));
	const byId = new Map(subnets.filter(s => s.id !== undefined).map(s => [s.id, s]));
	return {
		snapshot,
		nodeIds,
		ports: snapshot.cloud.ports?.data ?? [],
		factsOf,
		namespaces: node => namespaces.get(node) ?? [],
		nodesWithNs: ns => nodeIds.filter(n => (namespaces.get(n) ?? []).includes(ns)),
		neigh: (node, ns) => neighIndex.get(`${node}\u0000${ns}`) ?? [],
		subnets,
		subnetById: id => byId.get(id),
		subnetOf: ip => subnets.find(s => cidrContains(s.cidr, ip)),
	};
}

function networkOfCidr(address: string, prefixlen: number): string {
	const parts = address.split('.').map(Number);
	if (parts.length !== 4 || parts.some(n => !Number.isInteger(n))) return `${address}/${prefixlen}`;
	const value = parts.reduce((acc, n) => acc * 256 + n, 0);
	const net = Math.floor(value / 2 ** (32 - prefixlen)) * 2 ** (32 - prefixlen);
	const octets = [24, 16, 8, 0].map(s => Math.floor(net / 2 ** s) % 256);
	return `${octets.join('.')}/${prefixlen}`;
}

const isRouterInterface = (p: OsPort): boolean =>
	(ROUTER_INTERFACE_OWNERS as readonly string[]).includes(p.deviceOwner ?? '');

/** Router ids from the API, router interface ports and qrouter- namespaces. */
function routerIds(base: ModelBase): Set<string> {
	const ids = new Set<string>((base.snapshot.cloud.routers?.data ?? []).map(r => r.id));
	for (const p of base.ports)
		if (p.deviceId !== undefined && isRouterInterface(p)) ids.add(p.deviceId);
	for (const node of base.nodeIds)
		for (const ns of base.namespaces(node)) if (ns.startsWith('qrouter-')) ids.add(ns.slice(8));
	return ids;
}

/** The router's subnets: its interface ports' fixed IPs, else the qr- addresses seen on nodes. */
function routerSubnets(
	base: ModelBase,
	id: string,
	interfacePorts: readonly OsPort[],
	qrouterNodes: readonly NodeId[],
): SubnetInfo[] {
	const found: SubnetInfo[] = [];
	const add = (s: SubnetInfo | undefined): void => {
		if (s !== undefined && !found.some(x => x.cidr === s.cidr)) found.push(s);
	};
	for (const p of interfacePorts)
		for (const f of p.fixedIps)
			add(
				(f.subnetId !== undefined ? base.subnetById(f.subnetId) : undefined) ?? base.subnetOf(f.ip),
			);
	for (const node of qrouterNodes)
		for (const iface of base.factsOf(node).addr?.[`qrouter-${id}`]?.data ?? []) {
			if (!iface.name.startsWith('qr-')) continue;
			for (const a of iface.addresses) {
				if (a.local.startsWith('fe80')) continue;
				add(
					base.subnetOf(a.local) ?? {cidr: networkOfCidr(a.local, a.prefixlen), gatewayIp: a.local},
				);
			}
		}
	return found;
}

function routerInfo(base: ModelBase, id: string): RouterInfo {
	const api = base.snapshot.cloud.routers?.data.find(r => r.id === id);
	const interfacePorts = base.ports.filter(p => p.deviceId === id && isRouterInterface(p));
	const qrouterNodes = base.nodesWithNs(`qrouter-${id}`);
	const snatNodes = base.nodesWithNs(`snat-${id}`);
	let distributed: boolean | undefined = api?.distributed;
	let distributedSource = distributed === undefined ? 'unknown' : 'router API';
	if (distributed === undefined && interfacePorts.length > 0) {
		distributed = interfacePorts.some(
			p => p.deviceOwner === 'network:router_interface_distributed',
		);
		distributedSource = 'interface device_owner';
	}
	if (distributed === undefined && qrouterNodes.length > 0 && snatNodes.length > 0) {
		distributed = true;
		distributedSource = 'snat- namespace present';
	}
	const rfp = qrouterNodes.some(n =>
		(base.factsOf(n).addr?.[`qrouter-${id}`]?.data ?? []).some(i => i.name.startsWith('rfp-')),
	);
	if (distributed === undefined && rfp) {
		distributed = true;
		distributedSource = 'rfp- interface (DVR floating IP path) in qrouter namespace';
	}
	const ha =
		api?.ha ??
		(interfacePorts.some(p => p.deviceOwner === 'network:ha_router_replicated_interface') ||
		base.nodeIds.some(n => base.factsOf(n).haState?.[id] !== undefined)
			? true
			: undefined);
	if (distributed === undefined && ha !== true && qrouterNodes.length > 1) {
		distributed = true;
		distributedSource = `qrouter- namespace on ${qrouterNodes.length} nodes without L3-HA state`;
	}
	return {
		id,
		...(api?.name !== undefined ? {name: api.name} : {}),
		...(api !== undefined ? {api} : {}),
		distributed,
		distributedSource,
		ha,
		subnets: routerSubnets(base, id, interfacePorts, qrouterNodes),
		interfacePorts,
		qrouterNodes,
		snatNodes,
		neighNodes: base.nodeIds.filter(n => base.factsOf(n).neigh?.[`qrouter-${id}`] !== undefined),
	};
}

export function buildRouters(base: ModelBase): Map<string, RouterInfo> {
	return new Map([...routerIds(base)].map(id => [id, routerInfo(base, id)]));
}

const UNBOUND_VIF_TYPES = new Set(['unbound', 'binding_failed']);

/** A port Neutron bound to a host (an unbound or failed binding is not). */
export function isBound(port: OsPort): boolean {
	if (port.bindingVifType !== undefined && UNBOUND_VIF_TYPES.has(port.bindingVifType)) return false;
	if (port.bindingHostId !== undefined && port.bindingHostId !== '') return true;
	return port.bindingVifType !== undefined && !UNBOUND_VIF_TYPES.has(port.bindingVifType);
}

/** How each source of VIP ownership reads in a finding. */
export const OWNER_SOURCE_TEXT: Readonly<Record<OwnerSource, string>> = {
	interface: 'VIP seen on an interface',
	'ha-state': 'Neutron L3-HA state file',
	'dynamic-neigh': 'dynamic ARP entry learnt from the owner (follows gratuitous ARPs)',
	'arp-spa':
		'br-int ARP anti-spoofing flow counters (the member port that sent the latest ARP from the VIP)',
	'amphora-role': 'Octavia configured amphora role (not live VRRP state)',
	'ovn-port-security':
		'OVN port-security flow counters on the chassis (the member port that sent the latest packet from the VIP, and still answers for it)',
};
