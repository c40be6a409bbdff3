import type {Amphora, IpInterface, OsPort} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot, Sourced} from '../model/snapshot.js';
import {addrFocus, lineEvidence, neighFocus} from './evidence.js';
import {arpSpaHolder, subnetNamespaces, type NodeVipCandidate} from './model-nodes.js';
import {OWNER_SOURCE_TEXT, isBound, type ModelBase} from './model-base.js';
import type {
	Carrier,
	KeepalivedMember,
	NodeCarrier,
	OwnerObservation,
	OwnerSource,
	RouterInfo,
	Vip,
	VipOwner,
} from './model.js';
import {cidrContains, normalizeIp, normalizeMac, sameIp} from './net.js';
import type {Evidence} from './types.js';

/** Inputs of {@link buildVip}: the base model, routers, and lookups built once. */
export type VipContext = {
	readonly base: ModelBase;
	readonly routers: ReadonlyMap<string, RouterInfo>;
	readonly amphorae: readonly Amphora[];
	readonly nodeCarriers: ReadonlyMap<string, readonly NodeCarrier[]>;
	carrierLabel(port: OsPort): string;
	amphoraEvidence(amphora: Amphora, note?: string): Evidence | undefined;
};

const short = (id: string): string => id.slice(0, 8);

export const isHostRoute = (prefixlen: number | undefined, ip: string): boolean =>
	prefixlen === undefined || prefixlen === (ip.includes(':') ? 128 : 32);

const DYNAMIC_RANK: Readonly<Record<string, number>> = {REACHABLE: 3, DELAY: 2, PROBE: 2, STALE: 1};
/**
 * A REACHABLE entry was confirmed within the kernel's reachable time: base_reachable_time (30 s by
 * default) times a random factor of 0.5–1.5.
 */
const REACHABLE_MAX_S = 45;

/** The newest capture of each node (ms since the epoch): a watch probe round's read time. */
const newestCache = new WeakMap<Snapshot, Map<NodeId, number>>();
function newestReads(snapshot: Snapshot): Map<NodeId, number> {
	const cached = newestCache.get(snapshot);
	if (cached !== undefined) return cached;
	const newest = new Map<NodeId, number>();
	newestCache.set(snapshot, newest);
	for (const c of Object.values(snapshot.captures)) {
		if (c.node === undefined) continue;
		const at = Date.parse(c.startedAt);
		if (Number.isFinite(at) && at > (newest.get(c.node) ?? 0)) newest.set(c.node, at);
	}
	return newest;
}

/** Single-host allowed-address-pair IPs of the API's ports, each once. */
export function apiVipIps(ports: readonly OsPort[]): string[] {
	const ips: string[] = [];
	for (const p of ports)
		for (const pair of p.allowedAddressPairs)
			if (isHostRoute(pair.prefixlen, pair.ip) && !ips.some(v => sameIp(v, pair.ip)))
				ips.push(pair.ip);
	return ips;
}

function apiCarriers(context: VipContext, ip: string): Carrier[] {
	return context.base.ports
		.filter(p =>
			p.allowedAddressPairs.some(
				pair => sameIp(pair.ip, ip) && isHostRoute(pair.prefixlen, pair.ip),
			),
		)
		.map(port => {
			const pair = port.allowedAddressPairs.find(x => sameIp(x.ip, ip));
			const amp = context.amphorae.find(a => a.vrrpPortId === port.id);
			return {
				port,
				mac: normalizeMac(pair?.mac ?? port.mac),
				bound: isBound(port),
				...(port.bindingHostId !== undefined && port.bindingHostId !== ''
					? {host: port.bindingHostId}
					: {}),
				...(amp !== undefined ? {amphora: amp} : {}),
				label: context.carrierLabel(port),
			};
		});
}

/**
 * MAC of an interface printed without one (`ip -br addr`, `ip -o addr`): the port whose fixed IP
 * is another address of the same interface — from the API, the anti-spoofing flows, or the
 * qrouter PERMANENT entries (which Neutron writes for every fixed IP).
 */
function macOfFixedIp(
	context: VipContext,
	iface: IpInterface,
	vip: string,
): {mac: string; how: string; evidence: Evidence[]} | undefined {
	const {base} = context;
	for (const a of iface.addresses) {
		if (sameIp(a.local, vip) || a.local.toLowerCase().startsWith('fe80')) continue;
		const port = base.ports.find(p => p.fixedIps.some(f => sameIp(f.ip, a.local)));
		if (port !== undefined)
			return {mac: normalizeMac(port.mac), how: `the port with fixed IP ${a.local}`, evidence: []};
		const flows = context.nodeCarriers.get(normalizeIp(a.local)) ?? [];
		const flowMacs = [...new Set(flows.map(c => c.mac))];
		if (flowMacs.length === 1 && flowMacs[0] !== undefined)
			return {
				mac: flowMacs[0],
				how: `the port allowed to send ARPs from its fixed IP ${a.local}`,
				evidence: flows.flatMap(c => c.evidence),
			};
		const entries = base.nodeIds.flatMap(node =>
			base
				.namespaces(node)
				.filter(ns => ns.startsWith('qrouter-'))
				.flatMap(ns => base.neigh(node, ns))
				.filter(o => o.entry.states.includes('PERMANENT') && o.entry.lladdr !== undefined)
				.filter(o => sameIp(o.entry.dst, a.local)),
		);
		const macs = [...new Set(entries.map(o => normalizeMac(o.entry.lladdr ?? '')))];
		const first = entries[0];
		if (macs.length === 1 && macs[0] !== undefined && first !== undefined)
			return {
				mac: macs[0],
				how: `the qrouter entry for its fixed IP ${a.local}`,
				evidence: [
					lineEvidence(
						base.snapshot,
						first.node,
						first.sourced,
						[first.entry.line],
						`${a.local} (same interface as the VIP) → ${macs[0]}`,
						neighFocus(first.entry.dst),
					),
				],
			};
	}
	return undefined;
}

function interfaceHolders(context: VipContext, ip: string): OwnerObservation[] {
	const {base} = context;
	const found: OwnerObservation[] = [];
	for (const node of base.nodeIds)
		for (const [ns, sourced] of Object.entries(base.factsOf(node).addr ?? {}))
			for (const iface of sourced.data) {
				const address = iface.addresses.find(a => sameIp(a.local, ip));
				if (address !== undefined)
					found.push(interfaceHolder(context, {node, ns, sourced, iface, ip, line: address.line}));
			}
	return found;
}

function interfaceHolder(
	context: VipContext,
	at: {
		node: NodeId;
		ns: string;
		sourced: Sourced<readonly IpInterface[]>;
		iface: IpInterface;
		ip: string;
		line: number;
	},
): OwnerObservation {
	const {node, ns, iface, ip} = at;
	const inferred = iface.mac === undefined ? macOfFixedIp(context, iface, ip) : undefined;
	const mac = iface.mac !== undefined ? normalizeMac(iface.mac) : inferred?.mac;
	const where = ns === '' ? 'the host namespace' : `namespace ${ns}`;
	return {
		source: 'interface',
		...(mac !== undefined ? {mac} : {}),
		node,
		namespace: ns,
		detail: `${ip} is configured on ${iface.name} in ${where} on ${node}${inferred !== undefined ? ` (MAC ${inferred.mac} from ${inferred.how})` : ''}`,
		evidence: [
			lineEvidence(
				context.base.snapshot,
				node,
				at.sourced,
				[iface.line, at.line],
				'the VIP is configured here (this namespace holds it now)',
				addrFocus(ip, iface.name),
			),
			...(inferred?.evidence ?? []),
		],
	};
}

/** Dynamic snat-/qdhcp- entries for the VIP, strongest NUD state first, with their rank. */
function dynamicObservations(
	context: VipContext,
	ip: string,
	routers: readonly RouterInfo[],
	networkId: string | undefined,
): {obs: OwnerObservation; rank: number}[] {
	const {base} = context;
	const found: {obs: OwnerObservation; rank: number}[] = [];
	for (const {node, ns} of subnetNamespaces(base, ip, routers, networkId))
		for (const o of base.neigh(node, ns)) {
			if (!sameIp(o.entry.dst, ip) || o.entry.lladdr === undefined) continue;
			if (o.entry.states.includes('PERMANENT') || o.entry.states.includes('NOARP')) continue;
			const rank = Math.max(0, ...o.entry.states.map(s => DYNAMIC_RANK[s] ?? 0));
			if (rank === 0) continue;
			found.push({
				rank,
				obs: {
					source: 'dynamic-neigh',
					mac: normalizeMac(o.entry.lladdr),
					node,
					namespace: ns,
					...(o.entry.states.includes('REACHABLE') ? {confirmedWithinS: REACHABLE_MAX_S} : {}),
					detail: `${ns} on ${node} learnt ${ip} → ${o.entry.lladdr} (${o.entry.states.join(',')})`,
					evidence: [
						lineEvidence(
							base.snapshot,
							node,
							o.sourced,
							[o.entry.line],
							'dynamic ARP entry (follows gratuitous ARPs)',
							neighFocus(o.entry.dst),
						),
					],
				},
			});
		}
	return found.sort((a, b) => b.rank - a.rank);
}

function amphoraObservations(
	context: VipContext,
	vipAmphorae: readonly Amphora[],
	carriers: readonly Carrier[],
): OwnerObservation[] {
	return vipAmphorae
		.filter(a => a.role?.toUpperCase() === 'MASTER')
		.map(amp => {
			const port = context.base.ports.find(p => p.id === amp.vrrpPortId);
			const carrier = carriers.find(c => c.port.id === amp.vrrpPortId);
			const ev = context.amphoraEvidence(
				amp,
				'configured role MASTER (Octavia does not track live VRRP state)',
			);
			const mac = carrier?.mac ?? (port !== undefined ? normalizeMac(port.mac) : undefined);
			return {
				source: 'amphora-role',
				...(mac !== undefined ? {mac} : {}),
				...(port?.bindingHostId !== undefined ? {node: port.bindingHostId} : {}),
				detail: `Octavia lists amphora ${short(amp.id)} with configured role MASTER`,
				evidence: ev !== undefined ? [ev] : [],
			};
		});
}

/** The owner from the strongest source that has observations; or why it is unknown. */
function pickOwner(
	sources: readonly (readonly [OwnerSource, readonly OwnerObservation[]])[],
	carriers: readonly Carrier[],
	nodeCarriers: readonly NodeCarrier[],
): {owner?: VipOwner; reason?: string} {
	for (const [source, list] of sources) {
		if (list.length === 0) continue;
		const macs = [...new Set(list.map(o => o.mac).filter((m): m is string => m !== undefined))];
		const mac = macs[0];
		if (macs.length !== 1 || mac === undefined)
			return {
				reason:
					macs.length > 1
						? `${OWNER_SOURCE_TEXT[source]} disagree: ${macs.join(' vs ')}`
						: `${OWNER_SOURCE_TEXT[source]} has no MAC`,
			};
		const carrier = carriers.find(c => c.mac === mac);
		const nodeCarrier = nodeCarriers.find(c => c.mac === mac);
		const observation = list.find(o => o.mac === mac);
		if (observation === undefined) continue;
		return {
			owner: {
				source,
				mac,
				...(carrier !== undefined ? {carrier} : {}),
				...(nodeCarrier !== undefined ? {nodeCarrier} : {}),
				observation,
				configuredOnly: source === 'amphora-role',
			},
		};
	}
	return {reason: 'no source of live ownership in the capture set'};
}

function keepalivedMembers(context: VipContext, ip: string): KeepalivedMember[] {
	const {base} = context;
	const members: KeepalivedMember[] = [];
	for (const node of base.nodeIds)
		for (const [config, sourced] of Object.entries(base.factsOf(node).keepalived ?? {}))
			for (const inst of sourced.data.instances) {
				const vaddr = [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded].find(v =>
					sameIp(v.address, ip),
				);
				if (vaddr === undefined) continue;
				members.push({
					node,
					config,
					instance: inst.name,
					...(inst.state !== undefined ? {state: inst.state} : {}),
					...(inst.priority !== undefined ? {priority: inst.priority} : {}),
					evidence: lineEvidence(
						base.snapshot,
						node,
						sourced,
						[inst.line, vaddr.line],
						`keepalived instance ${inst.name} manages ${ip} (configured state ${inst.state ?? '?'}, not live)`,
					),
				});
			}
	return members;
}

/** One VIP: its carriers (API and node data), subnet, routers and every sign of who holds it. */
export function buildVip(context: VipContext, ip: string, discovery?: NodeVipCandidate): Vip {
	const {base} = context;
	const carriers = apiCarriers(context, ip);
	const nodeCarriers = context.nodeCarriers.get(normalizeIp(ip)) ?? [];
	const vipPorts = base.ports.filter(p => p.fixedIps.some(f => sameIp(f.ip, ip)));
	const networkId = carriers[0]?.port.networkId ?? vipPorts[0]?.networkId;
	const routerList = [...context.routers.values()].filter(r =>
		r.subnets.some(s => cidrContains(s.cidr, ip)),
	);
	const subnet =
		base.subnets.find(
			s =>
				cidrContains(s.cidr, ip) &&
				(networkId === undefined || s.networkId === undefined || s.networkId === networkId),
		) ?? routerList.flatMap(r => r.subnets).find(s => cidrContains(s.cidr, ip));
	const vipAmphorae = context.amphorae.filter(a => a.haIp !== undefined && sameIp(a.haIp, ip));

	const holders = interfaceHolders(context, ip);
	const dynamic = dynamicObservations(context, ip, routerList, networkId);
	const topDynamic = dynamic.filter(d => d.rank === dynamic[0]?.rank).map(d => d.obs);
	const newest = newestReads(base.snapshot);
	const spa = arpSpaHolder(ip, nodeCarriers, node => newest.get(node));
	const roles = amphoraObservations(context, vipAmphorae, carriers);
	const observations = [...holders, ...dynamic.map(d => d.obs), ...(spa ? [spa] : []), ...roles];
	const {owner, reason} = pickOwner(
		[
			['interface', holders],
			['dynamic-neigh', topDynamic],
			['arp-spa', spa ? [spa] : []],
			['amphora-role', roles],
		],
		carriers,
		nodeCarriers,
	);
	return {
		ip,
		keepalived: keepalivedMembers(context, ip),
		...(subnet !== undefined ? {subnet} : {}),
		...(networkId !== undefined ? {networkId} : {}),
		carriers,
		nodeCarriers,
		vipPorts,
		routers: routerList,
		...(owner !== undefined ? {owner} : {}),
		observations,
		holders,
		...(owner === undefined && reason !== undefined ? {ownerUnknownReason: reason} : {}),
		amphorae: vipAmphorae,
		...(discovery !== undefined ? {discovery} : {}),
	};
}
