import type {CaptureId, NodeId} from '../model/ids.js';
import type {NodeFacts, Snapshot} from '../model/snapshot.js';
import type {Finding} from '../diagnostics/types.js';
import {decodeArpResponder} from './flow-index.js';
import {getModel, OWNER_SOURCE_TEXT} from '../diagnostics/model.js';

/** A place in a capture (for "jump to evidence"). */
export type CaptureRef = {readonly capture: CaptureId; readonly line: number};

export type VipPort = {
	readonly portId: string;
	readonly name?: string;
	readonly mac: string;
	readonly how: 'allowed-address-pair' | 'fixed-ip';
	readonly bindingHost?: string;
	readonly vifType?: string;
	readonly deviceOwner?: string;
	readonly amphora?: {readonly id: string; readonly role?: string};
};

export type VipFlowRef = CaptureRef & {readonly text: string};

export type VipNodeRow = {
	readonly node: NodeId;
	readonly namespace: string;
	/** The neighbour entry for the VIP in this qrouter, if any. */
	readonly entry?: CaptureRef & {readonly mac?: string; readonly states: readonly string[]};
	/** Who the entry's MAC belongs to (port name / amphora). */
	readonly macOwner?: string;
	/** `ok` entry = owner MAC, `stale` differs, `missing` no entry, `unknown` owner unknown. */
	readonly verdict: 'ok' | 'stale' | 'missing' | 'unknown';
	readonly arpDrop: readonly VipFlowRef[];
	readonly arpResponder: readonly (VipFlowRef & {readonly mac: string})[];
};

export type VipView = {
	readonly vip: string;
	readonly owner?: {readonly mac: string; readonly source: string; readonly label?: string};
	readonly ports: readonly VipPort[];
	readonly nodes: readonly VipNodeRow[];
	readonly findings: readonly Finding[];
};

const OWNER_KEYS = ['ownerMac', 'owner_mac', 'liveMac', 'expectedMac', 'correctMac', 'rightMac'];

/** Every VIP worth a view: finding VIPs first, then every allowed-address-pair IP. */
export function listVips(snapshot: Snapshot | undefined, findings: readonly Finding[]): string[] {
	const vips = new Set<string>();
	for (const finding of findings) if (finding.vip !== undefined) vips.add(finding.vip);
	for (const port of snapshot?.cloud.ports?.data ?? [])
		for (const pair of port.allowedAddressPairs)
			if (pair.prefixlen === undefined || pair.prefixlen === 32) vips.add(pair.ip);
	return [...vips];
}

/**
 * The reconciliation table for one VIP: the ports carrying it, who owns it now (and how we know),
 * and for each node hosting the router, the qrouter entry, ARP-drop and ARP-responder flows.
 */
export function reconcileVip(
	snapshot: Snapshot,
	findings: readonly Finding[],
	vip: string,
): VipView {
	const related = findings.filter(f => f.vip === vip);
	const {ports, subnets} = vipPorts(snapshot, vip);
	const owner = findOwner(snapshot, related, ports, vip);
	const routers = routersBehind(snapshot, subnets, related, vip);
	const rows: VipNodeRow[] = [];
	for (const node of Object.keys(snapshot.nodes).sort()) {
		const facts = snapshot.nodes[node]?.facts;
		if (facts === undefined) continue;
		const namespaces = new Set<string>();
		for (const ns of Object.keys(facts.neigh ?? {}))
			if (ns.startsWith('qrouter-')) namespaces.add(ns);
		for (const entry of facts.netns?.data ?? [])
			if (entry.name.startsWith('qrouter-')) namespaces.add(entry.name);
		const {arpDrop, arpResponder} = vipArpFlows(facts, vip);
		for (const namespace of [...namespaces].sort()) {
			const routerId = namespace.slice('qrouter-'.length);
			const neigh = facts.neigh?.[namespace];
			const entry = neigh?.data.find(e => e.dst === vip);
			if (routers.size > 0 && !routers.has(routerId) && entry === undefined) continue;
			if (routers.size === 0 && entry === undefined) continue;
			const mac = entry?.lladdr?.toLowerCase();
			const verdict: VipNodeRow['verdict'] =
				entry === undefined || mac === undefined
					? 'missing'
					: owner === undefined
						? 'unknown'
						: mac === owner.mac
							? 'ok'
							: 'stale';
			const macOwner = describeMac(ports, mac);
			rows.push({
				node,
				namespace,
				verdict,
				arpDrop,
				arpResponder,
				...(macOwner === undefined ? {} : {macOwner}),
				...(entry === undefined || neigh === undefined
					? {}
					: {
							entry: {
								capture: neigh.capture,
								line: entry.line + neigh.lineOffset,
								states: entry.states,
								...(mac === undefined ? {} : {mac}),
							},
						}),
			});
		}
	}
	const label = owner === undefined ? undefined : describeMac(ports, owner.mac);
	return {
		vip,
		ports,
		nodes: rows,
		findings: related,
		...(owner === undefined ? {} : {owner: {...owner, ...(label === undefined ? {} : {label})}}),
	};
}

/** The Neutron ports carrying the VIP (allowed-address pair or fixed IP) and their subnets. */
function vipPorts(snapshot: Snapshot, vip: string): {ports: VipPort[]; subnets: Set<string>} {
	const ports: VipPort[] = [];
	const amphorae = snapshot.cloud.amphorae?.data ?? [];
	const subnets = new Set<string>();
	for (const port of snapshot.cloud.ports?.data ?? []) {
		const aap = port.allowedAddressPairs.find(p => p.ip === vip);
		const fixed = port.fixedIps.find(f => f.ip === vip);
		if (aap === undefined && fixed === undefined) continue;
		for (const f of port.fixedIps) if (f.subnetId !== undefined) subnets.add(f.subnetId);
		const amphora = amphorae.find(a => a.vrrpPortId === port.id);
		ports.push({
			portId: port.id,
			mac: (aap?.mac ?? port.mac).toLowerCase(),
			how: aap === undefined ? 'fixed-ip' : 'allowed-address-pair',
			...(port.name === undefined || port.name === '' ? {} : {name: port.name}),
			...(port.bindingHostId === undefined || port.bindingHostId === ''
				? {}
				: {bindingHost: port.bindingHostId}),
			...(port.bindingVifType === undefined ? {} : {vifType: port.bindingVifType}),
			...(port.deviceOwner === undefined ? {} : {deviceOwner: port.deviceOwner}),
			...(amphora === undefined
				? {}
				: {amphora: {id: amphora.id, ...(amphora.role === undefined ? {} : {role: amphora.role})}}),
		});
	}
	return {ports, subnets};
}

/** Whose a MAC is among the VIP's ports (port name, or amphora and its configured role). */
function describeMac(ports: readonly VipPort[], mac: string | undefined): string | undefined {
	if (mac === undefined) return undefined;
	const owners = ports.filter(p => p.mac === mac.toLowerCase());
	if (owners.length === 0) return undefined;
	return owners
		.map(p =>
			p.amphora === undefined
				? (p.name ?? p.portId.slice(0, 8))
				: `amphora ${p.amphora.id.slice(0, 8)}${p.amphora.role === undefined ? '' : ` (configured ${p.amphora.role})`}`,
		)
		.join(', ');
}

/**
 * Routers behind the VIP: those with a distributed interface port on the VIP's subnets, those the
 * findings name, and those the model ties to the VIP.
 */
function routersBehind(
	snapshot: Snapshot,
	subnets: ReadonlySet<string>,
	related: readonly Finding[],
	vip: string,
): Set<string> {
	const routers = new Set<string>();
	for (const port of snapshot.cloud.ports?.data ?? []) {
		if (!(port.deviceOwner ?? '').includes('router_interface')) continue;
		if (port.fixedIps.some(f => f.subnetId !== undefined && subnets.has(f.subnetId)))
			if (port.deviceId !== undefined) routers.add(port.deviceId);
	}
	for (const f of related) if (f.router !== undefined) routers.add(f.router);
	for (const r of modelVip(snapshot, vip)?.routers ?? []) routers.add(r.id);
	return routers;
}

/**
 * A node's OVS flows about the VIP: its own ARP-drop flows (t22/t1, priority 3; the router
 * gateway IPs' drops are not about it) and the ARP responders (t21) answering for it.
 */
function vipArpFlows(
	facts: NodeFacts,
	vip: string,
): {arpDrop: VipFlowRef[]; arpResponder: (VipFlowRef & {mac: string})[]} {
	const arpDrop: VipFlowRef[] = [];
	const arpResponder: (VipFlowRef & {mac: string})[] = [];
	for (const [bridge, dump] of Object.entries(facts.flows ?? {})) {
		for (const flow of dump.data.flows) {
			const ref = {capture: dump.capture, line: flow.line + dump.lineOffset};
			const tpa = flow.match['arp_tpa'];
			const isDrop = flow.actions.length > 0 && flow.actions.every(a => a.type === 'drop');
			if (
				tpa !== undefined &&
				tpa.replace(/\/32$/, '') === vip &&
				isDrop &&
				flow.priority === 3 &&
				(flow.table === 22 || flow.table === 1)
			)
				arpDrop.push({...ref, text: `${bridge} t${flow.table} arp_tpa=${tpa} drop`});
			if (flow.table === 21 && tpa === vip) {
				const decoded = decodeArpResponder(flow);
				if (decoded !== undefined)
					arpResponder.push({
						...ref,
						mac: decoded.mac,
						text: `${bridge} t21 ${vip} is-at ${decoded.mac}`,
					});
			}
		}
	}
	return {arpDrop, arpResponder};
}

function findOwner(
	snapshot: Snapshot,
	related: readonly Finding[],
	ports: readonly VipPort[],
	vip: string,
): {mac: string; source: string} | undefined {
	for (const finding of related) {
		for (const key of OWNER_KEYS) {
			const value = finding.data[key];
			if (typeof value === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value))
				return {
					mac: value.toLowerCase(),
					source:
						typeof finding.data['ownerSource'] === 'string'
							? finding.data['ownerSource']
							: `rule ${finding.ruleId}`,
				};
		}
	}
	// The diagnostics' joined model: the strongest live-ownership source it found.
	const owner = modelVip(snapshot, vip)?.owner;
	if (owner !== undefined)
		return {
			mac: owner.mac.toLowerCase(),
			source: `${OWNER_SOURCE_TEXT[owner.source]}${owner.observation.node === undefined ? '' : ` on ${owner.observation.node}`}`,
		};
	// The VIP configured on an interface dvrscope can read (keepalived MASTER in a lab VM or L3-HA).
	for (const [node, ns] of Object.entries(snapshot.nodes)) {
		for (const [namespace, addrs] of Object.entries(ns.facts.addr ?? {})) {
			for (const iface of addrs.data) {
				if (iface.mac === undefined) continue;
				if (iface.addresses.some(a => a.local === vip))
					return {
						mac: iface.mac.toLowerCase(),
						source: `VIP on ${iface.name} in ${namespace === '' ? 'host' : namespace} on ${node}`,
					};
			}
		}
	}
	const master = ports.find(p => p.amphora?.role?.toUpperCase() === 'MASTER');
	if (master !== undefined)
		return {mac: master.mac, source: 'Octavia amphora role (configured role, not live state)'};
	return undefined;
}

function modelVip(snapshot: Snapshot, vip: string) {
	try {
		return getModel(snapshot).vips.find(v => v.ip === vip);
	} catch {
		// The console must not die on a model bug; the table falls back to its own reading.
		return undefined;
	}
}
