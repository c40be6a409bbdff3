import type {NodeId} from '../../model/ids.js';
import {lineEvidence, neighFocus} from '../evidence.js';
import {arpDropLayout} from '../flows.js';
import {
	getModel,
	OWNER_SOURCE_TEXT,
	type Model,
	type NeighObs,
	type RouterInfo,
	type Vip,
	type VipOwner,
} from '../model.js';
import {cidrContains, normalizeMac, sameIp} from '../net.js';
import {defineRule, type Evidence, type RuleContext} from '../types.js';
import {vipRepairFix} from '../fixes.js';
import {listText, nodesText, routerLabel, subnetText} from './util.js';
import {dvrNeighNeeds, noDvrRouter, vipHolderNeeds} from './scope.js';

/**
 * What a finding made without the API's ports says about it: where the VIP and its members came
 * from, what the API would add, and how to give it.
 */
export function apiNote(vip: Vip, apiRead: boolean): string {
	if (apiRead && vip.discovery === undefined) return '';
	const found =
		vip.discovery !== undefined
			? ` The VIP was found in node data (${vip.discovery.reason})`
			: ' The VIP was found in node data';
	if (apiRead)
		return `${found}: no port in the API's port list carries it as allowed address pair; check the port list was complete.`;
	return `${found}, without the OpenStack API: the ports' ids, names, binding hosts and allowed address pairs (needed for the lasting fix) come from the API. Collect again with it: OS_CLOUD=<cloud> (an entry of clouds.yaml; the lab writes .lab-state/clouds.yaml: OS_CLIENT_CONFIG_FILE=.lab-state/clouds.yaml OS_CLOUD=lab) and --openstack local, or --openstack kubectl on MOSK.`;
}

export const dvrStalePermanentArp = defineRule({
	id: 'dvr/stale-permanent-arp',
	meta: {
		title: 'Stale PERMANENT ARP entry for a VRRP VIP in DVR qrouter namespaces (LP#1774459)',
		severity: 'critical',
		/**
		 * The VIPs and their members come from the API's ports or, without the API, from br-int's
		 * anti-spoofing flows (node data alone); the holder from node data either way.
		 */
		backends: ['ml2/ovs'],
		requires: ['node.neigh'],
		requiresAny: ['cloud.ports', 'node.flows'],
		needs: context => [...dvrNeighNeeds(context), ...vipHolderNeeds(context)],
		notApplicable: noDvrRouter,
		messages: {
			stale:
				'VIP {{vip}} is held by {{ownerMac}} ({{ownerWho}}; known from: {{ownerSource}}), but the PERMANENT ARP entry for {{vip}} in qrouter-{{routerId}} on {{nodes}} still points at {{staleMac}} ({{staleWho}}). Traffic routed to {{vip}} by DVR router {{router}} from other subnets (and through floating IPs served on those nodes) goes to the old MAC and is lost; clients inside {{subnet}} reach the VIP normally. Gratuitous ARPs cannot change a PERMANENT entry and Neutron does not rewrite it on a VRRP failover (LP#1774459).{{unread}}{{roleNote}}{{caveat}}{{apiNote}}',
		},
		docs: {
			explanation:
				"On every node that hosts a DVR router, the Neutron L3 agent writes a PERMANENT neighbour entry for each allowed-address-pair IP of every bound port on the router's subnets. A VRRP VIP shared by two ports gets one entry (last writer wins). When keepalived moves the VIP, the entry keeps the old MAC: the kernel ignores the gratuitous ARPs and Neutron sees no change to send.",
			remediation:
				"Stop-gap: on each affected node replace the entry with the owner's MAC (ip netns exec qrouter-<id> ip neigh replace <vip> lladdr <mac> dev <qr-dev> nud permanent). Then make Neutron re-send the owner port's entries by re-setting its allowed address pairs (openstack port set --no-allowed-address --allowed-address ip-address=<vip> <port>). Durable: put the VIP subnet behind a centralized router, use Octavia SINGLE topology, a shared virtual MAC on Neutron >= 2025.1, or disable DVR.",
			references: [
				'https://bugs.launchpad.net/neutron/+bug/1774459',
				'https://docs.mirantis.com/mosk/latest/ref-arch/cloud-services/networking/known-limitations.html',
				'docs/rules/dvr/stale-permanent-arp.md',
			],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const vip of model.vips) {
			const owner = vip.owner;
			if (owner === undefined) continue;
			for (const router of vip.routers) {
				if (router.distributed !== true) continue;
				const stale = staleEntries(model, vip, owner, router);
				if (stale.size === 0) continue;
				const nodes = [...stale.keys()].sort();
				const staleMacs = [
					...new Set([...stale.values()].map(o => normalizeMac(o.entry.lladdr ?? ''))),
				];
				const evidence: Evidence[] = [];
				for (const node of nodes) {
					const o = stale.get(node);
					if (o === undefined) continue;
					evidence.push(
						lineEvidence(
							snapshot,
							node,
							o.sourced,
							[o.entry.line],
							`PERMANENT entry on ${node} points at the old MAC`,
							neighFocus(o.entry.dst),
						),
					);
				}
				evidence.push(...owner.observation.evidence);
				for (const other of vip.observations)
					if (other !== owner.observation && other.source !== owner.source)
						evidence.push(...other.evidence);
				evidence.push(...arpBlockEvidence(context, vip, router, nodes));
				evidence.push(...portEvidence(model, vip, owner, staleMacs));
				const caveat = owner.configuredOnly
					? ' Caution: the owner is known only from Octavia\'s configured amphora role, which does not follow VRRP failovers; confirm the live MASTER (e.g. tcpdump "ip proto 112" on the amphora taps) before acting.'
					: '';
				context.report({
					messageId: 'stale',
					severity: owner.configuredOnly ? 'warning' : 'critical',
					nodes,
					vip: vip.ip,
					router: router.id,
					data: {
						vip: vip.ip,
						routerId: router.id,
						router: routerLabel(router),
						nodes: nodesText(nodes),
						staleMac: listText(staleMacs),
						staleWho: listText(staleMacs.map(m => model.whoHasMac(vip, m))),
						ownerMac: owner.mac,
						ownerWho: owner.carrier?.label ?? model.whoHasMac(vip, owner.mac),
						ownerSource: `${OWNER_SOURCE_TEXT[owner.source]} — ${owner.observation.detail}`,
						subnet: subnetText(vip),
						caveat,
						roleNote: roleNote(vip, owner),
						unread: unreadNote(router),
						rightNodes: nodesText(router.neighNodes.filter(n => !stale.has(n))),
						apiNote: apiNote(vip, snapshot.cloud.ports !== undefined),
					},
					evidence,
					fix: vipRepairFix(snapshot, model, vip, router),
				});
			}
		}
	},
});

/** Per node hosting the router: its PERMANENT entry for the VIP when the MAC is not the owner's. */
function staleEntries(
	model: Model,
	vip: Vip,
	owner: VipOwner,
	router: RouterInfo,
): Map<NodeId, NeighObs> {
	const stale = new Map<NodeId, NeighObs>();
	for (const node of router.neighNodes) {
		for (const o of model.neigh(node, `qrouter-${router.id}`)) {
			if (!sameIp(o.entry.dst, vip.ip) || o.entry.lladdr === undefined) continue;
			if (!o.entry.states.includes('PERMANENT')) continue;
			if (normalizeMac(o.entry.lladdr) !== owner.mac) stale.set(node, o);
		}
	}
	return stale;
}

/**
 * The ARP block shows why the qrouter cannot re-learn: ARP for the router port never leaves the
 * node (br-tun's drop flows for the router's IPs on the VIP subnet, on the first stale node).
 */
function arpBlockEvidence(
	context: RuleContext<'stale'>,
	vip: Vip,
	router: RouterInfo,
	nodes: readonly NodeId[],
): Evidence[] {
	const routerIps = [
		...router.subnets.filter(s => cidrContains(s.cidr, vip.ip)).map(s => s.gatewayIp),
		...router.interfacePorts.flatMap(p => p.fixedIps.map(f => f.ip)),
	].filter((ip): ip is string => ip !== undefined && cidrContains(vip.subnet?.cidr ?? ip, ip));
	const evidence: Evidence[] = [];
	for (const node of nodes.slice(0, 1)) {
		const flows = context.node(node)?.flows?.['br-tun'];
		if (flows === undefined) continue;
		const block = flows.data.flows.filter(f =>
			routerIps.some(ip => arpDropLayout(f, ip) !== undefined),
		);
		if (block.length > 0)
			evidence.push(
				lineEvidence(
					context.snapshot,
					node,
					flows,
					block.map(f => f.line),
					'DVR drops ARP for the router port before it leaves the node, so the qrouter cannot re-learn the VIP by ARP',
				),
			);
	}
	return evidence;
}

/** The ports behind the stale MACs (API ports, else node-data carriers) and the owner's port. */
function portEvidence(
	model: Model,
	vip: Vip,
	owner: VipOwner,
	staleMacs: readonly string[],
): Evidence[] {
	const evidence: Evidence[] = [];
	for (const mac of staleMacs) {
		for (const c of vip.carriers.filter(x => x.mac === mac)) {
			const ev = model.portEvidence(c.port, `port behind the stale MAC ${mac}`, [vip.ip]);
			if (ev !== undefined) evidence.push(ev);
		}
		if (vip.carriers.length === 0)
			for (const c of vip.nodeCarriers.filter(x => x.mac === mac))
				evidence.push(
					...c.evidence.map(e => ({
						...e,
						note: `port behind the stale MAC ${mac}: ${e.note ?? ''}`,
					})),
				);
	}
	if (owner.carrier !== undefined) {
		const ev = model.portEvidence(owner.carrier.port, `port of the current owner ${owner.mac}`, [
			vip.ip,
		]);
		if (ev !== undefined) evidence.push(ev);
	}
	return evidence;
}

/** Octavia still naming another amphora MASTER (when the owner is known from live data). */
function roleNote(vip: Vip, owner: VipOwner): string {
	const role = vip.observations.find(
		o => o.source === 'amphora-role' && o.mac !== undefined && o.mac !== owner.mac,
	);
	return role !== undefined && !owner.configuredOnly
		? ` Octavia still lists the amphora with ${role.mac} as MASTER: that is the configured role, which does not follow VRRP failovers.`
		: '';
}

/** Nodes that host the router but whose neighbour table was not captured. */
function unreadNote(router: RouterInfo): string {
	const unread = router.qrouterNodes.filter(n => !router.neighNodes.includes(n));
	return unread.length > 0
		? ` The router also exists on ${nodesText(unread)}, whose neighbour table was not captured: check it too.`
		: '';
}
