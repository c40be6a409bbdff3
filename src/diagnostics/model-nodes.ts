import type {Flow, FlowDump, OfctlPort, OvsdbNeutronPort} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Sourced} from '../model/snapshot.js';
import {lineEvidence, neighFocus} from './evidence.js';
import type {ModelBase} from './model-base.js';
import type {NeighObs, NodeCarrier, OwnerObservation, RouterInfo} from './model.js';
import {cidrContains, normalizeIp, normalizeMac} from './net.js';
import type {Evidence} from './types.js';

/**
 * What the nodes alone say about VRRP VIPs, for capture sets without the OpenStack API:
 * - br-int's ARP anti-spoofing flows (`table=24 … arp,in_port=N,arp_spa=IP`; table 71 with the
 *   OVS firewall) list every address a port may send ARPs from: an address allowed for two ports
 *   with different MACs is a shared (VRRP) VIP, and the flows' counters say which port last sent
 *   an ARP from it (DOMAIN.md §1.4a);
 * - a qrouter PERMANENT entry whose MAC differs from the snat-/qdhcp- dynamic entry for the same
 *   address (dynamic entries follow gratuitous ARPs), or from the same router's entry on another
 *   node, is a VIP whose entries did not follow it.
 * Nothing here looks at the MAC's vendor prefix.
 */

/** Tables of br-int that hold per-port `arp_spa` flows: noop/iptables firewall, OVS firewall. */
const SPOOF_TABLES = new Set([24, 71]);
/** Table of br-int that ties a port to its MAC (`in_port=N,dl_src=MAC`) with the noop firewall. */
const MAC_SPOOF_TABLE = 25;

type Spoof = {
	readonly node: NodeId;
	readonly bridge: string;
	readonly port: string;
	readonly ip: string;
	readonly flow: Flow;
	readonly sourced: Sourced<FlowDump>;
};

const hostIp = (value: string): string | undefined => {
	const [ip, len] = value.split('/');
	if (ip === undefined || ip === '') return undefined;
	if (len !== undefined && len !== '32' && len !== '128' && len !== '255.255.255.255')
		return undefined;
	return ip;
};

/** The port a flow matches: `in_port`, or the OVS firewall's `reg5` (its ofport). */
const portOf = (flow: Flow): string | undefined => {
	const inPort = flow.match['in_port'];
	if (inPort !== undefined && inPort !== '') return inPort;
	const reg5 = flow.match['reg5'];
	if (reg5 === undefined) return undefined;
	const n = Number(reg5);
	return Number.isInteger(n) ? String(n) : reg5;
};

function spoofFlows(base: ModelBase): Spoof[] {
	const found: Spoof[] = [];
	for (const node of base.nodeIds)
		for (const [bridge, sourced] of Object.entries(base.factsOf(node).flows ?? {}))
			for (const flow of sourced.data.flows) {
				if (!SPOOF_TABLES.has(flow.table)) continue;
				const spa = flow.match['arp_spa'];
				const ip = spa === undefined ? undefined : hostIp(spa);
				const port = portOf(flow);
				if (ip === undefined || port === undefined || !('arp' in flow.match)) continue;
				found.push({node, bridge, port, ip, flow, sourced});
			}
	return found;
}

/**
 * First element of `list` for each key `keysOf` gives it, in list order, built once per list: a
 * big br-int holds tens of thousands of anti-spoofing flows, and looking each one's port up by a
 * scan of the whole dump (or of every OVSDB row) was quadratic — 10 s of CPU on 200k flows.
 */
function firstByKey<T>(
	cache: WeakMap<readonly T[], Map<string, T>>,
	list: readonly T[],
	keysOf: (item: T) => readonly (string | undefined)[],
): Map<string, T> {
	let index = cache.get(list);
	if (index === undefined) {
		index = new Map();
		for (const item of list)
			for (const key of keysOf(item))
				if (key !== undefined && !index.has(key)) index.set(key, item);
		cache.set(list, index);
	}
	return index;
}

const rowsByPort = new WeakMap<readonly OvsdbNeutronPort[], Map<string, OvsdbNeutronPort>>();
const ofportsByNumber = new WeakMap<readonly OfctlPort[], Map<string, OfctlPort>>();
const macFlowsByPort = new WeakMap<readonly Flow[], Map<string, Flow>>();

/** MAC of a port on a node's bridge: the anti-spoofing flow itself, table 25, or OVSDB. */
function portMac(
	base: ModelBase,
	spoof: Spoof,
): {mac: string; evidence?: Evidence; ifaceId?: string; name?: string} | undefined {
	const own = spoof.flow.match['dl_src'];
	const facts = base.factsOf(spoof.node);
	const rows = facts.ovsdb?.['Interface']?.data.neutron;
	const row =
		rows === undefined
			? undefined
			: firstByKey(rowsByPort, rows, r => [String(r.ofport), r.name]).get(spoof.port);
	const ports = facts.ofports?.[spoof.bridge]?.data.ports;
	const named =
		ports === undefined
			? undefined
			: firstByKey(ofportsByNumber, ports, p => [String(p.ofport)]).get(spoof.port);
	const name = named?.name ?? row?.name;
	const extra = {
		...(row?.ifaceId !== undefined ? {ifaceId: row.ifaceId} : {}),
		...(name !== undefined ? {name} : {}),
	};
	if (own !== undefined && own !== '') return {mac: normalizeMac(own), ...extra};
	const macFlow = firstByKey(macFlowsByPort, spoof.sourced.data.flows, f =>
		f.table === MAC_SPOOF_TABLE && f.match['dl_src'] !== undefined ? [portOf(f)] : [],
	).get(spoof.port);
	if (macFlow !== undefined)
		return {
			mac: normalizeMac(macFlow.match['dl_src'] ?? ''),
			evidence: lineEvidence(
				base.snapshot,
				spoof.node,
				spoof.sourced,
				[macFlow.line],
				`port ${spoof.port} of ${spoof.bridge} on ${spoof.node} sends from this MAC`,
			),
			...extra,
		};
	if (row?.attachedMac !== undefined) return {mac: normalizeMac(row.attachedMac), ...extra};
	return undefined;
}

/** Every port, on every node, allowed to send ARPs from an address; keyed by normalized IP. */
export function nodeCarriersByIp(base: ModelBase): Map<string, NodeCarrier[]> {
	const byIp = new Map<string, NodeCarrier[]>();
	for (const spoof of spoofFlows(base)) {
		const mac = portMac(base, spoof);
		if (mac === undefined) continue;
		const capture = base.snapshot.captures[spoof.sourced.capture];
		const at = capture !== undefined ? Date.parse(capture.startedAt) : Number.NaN;
		const who = `${mac.name !== undefined ? `${mac.name}, ` : ''}ofport ${spoof.port} of ${spoof.bridge}`;
		const carrier: NodeCarrier = {
			node: spoof.node,
			mac: mac.mac,
			ofport: spoof.port,
			...(mac.ifaceId !== undefined ? {portId: mac.ifaceId} : {}),
			label: `the port with MAC ${mac.mac} on ${spoof.node} (${who}${mac.ifaceId !== undefined ? `, Neutron port ${mac.ifaceId}` : ''})`,
			flow: spoof.flow,
			...(Number.isFinite(at) ? {capturedAt: at} : {}),
			evidence: [
				lineEvidence(
					base.snapshot,
					spoof.node,
					spoof.sourced,
					[spoof.flow.line],
					`ARP anti-spoofing flow: port ${spoof.port} on ${spoof.node} may send ARPs from ${spoof.ip}`,
				),
				...(mac.evidence !== undefined ? [mac.evidence] : []),
			],
		};
		const key = normalizeIp(spoof.ip);
		const list = byIp.get(key) ?? [];
		if (!list.some(c => c.node === carrier.node && c.ofport === carrier.ofport)) list.push(carrier);
		byIp.set(key, list);
	}
	return byIp;
}

const isPermanent = (o: NeighObs): boolean =>
	o.entry.states.includes('PERMANENT') && o.entry.lladdr !== undefined;
const isDynamic = (o: NeighObs): boolean =>
	o.entry.lladdr !== undefined &&
	!o.entry.states.includes('PERMANENT') &&
	!o.entry.states.includes('NOARP') &&
	o.entry.states.some(s => ['REACHABLE', 'DELAY', 'PROBE', 'STALE'].includes(s));
const linkLocal = (ip: string): boolean =>
	ip.startsWith('169.254.') || ip.toLowerCase().startsWith('fe80:');

/** A VIP found in node data, with the lines that show it. */
export type NodeVipCandidate = {
	readonly ip: string;
	readonly reason: string;
	readonly evidence: readonly Evidence[];
};

/** snat-/qdhcp- namespaces (on any node) that sit on the router subnet containing `ip`. */
export function subnetNamespaces(
	base: ModelBase,
	ip: string,
	routers: readonly RouterInfo[],
	networkId?: string,
): {node: NodeId; ns: string}[] {
	const cidrs = routers.flatMap(r =>
		r.subnets.filter(s => cidrContains(s.cidr, ip)).map(s => s.cidr),
	);
	const found: {node: NodeId; ns: string}[] = [];
	for (const node of base.nodeIds)
		for (const ns of base.namespaces(node)) {
			const onSubnet =
				(networkId !== undefined && ns === `qdhcp-${networkId}`) ||
				routers.some(r => ns === `snat-${r.id}`) ||
				(ns.startsWith('qdhcp-') &&
					(base.factsOf(node).addr?.[ns]?.data ?? []).some(i =>
						i.addresses.some(a => cidrs.some(c => cidrContains(c, a.local))),
					));
			if (onSubnet) found.push({node, ns});
		}
	return found;
}

const neighEvidence = (base: ModelBase, o: NeighObs, note: string): Evidence =>
	lineEvidence(base.snapshot, o.node, o.sourced, [o.entry.line], note, neighFocus(o.entry.dst));

/** VIPs whose qrouter PERMANENT entries disagree with a dynamic entry or with each other. */
function neighCandidates(base: ModelBase, routers: readonly RouterInfo[]): NodeVipCandidate[] {
	const found = new Map<string, NodeVipCandidate>();
	for (const router of routers) {
		const byIp = new Map<string, NeighObs[]>();
		for (const node of router.neighNodes)
			for (const o of base.neigh(node, `qrouter-${router.id}`)) {
				if (!isPermanent(o) || linkLocal(o.entry.dst)) continue;
				if (o.entry.dev !== undefined && !o.entry.dev.startsWith('qr-')) continue;
				const key = normalizeIp(o.entry.dst);
				byIp.set(key, [...(byIp.get(key) ?? []), o]);
			}
		for (const [key, entries] of byIp) {
			if (found.has(key)) continue;
			const ip = entries[0]?.entry.dst ?? key;
			const macs = new Set(entries.map(o => normalizeMac(o.entry.lladdr ?? '')));
			const dynamic = subnetNamespaces(base, ip, [router]).flatMap(({node, ns}) =>
				base.neigh(node, ns).filter(o => isDynamic(o) && normalizeIp(o.entry.dst) === key),
			);
			const differing = dynamic.filter(d => !macs.has(normalizeMac(d.entry.lladdr ?? '')));
			if (differing.length > 0) {
				found.set(key, {
					ip,
					reason: `the qrouter PERMANENT entry for ${ip} and the dynamic entry in ${differing[0]?.namespace ?? ''} name different MACs`,
					evidence: [
						...entries.map(o => neighEvidence(base, o, `PERMANENT entry for ${ip} on ${o.node}`)),
						...differing.map(o =>
							neighEvidence(base, o, `dynamic entry for ${ip} (follows gratuitous ARPs)`),
						),
					],
				});
			} else if (macs.size > 1) {
				found.set(key, {
					ip,
					reason: `the qrouter PERMANENT entries for ${ip} differ between nodes`,
					evidence: [
						...entries.map(o => neighEvidence(base, o, `PERMANENT entry for ${ip} on ${o.node}`)),
						...dynamic.map(o =>
							neighEvidence(base, o, `dynamic entry for ${ip} (follows gratuitous ARPs)`),
						),
					],
				});
			}
		}
	}
	return [...found.values()];
}

/**
 * VIPs found in node data alone: addresses allowed for ports with different MACs in the ARP
 * anti-spoofing flows, and addresses whose qrouter PERMANENT entries disagree with a dynamic
 * entry or between nodes.
 */
export function nodeVipCandidates(
	base: ModelBase,
	routers: readonly RouterInfo[],
	carriers: ReadonlyMap<string, readonly NodeCarrier[]>,
): NodeVipCandidate[] {
	const found = new Map<string, NodeVipCandidate>();
	for (const [key, list] of carriers) {
		const macs = [...new Set(list.map(c => c.mac))];
		if (macs.length < 2) continue;
		const ip = list[0]?.flow.match['arp_spa']?.split('/')[0] ?? key;
		found.set(key, {
			ip,
			reason: `br-int's ARP anti-spoofing flows allow ${ip} for ${list.length} ports with different MACs (${macs.join(', ')})`,
			evidence: list.flatMap(c => c.evidence),
		});
	}
	for (const c of neighCandidates(base, routers)) {
		const key = normalizeIp(c.ip);
		const known = found.get(key);
		found.set(
			key,
			known === undefined
				? c
				: {
						ip: known.ip,
						reason: `${known.reason}; ${c.reason}`,
						evidence: [...known.evidence, ...c.evidence],
					},
		);
	}
	return [...found.values()];
}

/** Seconds of difference below which two ports' last ARPs are not told apart (1 s resolution). */
const ARP_AGE_MARGIN_S = 2;

/**
 * The member port that last sent an ARP from the VIP, from the anti-spoofing flows' counters
 * (DOMAIN.md §1.4a). Absent, never "no holder", when the counters cannot tell: no packets, ages
 * too close, flows re-installed after the last hit, or dumps without a capture time.
 */
export function arpSpaHolder(
	ip: string,
	carriers: readonly NodeCarrier[],
	/** The newest read of a node (ms): the age of the last ARP is counted up to it. */
	newestRead?: (node: NodeId) => number | undefined,
): OwnerObservation | undefined {
	const timed = carriers.map(c => {
		const {packets, idleAge, durationS} = c.flow;
		const at = c.capturedAt;
		const hit =
			at !== undefined && packets !== undefined && packets > 0 && idleAge !== undefined
				? at - idleAge * 1000
				: undefined;
		const installed =
			at !== undefined && durationS !== undefined ? at - durationS * 1000 : undefined;
		return {c, hit, installed};
	});
	const hits = timed.filter(t => t.hit !== undefined).sort((a, b) => (b.hit ?? 0) - (a.hit ?? 0));
	const best = hits[0];
	if (best?.hit === undefined) return undefined;
	for (const other of timed) {
		if (other === best || other.c.mac === best.c.mac) continue;
		if (other.hit !== undefined && best.hit - other.hit < ARP_AGE_MARGIN_S * 1000) return undefined;
		// A port whose flow was (re)installed after the best hit has no history to compare.
		if (other.hit === undefined && (other.installed === undefined || other.installed > best.hit))
			return undefined;
	}
	const ages = timed
		.map(
			t =>
				`${t.c.mac} on ${t.c.node}: ${t.c.flow.packets ?? '?'} packets, last ${t.c.flow.idleAge ?? '?'} s before capture`,
		)
		.join('; ');
	// in a watch probe round the flows are the last full round's: their age runs on to the probe
	const newest = Math.max(best.c.capturedAt ?? 0, newestRead?.(best.c.node) ?? 0);
	return {
		source: 'arp-spa',
		mac: best.c.mac,
		node: best.c.node,
		confirmedWithinS: Math.max(0, Math.round((newest - best.hit) / 1000)),
		detail: `the port with MAC ${best.c.mac} on ${best.c.node} sent the latest ARP from ${ip} (br-int anti-spoofing counters — ${ages})`,
		evidence: timed.map(t => ({
			...(t.c.evidence[0] as Evidence),
			note:
				t === best
					? `latest ARP from ${ip}: this port (${t.c.mac}) holds the VIP`
					: `ARPs from ${ip} by ${t.c.mac} stopped earlier`,
		})),
	};
}
