import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import {type Carrier, getModel, OWNER_SOURCE_TEXT, type Vip} from './model.js';
import {normalizeMac, sameIp} from './net.js';

/**
 * The VIP's holder as a fix may use it: the observed owner of the model (the same evidence
 * dvr/stale-permanent-arp reads), or why no command may re-point anything to it. Pure.
 */
export type FixHolder =
	| {
			readonly known: true;
			readonly mac: string;
			/** The port that carries the VIP with the holder's MAC (absent: no port has that MAC). */
			readonly carrier?: Carrier;
			/** The evidence in words: `holder fa:16:3e:… (port vm1 …) — dynamic ARP entry … : snat-… learnt …`. */
			readonly basis: string;
	  }
	| {readonly known: false; readonly reason: string};

/** MACs of interfaces dvrscope read (any namespace, any node). */
function interfaceMacs(snapshot: Snapshot): Set<string> {
	const macs = new Set<string>();
	for (const node of Object.values(snapshot.nodes))
		for (const sourced of Object.values(node.facts.addr ?? {}))
			for (const iface of sourced.data)
				if (iface.mac !== undefined) macs.add(normalizeMac(iface.mac));
	return macs;
}

/**
 * Who holds `vip`, for deriving a fix. Unknown when the model names no owner, when the owner is
 * only Octavia's configured role (it does not follow failovers), or when a dynamic entry names
 * an owner while every member's interface was read and none holds the VIP (contested).
 */
export function fixHolder(snapshot: Snapshot, vip: Vip): FixHolder {
	const owner = vip.owner;
	if (owner === undefined)
		return {
			known: false,
			reason: `who holds ${vip.ip} is unknown (${vip.ownerUnknownReason ?? 'no source of live ownership in the capture set'})`,
		};
	if (owner.configuredOnly)
		return {
			known: false,
			reason: `the only source of ownership is Octavia's configured amphora role, which does not follow VRRP failovers (${owner.observation.detail})`,
		};
	if (owner.source === 'dynamic-neigh' && vip.carriers.length > 0) {
		const seen = interfaceMacs(snapshot);
		if (vip.carriers.every(c => seen.has(c.mac)) && vip.holders.length === 0)
			return {
				known: false,
				reason: `holder contested: ${owner.observation.detail}, but the interfaces of every member (${vip.carriers.map(c => c.mac).join(', ')}) were read and none holds ${vip.ip}`,
			};
	}
	// several members may share the MAC (a shared virtual MAC): prefer the one on the holder's node
	const sameMac = vip.carriers.filter(c => c.mac === owner.mac);
	const carrier =
		sameMac.length > 1
			? (sameMac.find(c => c.host !== undefined && c.host === owner.observation.node) ??
				owner.carrier)
			: owner.carrier;
	if (owner.source !== 'interface' && owner.source !== 'ha-state') {
		const unanswered = unansweredProbe(snapshot, vip);
		if (unanswered !== undefined)
			return {
				known: false,
				reason: `holder contested: ${owner.observation.detail}, but ${unanswered}: nobody answers for ${vip.ip} now`,
			};
	}
	const who =
		carrier?.label ??
		(snapshot.cloud.ports === undefined
			? 'its Neutron port is unknown without the OpenStack API, so only the node stop-gap is printed'
			: 'no Neutron port carries the VIP with this MAC');
	return {
		known: true,
		mac: owner.mac,
		...(carrier !== undefined ? {carrier} : {}),
		basis: `holder ${owner.mac} (${who}) — ${OWNER_SOURCE_TEXT[owner.source]}: ${owner.observation.detail}`,
	};
}

/**
 * A snat-/qdhcp- namespace on the VIP's subnet that asked for the VIP and got no answer (its entry
 * FAILED or INCOMPLETE): direct evidence that no member answers now, stronger than the last ARP seen.
 */
export function unansweredProbe(snapshot: Snapshot, vip: Vip): string | undefined {
	const model = getModel(snapshot);
	const places: [NodeId, string][] = [];
	for (const router of vip.routers)
		for (const node of router.snatNodes) places.push([node, `snat-${router.id}`]);
	if (vip.networkId !== undefined)
		for (const node of Object.keys(snapshot.nodes))
			if (model.namespaces(node).includes(`qdhcp-${vip.networkId}`))
				places.push([node, `qdhcp-${vip.networkId}`]);
	for (const [node, ns] of places)
		for (const o of model.neigh(node, ns)) {
			if (!sameIp(o.entry.dst, vip.ip)) continue;
			const state = o.entry.states.find(x => x === 'FAILED' || x === 'INCOMPLETE');
			if (state !== undefined) return `${ns} on ${node} shows ${vip.ip} ${state}`;
		}
	return undefined;
}
