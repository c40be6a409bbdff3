import type {Amphora, Flow, HaState, NeighEntry, OsPort, OsRouter} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot, Sourced} from '../model/snapshot.js';
import {cloudObjectEvidence, lineEvidence} from './evidence.js';
import {buildBase, buildRouters, type ModelBase} from './model-base.js';
import {nodeCarriersByIp, nodeVipCandidates, type NodeVipCandidate} from './model-nodes.js';
import {apiVipIps, buildVip, type VipContext} from './model-vips.js';
import {cidrContains, sameIp, sameMac} from './net.js';
import type {Evidence} from './types.js';

export {ROUTER_INTERFACE_OWNERS, OWNER_SOURCE_TEXT, isBound} from './model-base.js';

/**
 * The joined model: Neutron objects, node namespaces, neighbour tables and VIP ownership put
 * together once per snapshot, so every rule reads the same interpretation. Pure; cached per
 * snapshot object.
 */

export type SubnetInfo = {
	readonly id?: string;
	readonly cidr: string;
	readonly networkId?: string;
	readonly gatewayIp?: string;
};

export type RouterInfo = {
	readonly id: string;
	readonly name?: string;
	readonly api?: OsRouter;
	/** true / false from the API or inferred (interface device_owner, snat- namespace); undefined when unknown. */
	readonly distributed: boolean | undefined;
	readonly distributedSource: string;
	readonly ha: boolean | undefined;
	readonly subnets: readonly SubnetInfo[];
	readonly interfacePorts: readonly OsPort[];
	/** Nodes where `qrouter-<id>` exists (netns list, or a capture read inside it). */
	readonly qrouterNodes: readonly NodeId[];
	readonly snatNodes: readonly NodeId[];
	/** Nodes whose qrouter neighbour table dvrscope read. */
	readonly neighNodes: readonly NodeId[];
};

export type Carrier = {
	readonly port: OsPort;
	/** The MAC Neutron writes for the AAP: its own `mac_address`, else the port's MAC. */
	readonly mac: string;
	readonly bound: boolean;
	readonly host?: string;
	readonly amphora?: Amphora;
	/** `port vm1-port (1a2b3c4d) on compute-1, amphora 5e6f… (role MASTER)`. */
	readonly label: string;
};

/**
 * A port that br-int's ARP anti-spoofing flows allow to send ARPs from the VIP: node data, no API
 * needed (the MAC from the same flow, table 25 or OVSDB; the Neutron port id from OVSDB's
 * `iface-id` when read).
 */
export type NodeCarrier = {
	readonly node: NodeId;
	readonly mac: string;
	/** `in_port` of the flow (a number, or a port name in `--names` dumps). */
	readonly ofport: string;
	readonly portId?: string;
	readonly label: string;
	readonly flow: Flow;
	/** Start of the capture the flow came from (ms since epoch), for comparing idle ages. */
	readonly capturedAt?: number;
	readonly evidence: readonly Evidence[];
};

export type OwnerSource =
	| 'interface'
	| 'ha-state'
	| 'dynamic-neigh'
	| 'arp-spa'
	| 'amphora-role'
	| 'ovn-port-security';

export type OwnerObservation = {
	readonly source: OwnerSource;
	readonly mac?: string;
	readonly node?: NodeId;
	readonly namespace?: string;
	readonly detail: string;
	readonly evidence: readonly Evidence[];
	/**
	 * Live evidence: the holder answered or sent for the VIP at most this many seconds before the
	 * newest read of its node (a REACHABLE neighbour entry: the kernel's reachable time; the last
	 * ARP from the VIP on the anti-spoofing counters: its age). Absent: how old is unknown (a STALE
	 * entry, an interface, a configured role).
	 */
	readonly confirmedWithinS?: number;
};

export type VipOwner = {
	readonly source: OwnerSource;
	readonly mac: string;
	readonly carrier?: Carrier;
	/** The owner's port as node data shows it (anti-spoofing flows), with or without the API. */
	readonly nodeCarrier?: NodeCarrier;
	readonly observation: OwnerObservation;
	/** True when the only thing known is Octavia's configured role. */
	readonly configuredOnly: boolean;
};

export type NeighObs = {
	readonly node: NodeId;
	readonly namespace: string;
	readonly entry: NeighEntry;
	readonly sourced: Sourced<readonly NeighEntry[]>;
};

export type Vip = {
	readonly ip: string;
	readonly subnet?: SubnetInfo;
	readonly networkId?: string;
	/** Ports that carry the VIP as allowed address pair (the API's port list). */
	readonly carriers: readonly Carrier[];
	/** Ports that br-int's anti-spoofing flows allow to send ARPs from the VIP (node data). */
	readonly nodeCarriers: readonly NodeCarrier[];
	/** A port whose fixed IP is the VIP (Octavia's VIP port, keepalived's reserved port). */
	readonly vipPorts: readonly OsPort[];
	/** Routers with an interface on the VIP's subnet. */
	readonly routers: readonly RouterInfo[];
	readonly owner?: VipOwner;
	/** Every observation of who holds the VIP, strongest first. */
	readonly observations: readonly OwnerObservation[];
	/** Namespaces where the VIP is configured on an interface (more than one = split brain). */
	readonly holders: readonly OwnerObservation[];
	/** Why the owner is unknown, when it is. */
	readonly ownerUnknownReason?: string;
	readonly amphorae: readonly Amphora[];
	/** keepalived instances (configs dvrscope read) that manage this VIP. */
	readonly keepalived: readonly KeepalivedMember[];
	/** Set when the VIP was found in node data only (no API port carries it): why, and where. */
	readonly discovery?: NodeVipCandidate;
};

export type KeepalivedMember = {
	readonly node: NodeId;
	/** Config key (file path, or router id for Neutron L3-HA). */
	readonly config: string;
	readonly instance: string;
	/** Configured initial state (`MASTER`/`BACKUP`); not the live state. */
	readonly state?: string;
	readonly priority?: number;
	readonly evidence: Evidence;
};

export type HaRouterState = {
	readonly router: string;
	readonly states: readonly {
		readonly node: NodeId;
		readonly state: HaState['state'];
		readonly raw: string;
		readonly evidence: Evidence;
	}[];
};

export type Model = {
	readonly routers: ReadonlyMap<string, RouterInfo>;
	readonly vips: readonly Vip[];
	readonly ports: readonly OsPort[];
	readonly subnets: readonly SubnetInfo[];
	readonly haRouters: readonly HaRouterState[];
	/** Neighbour entries per node and namespace. */
	neigh(node: NodeId, namespace: string): readonly NeighObs[];
	/** Namespaces known on a node (netns list plus namespaces read). */
	namespaces(node: NodeId): readonly string[];
	portEvidence(port: OsPort, note?: string, needles?: readonly string[]): Evidence | undefined;
	amphoraEvidence(amphora: Amphora, note?: string): Evidence | undefined;
	/** Carriers and VIP ports that use `mac`, as labels (for "who is behind this MAC"). */
	whoHasMac(vip: Vip, mac: string): string;
	carrierLabel(port: OsPort): string;
	/** Subnet containing `ip` among known subnets. */
	subnetOf(ip: string): SubnetInfo | undefined;
	/** The qr- device of `router` on the subnet of `ip` on `node` (for remediation lines). */
	qrDevice(router: RouterInfo, node: NodeId, ip: string): string;
};

const cache = new WeakMap<Snapshot, Model>();

/** The model for a snapshot, built once. */
export function getModel(snapshot: Snapshot): Model {
	let model = cache.get(snapshot);
	if (model === undefined) {
		model = buildModel(snapshot);
		cache.set(snapshot, model);
	}
	return model;
}

const short = (id: string): string => id.slice(0, 8);

const PORT_EVIDENCE_KEYS = [
	'id',
	'ID',
	'name',
	'Name',
	'mac_address',
	'MAC Address',
	'binding_host_id',
	'binding:host_id',
	'binding_vif_type',
	'binding:vif_type',
	'device_owner',
	'Device Owner',
];

/** `port vm1-port (1a2b3c4d) on compute-1, amphora 5e6f… (configured role MASTER)`. */
function carrierLabelOf(port: OsPort, amphorae: readonly Amphora[]): string {
	const amp = amphorae.find(a => a.vrrpPortId === port.id);
	const host =
		port.bindingHostId !== undefined && port.bindingHostId !== ''
			? ` on ${port.bindingHostId}`
			: '';
	const name =
		port.name !== undefined && port.name !== '' ? `${port.name} (${short(port.id)})` : port.id;
	const ampText =
		amp !== undefined
			? `, amphora ${short(amp.id)}${amp.role !== undefined ? ` (configured role ${amp.role})` : ''}`
			: '';
	return `port ${name}${host}${ampText}`;
}

/** Neutron L3-HA state files, per router. */
function buildHaRouters(base: ModelBase): HaRouterState[] {
	const ids = new Set<string>();
	for (const node of base.nodeIds)
		for (const r of Object.keys(base.factsOf(node).haState ?? {})) ids.add(r);
	return [...ids].map(router => ({
		router,
		states: base.nodeIds.flatMap(node => {
			const sourced = base.factsOf(node).haState?.[router];
			if (sourced === undefined) return [];
			return [
				{
					node,
					state: sourced.data.state,
					raw: sourced.data.raw,
					evidence: lineEvidence(
						base.snapshot,
						node,
						sourced,
						[1],
						`state file says "${sourced.data.raw.trim()}"`,
					),
				},
			];
		}),
	}));
}

/** Who is behind a MAC, for messages: API carriers, unbound VIP ports, node-data carriers. */
function whoHasMacIn(vip: Vip, mac: string): string {
	const who = [
		...vip.carriers.filter(c => c.mac === mac).map(c => c.label),
		...vip.vipPorts
			.filter(p => sameMac(p.mac, mac))
			.map(p => `the unbound VIP port ${p.name ?? p.id} (${short(p.id)}), which no VM owns`),
	];
	if (who.length === 0) who.push(...vip.nodeCarriers.filter(c => c.mac === mac).map(c => c.label));
	return who.length > 0 ? who.join('; ') : 'no port that carries this IP';
}

function qrDeviceOf(base: ModelBase, router: RouterInfo, node: NodeId, ip: string): string {
	const fromNeigh = base.neigh(node, `qrouter-${router.id}`).find(o => sameIp(o.entry.dst, ip))
		?.entry.dev;
	if (fromNeigh !== undefined) return fromNeigh;
	const addrs = base.factsOf(node).addr?.[`qrouter-${router.id}`]?.data ?? [];
	const iface = addrs.find(
		i =>
			i.name.startsWith('qr-') &&
			i.addresses.some(a => cidrContains(`${a.local}/${a.prefixlen}`, ip)),
	);
	if (iface !== undefined) return iface.name;
	const port = router.interfacePorts.find(p =>
		p.fixedIps.some(f =>
			router.subnets.some(s => cidrContains(s.cidr, f.ip) && cidrContains(s.cidr, ip)),
		),
	);
	return port !== undefined ? `qr-${port.id.slice(0, 11)}` : '<qr-device>';
}

/** VIPs: the API's allowed-address-pair IPs, then those only node data shows. */
function buildVips(context: VipContext): Vip[] {
	const vips = apiVipIps(context.base.ports).map(ip => buildVip(context, ip));
	for (const candidate of nodeVipCandidates(
		context.base,
		[...context.routers.values()],
		context.nodeCarriers,
	))
		if (!vips.some(v => sameIp(v.ip, candidate.ip)))
			vips.push(buildVip(context, candidate.ip, candidate));
	return vips;
}

export function buildModel(snapshot: Snapshot): Model {
	const base = buildBase(snapshot);
	const amphorae = snapshot.cloud.amphorae?.data ?? [];
	const routers = buildRouters(base);
	const portEvidence = (
		port: OsPort,
		note?: string,
		needles: readonly string[] = [],
	): Evidence | undefined =>
		cloudObjectEvidence(snapshot, 'openstack-ports', port.id, PORT_EVIDENCE_KEYS, note, needles);
	const amphoraEvidence = (amphora: Amphora, note?: string): Evidence | undefined =>
		cloudObjectEvidence(
			snapshot,
			'octavia-amphorae',
			amphora.id,
			['id', 'role', 'ha_ip', 'vrrp_port_id', 'vrrp_ip', 'status'],
			note,
		);
	const carrierLabel = (port: OsPort): string => carrierLabelOf(port, amphorae);
	const vips = buildVips({
		base,
		routers,
		amphorae,
		nodeCarriers: nodeCarriersByIp(base),
		carrierLabel,
		amphoraEvidence,
	});
	return {
		routers,
		vips,
		ports: base.ports,
		subnets: base.subnets,
		haRouters: buildHaRouters(base),
		neigh: base.neigh,
		namespaces: base.namespaces,
		portEvidence,
		amphoraEvidence,
		whoHasMac: whoHasMacIn,
		carrierLabel,
		subnetOf: base.subnetOf,
		qrDevice: (router, node, ip) => qrDeviceOf(base, router, node, ip),
	};
}
