import {arpDropOf, arpResponderOf as neutronArpResponderOf} from '../collectors/neutron.js';
import type {Flow} from '../model/facts.js';
import {normalizeMac, sameIp} from './net.js';

/** VLAN of a flow's `dl_vlan=` / `vlan_vid=` match (OF1.3 prints 4096|vid). */
export function flowVlan(flow: Flow): number | undefined {
	const raw = flow.match['dl_vlan'] ?? flow.match['vlan_vid'];
	if (raw === undefined) return undefined;
	const n = Number(raw.split('/')[0]);
	if (!Number.isFinite(n)) return undefined;
	return n >= 4096 ? n - 4096 : n;
}

/**
 * The DVR "ARP for the router port must not leave the node" flow for `ip`: br-tun table 22
 * priority 3 (Train and later) or table 1 priority 3 (before Train), actions drop.
 */
export function arpDropLayout(flow: Flow, ip: string): 'train' | 'pre-train' | undefined {
	const drop = arpDropOf(flow);
	if (drop === undefined || !sameIp(drop.ip.split('/')[0] ?? drop.ip, ip)) return undefined;
	return drop.layout === 'train+' ? 'train' : 'pre-train';
}

export type ArpResponderEntry = {readonly ip: string; readonly mac: string; readonly vlan?: number};

/** An ARP-responder flow (br-tun table 21, `arp,arp_tpa=IP`): which IP it answers, with which MAC. */
export function arpResponderOf(flow: Flow): ArpResponderEntry | undefined {
	const entry = neutronArpResponderOf(flow);
	if (entry === undefined) return undefined;
	const vlan = flowVlan(flow);
	return {
		ip: entry.ip.split('/')[0] ?? entry.ip,
		mac: normalizeMac(entry.mac),
		...(vlan !== undefined ? {vlan} : {}),
	};
}
