import type {NodeId} from '../../model/ids.js';
import type {Snapshot} from '../../model/snapshot.js';
import {getModel, type Model, type RouterInfo, type Vip} from '../model.js';
import {agentNodes} from '../needs.js';
import type {Need, RuleContext} from '../types.js';
import {routerLabel} from './util.js';

/**
 * What each rule needs per VIP / router / node (src/diagnostics/needs.ts checks them). Kept
 * beside the rules so a rule's scope reads next to its check.
 */

/** Routers that may be distributed (true, or unknown). */
export const dvrRouters = (model: Model): RouterInfo[] =>
	[...model.routers.values()].filter(r => r.distributed !== false);

/** Not applicable: nothing seen is a distributed router. */
export function noDvrRouter(snapshot: Snapshot): string | undefined {
	return dvrRouters(getModel(snapshot)).length > 0
		? undefined
		: 'no distributed (DVR) router in what was read';
}

/**
 * Routers in front of a VIP: those with a subnet containing it, plus those whose interface port
 * sits on the same Neutron subnet as a port carrying the VIP (fixed_ips subnet_id) — the ports
 * JSON alone ties them when subnets and router addresses were not captured.
 */
export function vipRouters(model: Model, vip: Vip): RouterInfo[] {
	const out = [...vip.routers];
	const subnetIds = new Set<string>();
	for (const port of [...vip.carriers.map(c => c.port), ...vip.vipPorts])
		for (const f of port.fixedIps) if (f.subnetId !== undefined) subnetIds.add(f.subnetId);
	for (const router of model.routers.values()) {
		if (out.some(r => r.id === router.id)) continue;
		if (
			router.interfacePorts.some(p =>
				p.fixedIps.some(f => f.subnetId !== undefined && subnetIds.has(f.subnetId)),
			)
		)
			out.push(router);
	}
	return out;
}

/** The qrouter neighbour table of every DVR router on every node that has its namespace. */
export function qrouterNeighNeeds(
	model: Model,
	routers: readonly RouterInfo[],
	what?: string,
): Need[] {
	const needs: Need[] = [];
	for (const router of routers)
		for (const node of router.qrouterNodes)
			needs.push({
				for: what ?? `router ${routerLabel(router)}`,
				fact: 'node.neigh',
				node,
				key: `qrouter-${router.id}`,
				remedy: `ip netns exec qrouter-${router.id} ip neigh show (on ${node}; or ip -all netns exec ip neigh)`,
			});
	return needs;
}

/** Every agent node must at least say which namespaces it has (else its routers are unknown). */
export function namespaceListNeeds(context: RuleContext<string>): Need[] {
	const needs: Need[] = [];
	for (const node of agentNodes(context.snapshot)) {
		const facts = context.node(node);
		if (facts?.netns !== undefined || facts?.neigh !== undefined) continue;
		needs.push({
			for: `node ${node}`,
			fact: 'node.netns',
			node,
			remedy: `ip netns list and ip -all netns exec ip neigh (on ${node})`,
		});
	}
	return needs;
}

/** Needs of the rules that read qrouter neighbour tables of DVR routers. */
export function dvrNeighNeeds(context: RuleContext<string>): Need[] {
	const model = getModel(context.snapshot);
	return [...namespaceListNeeds(context), ...qrouterNeighNeeds(model, dvrRouters(model))];
}

/** Who holds each VIP behind a DVR router now, and which router serves it. */
export function vipHolderNeeds(context: RuleContext<string>): Need[] {
	const model = getModel(context.snapshot);
	const needs: Need[] = [];
	for (const vip of model.vips) {
		const routers = vipRouters(model, vip).filter(r => r.distributed !== false);
		if (routers.length === 0) continue;
		if (vip.owner === undefined)
			needs.push({
				for: `VIP ${vip.ip}`,
				fact: 'node.addr',
				unmet: `who holds VIP ${vip.ip} now is unknown (${vip.ownerUnknownReason ?? 'no source of live ownership'})`,
				remedy:
					"ip -all netns exec ip neigh on the dvr_snat node (snat-/qdhcp- dynamic entries), the members' ip addr, or the L3-HA state files",
			});
		const unplaced = routers.filter(r => !vip.routers.some(x => x.id === r.id));
		for (const router of unplaced)
			needs.push({
				for: `VIP ${vip.ip}`,
				fact: 'cloud.subnets',
				unmet: `router ${routerLabel(router)} serves the VIP's subnet (ports JSON) but its subnets are unknown`,
				remedy: 'openstack subnet list -f json, or ip addr in the qrouter namespace',
			});
	}
	return needs;
}

/** br-tun flows and qrouter addresses on every node that has a DVR router namespace. */
export function arpBlockNeeds(context: RuleContext<string>): Need[] {
	const model = getModel(context.snapshot);
	const needs: Need[] = [...namespaceListNeeds(context)];
	const byNode = new Map<NodeId, RouterInfo[]>();
	for (const router of dvrRouters(model))
		for (const node of router.qrouterNodes) byNode.set(node, [...(byNode.get(node) ?? []), router]);
	for (const [node, routers] of byNode) {
		const brTun = context.node(node)?.flows?.['br-tun'];
		needs.push({
			for: `node ${node}`,
			fact: 'node.flows',
			node,
			key: 'br-tun',
			remedy: `ovs-ofctl dump-flows br-tun (on ${node})`,
			...(brTun !== undefined && brTun.data.flows.length === 0
				? {unmet: `the br-tun dump on ${node} (${brTun.capture}) has no flows`}
				: {}),
		});
		for (const router of routers)
			needs.push({
				for: `router ${routerLabel(router)}`,
				fact: 'node.addr',
				node,
				key: `qrouter-${router.id}`,
				remedy: `ip netns exec qrouter-${router.id} ip addr show (on ${node}; or ip -all netns exec ip -o addr)`,
			});
	}
	return needs;
}

/** br-tun flows on every agent node, when there is a VIP to look up. */
export function responderNeeds(context: RuleContext<string>): Need[] {
	const model = getModel(context.snapshot);
	if (model.vips.length === 0) return [];
	return agentNodes(context.snapshot).map(node => ({
		for: `node ${node}`,
		fact: 'node.flows' as const,
		node,
		key: 'br-tun',
		remedy: `ovs-ofctl dump-flows br-tun (on ${node})`,
	}));
}
