import type {Flow, OvnRow} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import {lineEvidence} from './evidence.js';
import type {OwnerObservation, VipOwner} from './model.js';
import {normalizeMac, sameIp} from './net.js';
import type {Evidence} from './types.js';

/**
 * Who holds a VIP as the chassis see it (DOMAIN.md §1.4a, the OVN counterpart of the OVS agent's
 * ARP anti-spoofing counters). ovn-controller installs port security per member port on the
 * chassis it is bound to, one OpenFlow flow per allowed address, with its own counters:
 *
 * - `arp, reg14=<port>, dl_src=<MAC>, arp_spa=<VIP>, arp_sha=<MAC>` — an ARP *from* the VIP sent
 *   by that port (GARPs, ARP replies);
 * - `ip, reg14=<port>, dl_src=<MAC>, nw_src=<VIP>` — an IP packet *from* the VIP (replies);
 * - `ip, reg15=<port>, dl_dst=<MAC>, nw_dst=<VIP>` — traffic *for* the VIP delivered to that port.
 *
 * (OVN 23.03: tables 74, 73 and 75; matched by shape, not table number, which moves between
 * releases.) The member that spoke from the VIP last is the live holder — unless traffic for the
 * VIP kept reaching it after it fell silent: then it does not answer for the VIP any more and
 * nothing read shows who does (a VIP moved without a gratuitous ARP). Seen on the OVN lab
 * (2026-12-07): healthy, vm1 replies from the VIP at idle_age 0; after a silent move to vm1 the
 * bound parent vm2 got traffic 1 s before the dump but last sent from the VIP 17 s before.
 */
export type OvnSpeaker = {
	readonly node: NodeId;
	readonly mac: string;
	/** Newest packet from the VIP (ARP or IP), ms since epoch; absent: none counted. */
	readonly fromHit?: number;
	/** Newest packet for the VIP delivered to the port. */
	readonly toHit?: number;
	/** When the newest of its flows was installed (counters start there). */
	readonly installed?: number;
	readonly capturedAt: number;
	readonly lines: string;
	readonly evidence: readonly Evidence[];
};

/** Seconds between two ports' last packets below which they are not told apart (1 s resolution). */
const AGE_MARGIN_S = 2;
/** Traffic for the VIP this long after the port's last packet from it: the port does not answer. */
export const UNANSWERED_S = 5;

const hitOf = (flow: Flow, at: number): number | undefined =>
	flow.packets !== undefined && flow.packets > 0 && flow.idleAge !== undefined
		? at - flow.idleAge * 1000
		: undefined;
const newest = (a: number | undefined, b: number | undefined): number | undefined =>
	a === undefined ? b : b === undefined ? a : Math.max(a, b);

type Role = 'from' | 'to';

/** A port-security flow about `ip`: from it (reg14 + dl_src) or for it (reg15 + dl_dst). */
function roleOf(flow: Flow, ip: string): {role: Role; mac: string} | undefined {
	const m = flow.match;
	const src = m['dl_src'];
	const dst = m['dl_dst'];
	if (m['reg14'] !== undefined && src !== undefined) {
		if ('arp' in m && m['arp_spa'] !== undefined && sameIp(m['arp_spa'], ip))
			return {role: 'from', mac: normalizeMac(src)};
		if ('ip' in m && m['nw_src'] !== undefined && sameIp(m['nw_src'], ip))
			return {role: 'from', mac: normalizeMac(src)};
	}
	if (m['reg15'] !== undefined && dst !== undefined && 'ip' in m && m['nw_dst'] !== undefined)
		if (sameIp(m['nw_dst'], ip)) return {role: 'to', mac: normalizeMac(dst)};
	return undefined;
}

/** Every port on every chassis with port-security counters for `ip`, by node and MAC. */
export function ovnSpeakers(snapshot: Snapshot, ip: string): OvnSpeaker[] {
	const out: OvnSpeaker[] = [];
	for (const [node, state] of Object.entries(snapshot.nodes))
		for (const sourced of Object.values(state.facts.flows ?? {})) {
			const at = Date.parse(snapshot.captures[sourced.capture]?.startedAt ?? '');
			if (!Number.isFinite(at)) continue;
			const byMac = new Map<
				string,
				{
					from?: number | undefined;
					to?: number | undefined;
					inst?: number | undefined;
					flows: Flow[];
				}
			>();
			for (const flow of sourced.data.flows) {
				const r = roleOf(flow, ip);
				if (r === undefined) continue;
				const e = byMac.get(r.mac) ?? {flows: []};
				const hit = hitOf(flow, at);
				if (r.role === 'from') e.from = newest(e.from, hit);
				else e.to = newest(e.to, hit);
				if (flow.durationS !== undefined) e.inst = newest(e.inst, at - flow.durationS * 1000);
				e.flows.push(flow);
				byMac.set(r.mac, e);
			}
			for (const [mac, e] of byMac) {
				const lines = e.flows
					.map(
						f =>
							`${f.match['nw_dst'] !== undefined ? 'to' : 'from'} ${f.packets ?? '?'} pkts / ${f.idleAge ?? '?'} s`,
					)
					.join(', ');
				out.push({
					node,
					mac,
					...(e.from !== undefined ? {fromHit: e.from} : {}),
					...(e.to !== undefined ? {toHit: e.to} : {}),
					...(e.inst !== undefined ? {installed: e.inst} : {}),
					capturedAt: at,
					lines,
					evidence: [
						lineEvidence(
							snapshot,
							node,
							sourced,
							e.flows.map(f => f.line),
							`OVN port security of ${mac} on ${node} for ${ip} (counters: ${lines})`,
						),
					],
				});
			}
		}
	return out;
}

const ageS = (s: OvnSpeaker, t: number | undefined): string =>
	t === undefined ? 'never' : `${Math.round((s.capturedAt - t) / 1000)} s before the dump`;

/** The port that still gets traffic for the VIP but stopped sending from it, with the gap. */
export type Unanswered = {readonly speaker: OvnSpeaker; readonly silentS: number};

export function unanswered(s: OvnSpeaker | undefined): Unanswered | undefined {
	if (s?.toHit === undefined) return undefined;
	const silentS = Math.round((s.toHit - (s.fromHit ?? s.installed ?? s.toHit)) / 1000);
	return silentS > UNANSWERED_S ? {speaker: s, silentS} : undefined;
}

/**
 * The live holder from the counters, or why they cannot tell. `members`: the MACs of every port
 * that may hold the VIP (port_security allows it, a virtual parent, a Neutron carrier); a member
 * without counters on a chassis that was read cannot be compared, and then nobody is named.
 */
export function ovnCounterHolder(
	ip: string,
	speakers: readonly OvnSpeaker[],
	members: readonly {mac: string; label: string}[],
): {owner: VipOwner} | {reason: string} {
	const macs = new Set(members.map(m => m.mac));
	const mine = speakers.filter(s => macs.has(s.mac));
	const missing = members.filter(m => !mine.some(s => s.mac === m.mac));
	const hits = mine
		.filter(s => s.fromHit !== undefined)
		.sort((a, b) => (b.fromHit ?? 0) - (a.fromHit ?? 0));
	const best = hits[0];
	if (best?.fromHit === undefined)
		return {
			reason: `no chassis counted a packet from ${ip} by any member (OVN port-security counters${mine.length === 0 ? ' not read for any member' : ''})`,
		};
	if (missing.length > 0)
		return {
			reason: `${missing.map(m => m.label).join(', ')} has no OVN port-security counters for ${ip} on any chassis read (not allowed to send from it, or its chassis not read), so the members cannot be compared`,
		};
	for (const other of mine) {
		if (other === best || other.mac === best.mac) continue;
		if (other.fromHit !== undefined && best.fromHit - other.fromHit < AGE_MARGIN_S * 1000)
			return {reason: `${best.mac} and ${other.mac} both sent from ${ip} within ${AGE_MARGIN_S} s`};
		if (
			other.fromHit === undefined &&
			(other.installed === undefined || other.installed > best.fromHit)
		)
			return {
				reason: `the counters of ${other.mac} started after ${best.mac}'s last packet from ${ip}`,
			};
	}
	const silent = unanswered(best);
	if (silent !== undefined)
		return {
			reason: `the member that last sent from ${ip} (${best.mac} on ${best.node}) still gets traffic for it but has not answered for ${silent.silentS} s, and no other member has sent from it since: the VIP moved without announcing itself, or nobody holds it`,
		};
	const ages = mine
		.map(s => `${s.mac} on ${s.node}: from ${ip} ${ageS(s, s.fromHit)}, for it ${ageS(s, s.toHit)}`)
		.join('; ');
	const observation: OwnerObservation = {
		source: 'ovn-port-security',
		mac: best.mac,
		node: best.node,
		confirmedWithinS: Math.max(0, Math.round((best.capturedAt - best.fromHit) / 1000)),
		detail: `the port with MAC ${best.mac} on ${best.node} sent the latest packet from ${ip} (OVN port-security counters — ${ages})`,
		evidence: mine.map(s => ({
			...(s.evidence[0] as Evidence),
			note:
				s === best
					? `latest packet from ${ip}: this port (${s.mac}) holds the VIP`
					: `packets from ${ip} by ${s.mac} stopped earlier`,
		})),
	};
	return {owner: {source: 'ovn-port-security', mac: best.mac, observation, configuredOnly: false}};
}

/** MACs of the ports that may hold the VIP: port_security allows it, or a virtual parent. */
export function memberMacs(
	rows: readonly OvnRow[],
	macOf: (row: OvnRow) => string | undefined,
	label: (row: OvnRow) => string,
): {mac: string; label: string}[] {
	const out: {mac: string; label: string}[] = [];
	for (const row of rows) {
		const mac = macOf(row);
		if (mac !== undefined && !out.some(m => m.mac === mac)) out.push({mac, label: label(row)});
	}
	return out;
}
