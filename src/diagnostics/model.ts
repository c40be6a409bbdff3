import type {Amphora, HaState, NeighEntry, OsPort, OsRouter, OsSubnet} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot, Sourced} from '../model/snapshot.js';
import {addrFocus, cloudObjectEvidence, lineEvidence, neighFocus} from './evidence.js';
import {cidrContains, normalizeMac, sameIp, sameMac} from './net.js';
import type {Evidence} from './types.js';

/**
 * The joined model: Neutron objects, node namespaces, neighbour tables and VIP ownership put
 * together once per snapshot, so every rule reads the same interpretation. Pure; cached per
 * snapshot object.
 */

export const ROUTER_INTERFACE_OWNERS = [
	'network:router_interface',
	'network:router_interface_distributed',
	'network:ha_router_replicated_interface',
] as const;

const UNBOUND_VIF_TYPES = new Set(['unbound', 'binding_failed']);

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

export type OwnerSource = 'interface' | 'ha-state' | 'dynamic-neigh' | 'amphora-role';

export const OWNER_SOURCE_TEXT: Readonly<Record<OwnerSource, string>> = {
	interface: 'VIP seen on an interface',
	'ha-state': 'Neutron L3-HA state file',
	'dynamic-neigh': 'dynamic ARP entry learnt from the owner (follows gratuitous ARPs)',
	'amphora-role': 'Octavia configured amphora role (not live VRRP state)',
};

export type OwnerObservation = {
	readonly source: OwnerSource;
	readonly mac?: string;
	readonly node?: NodeId;
	readonly namespace?: string;
	readonly detail: string;
	readonly evidence: readonly Evidence[];
};

export type VipOwner = {
	readonly source: OwnerSource;
	readonly mac: string;
	readonly carrier?: Carrier;
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
	readonly carriers: readonly Carrier[];
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

function networkOfCidr(address: string, prefixlen: number): string {
	const parts = address.split('.').map(Number);
	if (parts.length !== 4 || parts.some(n => !Number.isInteger(n))) return `${address}/${prefixlen}`;
	const value = parts.reduce((acc, n) => acc * 256 + n, 0);
	const net = Math.floor(value / 2 ** (32 - prefixlen)) * 2 ** (32 - prefixlen);
	const octets = [24, 16, 8, 0].map(s => Math.floor(net / 2 ** s) % 256);
	return `${octets.join('.')}/${prefixlen}`;
}

export function isBound(port: OsPort): boolean {
	if (port.bindingVifType !== undefined && UNBOUND_VIF_TYPES.has(port.bindingVifType)) return false;
	if (port.bindingHostId !== undefined && port.bindingHostId !== '') return true;
	return port.bindingVifType !== undefined && !UNBOUND_VIF_TYPES.has(port.bindingVifType);
}

const isHostRoute = (prefixlen: number | undefined, ip: string): boolean =>
	prefixlen === undefined || prefixlen === (ip.includes(':') ? 128 : 32);

const DYNAMIC_RANK: Readonly<Record<string, number>> = {REACHABLE: 3, DELAY: 2, PROBE: 2, STALE: 1};

export function buildModel(snapshot: Snapshot): Model {
	const cloud = snapshot.cloud;
	const ports = cloud.ports?.data ?? [];
	const amphorae = cloud.amphorae?.data ?? [];
	const nodeIds = Object.keys(snapshot.nodes);
	const factsOf = (node: NodeId) => snapshot.nodes[node]?.facts ?? {};

	// ── namespaces per node
	const namespaces = new Map<NodeId, string[]>();
	for (const node of nodeIds) {
		const facts = factsOf(node);
		const names = new Set<string>((facts.netns?.data ?? []).map(n => n.name));
		for (const record of [facts.neigh, facts.addr, facts.route, facts.rule])
			for (const ns of Object.keys(record ?? {})) if (ns !== '') names.add(ns);
		namespaces.set(node, [...names]);
	}
	const nodesWithNs = (ns: string): NodeId[] =>
		nodeIds.filter(n => (namespaces.get(n) ?? []).includes(ns));

	// ── neighbour observations
	const neighIndex = new Map<string, NeighObs[]>();
	for (const node of nodeIds) {
		for (const [ns, sourced] of Object.entries(factsOf(node).neigh ?? {})) {
			neighIndex.set(
				`${node}\u0000${ns}`,
				sourced.data.map(entry => ({node, namespace: ns, entry, sourced})),
			);
		}
	}
	const neigh = (node: NodeId, ns: string): readonly NeighObs[] =>
		neighIndex.get(`${node}\u0000${ns}`) ?? [];

	// ── subnets: API first, then CIDRs seen on qr-/sg- interfaces in router namespaces
	const subnets: SubnetInfo[] = (cloud.subnets?.data ?? []).map((s: OsSubnet) => ({
		id: s.id,
		cidr: s.cidr,
		...(s.networkId !== undefined ? {networkId: s.networkId} : {}),
		...(s.gatewayIp !== undefined ? {gatewayIp: s.gatewayIp} : {}),
	}));
	const subnetById = new Map(subnets.filter(s => s.id !== undefined).map(s => [s.id, s]));
	const subnetOf = (ip: string): SubnetInfo | undefined =>
		subnets.find(s => cidrContains(s.cidr, ip));

	// ── routers
	const routerIds = new Set<string>((cloud.routers?.data ?? []).map(r => r.id));
	for (const p of ports)
		if (
			p.deviceId !== undefined &&
			p.deviceOwner !== undefined &&
			(ROUTER_INTERFACE_OWNERS as readonly string[]).includes(p.deviceOwner)
		)
			routerIds.add(p.deviceId);
	for (const names of namespaces.values())
		for (const ns of names) if (ns.startsWith('qrouter-')) routerIds.add(ns.slice(8));
	const routers = new Map<string, RouterInfo>();
	for (const id of routerIds) {
		const api = cloud.routers?.data.find(r => r.id === id);
		const interfacePorts = ports.filter(
			p =>
				p.deviceId === id &&
				(ROUTER_INTERFACE_OWNERS as readonly string[]).includes(p.deviceOwner ?? ''),
		);
		const qrouterNodes = nodesWithNs(`qrouter-${id}`);
		const snatNodes = nodesWithNs(`snat-${id}`);
		const routerSubnets: SubnetInfo[] = [];
		const addSubnet = (s: SubnetInfo | undefined): void => {
			if (s !== undefined && !routerSubnets.some(x => x.cidr === s.cidr)) routerSubnets.push(s);
		};
		for (const p of interfacePorts)
			for (const f of p.fixedIps)
				addSubnet(
					(f.subnetId !== undefined ? subnetById.get(f.subnetId) : undefined) ?? subnetOf(f.ip),
				);
		for (const node of qrouterNodes) {
			const addrs = factsOf(node).addr?.[`qrouter-${id}`]?.data ?? [];
			for (const iface of addrs) {
				if (!iface.name.startsWith('qr-')) continue;
				for (const a of iface.addresses) {
					if (a.local.startsWith('fe80')) continue;
					const known = subnetOf(a.local);
					addSubnet(known ?? {cidr: networkOfCidr(a.local, a.prefixlen), gatewayIp: a.local});
				}
			}
		}
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
		const ha =
			api?.ha ??
			(interfacePorts.some(p => p.deviceOwner === 'network:ha_router_replicated_interface') ||
			nodeIds.some(n => factsOf(n).haState?.[id] !== undefined)
				? true
				: undefined);
		routers.set(id, {
			id,
			...(api?.name !== undefined ? {name: api.name} : {}),
			...(api !== undefined ? {api} : {}),
			distributed,
			distributedSource,
			ha,
			subnets: routerSubnets,
			interfacePorts,
			qrouterNodes,
			snatNodes,
			neighNodes: nodeIds.filter(n => factsOf(n).neigh?.[`qrouter-${id}`] !== undefined),
		});
	}

	// ── evidence helpers for cloud objects
	const portEvidence = (
		port: OsPort,
		note?: string,
		needles: readonly string[] = [],
	): Evidence | undefined =>
		cloudObjectEvidence(
			snapshot,
			'openstack-ports',
			port.id,
			[
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
			],
			note,
			needles,
		);
	const amphoraEvidence = (amphora: Amphora, note?: string): Evidence | undefined =>
		cloudObjectEvidence(
			snapshot,
			'octavia-amphorae',
			amphora.id,
			['id', 'role', 'ha_ip', 'vrrp_port_id', 'vrrp_ip', 'status'],
			note,
		);

	const amphoraOfPort = (port: OsPort): Amphora | undefined =>
		amphorae.find(a => a.vrrpPortId === port.id);
	const carrierLabel = (port: OsPort): string => {
		const amp = amphoraOfPort(port);
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
	};

	// ── VIPs: single-host AAP IPs, grouped
	const vipIps: string[] = [];
	for (const p of ports)
		for (const pair of p.allowedAddressPairs)
			if (isHostRoute(pair.prefixlen, pair.ip) && !vipIps.some(v => sameIp(v, pair.ip)))
				vipIps.push(pair.ip);

	const interfaceHolders = (ip: string): OwnerObservation[] => {
		const found: OwnerObservation[] = [];
		for (const node of nodeIds) {
			for (const [ns, sourced] of Object.entries(factsOf(node).addr ?? {})) {
				for (const iface of sourced.data) {
					const address = iface.addresses.find(a => sameIp(a.local, ip));
					if (address === undefined) continue;
					found.push({
						source: 'interface',
						...(iface.mac !== undefined ? {mac: normalizeMac(iface.mac)} : {}),
						node,
						namespace: ns,
						detail: `${ip} is configured on ${iface.name} in ${ns === '' ? 'the host namespace' : `namespace ${ns}`} on ${node}`,
						evidence: [
							lineEvidence(
								snapshot,
								node,
								sourced,
								[iface.line, address.line],
								'the VIP is configured here (this namespace holds it now)',
								addrFocus(address.local, iface.name),
							),
						],
					});
				}
			}
		}
		return found;
	};

	const vips: Vip[] = vipIps.map(ip => {
		const carrierPorts = ports.filter(p =>
			p.allowedAddressPairs.some(
				pair => sameIp(pair.ip, ip) && isHostRoute(pair.prefixlen, pair.ip),
			),
		);
		const carriers: Carrier[] = carrierPorts.map(port => {
			const pair = port.allowedAddressPairs.find(x => sameIp(x.ip, ip));
			const amp = amphoraOfPort(port);
			return {
				port,
				mac: normalizeMac(pair?.mac ?? port.mac),
				bound: isBound(port),
				...(port.bindingHostId !== undefined && port.bindingHostId !== ''
					? {host: port.bindingHostId}
					: {}),
				...(amp !== undefined ? {amphora: amp} : {}),
				label: carrierLabel(port),
			};
		});
		const vipPorts = ports.filter(p => p.fixedIps.some(f => sameIp(f.ip, ip)));
		const networkId = carrierPorts[0]?.networkId ?? vipPorts[0]?.networkId;
		let subnet = subnets.find(
			s =>
				cidrContains(s.cidr, ip) &&
				(networkId === undefined || s.networkId === undefined || s.networkId === networkId),
		);
		const routerList = [...routers.values()].filter(r =>
			r.subnets.some(s => cidrContains(s.cidr, ip)),
		);
		subnet ??= routerList.flatMap(r => r.subnets).find(s => cidrContains(s.cidr, ip));
		const vipAmphorae = amphorae.filter(a => a.haIp !== undefined && sameIp(a.haIp, ip));

		// Owner, strongest source first.
		const observations: OwnerObservation[] = [];
		const holders = interfaceHolders(ip);
		observations.push(...holders);

		const dynamic: {obs: OwnerObservation; rank: number}[] = [];
		for (const node of nodeIds) {
			for (const ns of namespaces.get(node) ?? []) {
				const onSubnet =
					(networkId !== undefined && ns === `qdhcp-${networkId}`) ||
					routerList.some(r => ns === `snat-${r.id}`) ||
					(ns.startsWith('qdhcp-') &&
						subnet !== undefined &&
						(factsOf(node).addr?.[ns]?.data ?? []).some(i =>
							i.addresses.some(a => cidrContains(subnet.cidr, a.local)),
						));
				if (!onSubnet) continue;
				for (const o of neigh(node, ns)) {
					if (!sameIp(o.entry.dst, ip) || o.entry.lladdr === undefined) continue;
					if (o.entry.states.includes('PERMANENT') || o.entry.states.includes('NOARP')) continue;
					const rank = Math.max(0, ...o.entry.states.map(s => DYNAMIC_RANK[s] ?? 0));
					if (rank === 0) continue;
					dynamic.push({
						rank,
						obs: {
							source: 'dynamic-neigh',
							mac: normalizeMac(o.entry.lladdr),
							node,
							namespace: ns,
							detail: `${ns} on ${node} learnt ${ip} → ${o.entry.lladdr} (${o.entry.states.join(',')})`,
							evidence: [
								lineEvidence(
									snapshot,
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
			}
		}
		dynamic.sort((a, b) => b.rank - a.rank);
		observations.push(...dynamic.map(d => d.obs));

		const masters = vipAmphorae.filter(a => a.role?.toUpperCase() === 'MASTER');
		for (const amp of masters) {
			const port = ports.find(p => p.id === amp.vrrpPortId);
			const carrier = carriers.find(c => c.port.id === amp.vrrpPortId);
			const ev = amphoraEvidence(
				amp,
				'configured role MASTER (Octavia does not track live VRRP state)',
			);
			observations.push({
				source: 'amphora-role',
				...(carrier !== undefined
					? {mac: carrier.mac}
					: port !== undefined
						? {mac: normalizeMac(port.mac)}
						: {}),
				...(port?.bindingHostId !== undefined ? {node: port.bindingHostId} : {}),
				detail: `Octavia lists amphora ${short(amp.id)} with configured role MASTER`,
				evidence: ev !== undefined ? [ev] : [],
			});
		}

		let owner: VipOwner | undefined;
		let ownerUnknownReason: string | undefined;
		const distinctMacs = (list: readonly OwnerObservation[]): string[] => [
			...new Set(list.map(o => o.mac).filter((m): m is string => m !== undefined)),
		];
		const pick = (list: readonly OwnerObservation[], source: OwnerSource): boolean => {
			if (list.length === 0) return false;
			const macs = distinctMacs(list);
			const first = list[0];
			if (macs.length === 1 && first !== undefined && macs[0] !== undefined) {
				const mac = macs[0];
				const carrier = carriers.find(c => c.mac === mac);
				owner = {
					source,
					mac,
					...(carrier !== undefined ? {carrier} : {}),
					observation: list.find(o => o.mac === mac) ?? first,
					configuredOnly: source === 'amphora-role',
				};
				return true;
			}
			ownerUnknownReason =
				macs.length > 1
					? `${OWNER_SOURCE_TEXT[source]} disagree: ${macs.join(' vs ')}`
					: `${OWNER_SOURCE_TEXT[source]} has no MAC`;
			return true;
		};
		const topDynamic = dynamic.filter(d => d.rank === dynamic[0]?.rank).map(d => d.obs);
		if (!pick(holders, 'interface'))
			if (!pick(topDynamic, 'dynamic-neigh'))
				if (
					!pick(
						observations.filter(o => o.source === 'amphora-role'),
						'amphora-role',
					)
				)
					ownerUnknownReason = 'no source of live ownership in the capture set';

		const keepalived: KeepalivedMember[] = [];
		for (const node of nodeIds)
			for (const [config, sourced] of Object.entries(factsOf(node).keepalived ?? {}))
				for (const inst of sourced.data.instances) {
					const vaddr = [...inst.virtualIpaddress, ...inst.virtualIpaddressExcluded].find(v =>
						sameIp(v.address, ip),
					);
					if (vaddr === undefined) continue;
					keepalived.push({
						node,
						config,
						instance: inst.name,
						...(inst.state !== undefined ? {state: inst.state} : {}),
						...(inst.priority !== undefined ? {priority: inst.priority} : {}),
						evidence: lineEvidence(
							snapshot,
							node,
							sourced,
							[inst.line, vaddr.line],
							`keepalived instance ${inst.name} manages ${ip} (configured state ${inst.state ?? '?'}, not live)`,
						),
					});
				}

		return {
			ip,
			keepalived,
			...(subnet !== undefined ? {subnet} : {}),
			...(networkId !== undefined ? {networkId} : {}),
			carriers,
			vipPorts,
			routers: routerList,
			...(owner !== undefined ? {owner} : {}),
			observations,
			holders,
			...(owner === undefined && ownerUnknownReason !== undefined ? {ownerUnknownReason} : {}),
			amphorae: vipAmphorae,
		};
	});

	// ── Neutron L3-HA state files per router
	const haRouterIds = new Set<string>();
	for (const node of nodeIds)
		for (const r of Object.keys(factsOf(node).haState ?? {})) haRouterIds.add(r);
	const haRouters: HaRouterState[] = [...haRouterIds].map(router => ({
		router,
		states: nodeIds.flatMap(node => {
			const sourced = factsOf(node).haState?.[router];
			if (sourced === undefined) return [];
			return [
				{
					node,
					state: sourced.data.state,
					raw: sourced.data.raw,
					evidence: lineEvidence(
						snapshot,
						node,
						sourced,
						[1],
						`state file says "${sourced.data.raw.trim()}"`,
					),
				},
			];
		}),
	}));

	const whoHasMac = (vip: Vip, mac: string): string => {
		const who = [
			...vip.carriers.filter(c => c.mac === mac).map(c => c.label),
			...vip.vipPorts
				.filter(p => sameMac(p.mac, mac))
				.map(p => `the unbound VIP port ${p.name ?? p.id} (${short(p.id)}), which no VM owns`),
		];
		return who.length > 0 ? who.join('; ') : 'no port that carries this IP';
	};

	const qrDevice = (router: RouterInfo, node: NodeId, ip: string): string => {
		const fromNeigh = neigh(node, `qrouter-${router.id}`).find(o => sameIp(o.entry.dst, ip))?.entry
			.dev;
		if (fromNeigh !== undefined) return fromNeigh;
		const addrs = factsOf(node).addr?.[`qrouter-${router.id}`]?.data ?? [];
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
	};

	return {
		routers,
		vips,
		ports,
		subnets,
		haRouters,
		neigh,
		namespaces: node => namespaces.get(node) ?? [],
		portEvidence,
		amphoraEvidence,
		whoHasMac,
		carrierLabel,
		subnetOf,
		qrDevice,
	};
}
