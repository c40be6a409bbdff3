import type {NodeId} from '../../model/ids.js';
import {addrFocus, lineEvidence} from '../evidence.js';
import {unansweredProbe} from '../holder.js';
import {getModel, type Vip} from '../model.js';
import {normalizeMac, sameIp} from '../net.js';
import {getOvn} from '../ovn.js';
import {defineRule, type Evidence, type Need, type RuleContext} from '../types.js';
import {listText, nodesText} from './util.js';

const INFRA_NS = /^(qrouter|snat|fip|qdhcp)-/;

type Seen = {label: string; node: NodeId; evidence: Evidence};

/** Where the interface with a member's MAC was read (outside Neutron's own namespaces). */
function memberSeen(context: RuleContext<string>, mac: string): Seen | undefined {
	const {snapshot} = context;
	for (const node of context.nodes) {
		for (const [ns, sourced] of Object.entries(context.node(node)?.addr ?? {})) {
			if (INFRA_NS.test(ns)) continue;
			const iface = sourced.data.find(i => i.mac !== undefined && normalizeMac(i.mac) === mac);
			if (iface !== undefined)
				return {
					label: `${ns === '' ? 'host' : ns} on ${node}`,
					node,
					evidence: lineEvidence(
						snapshot,
						node,
						sourced,
						[iface.line, ...iface.addresses.map(a => a.line)],
						`member ${mac}: VIP not configured`,
						addrFocus('', iface.name),
					),
				};
		}
	}
	return undefined;
}

/**
 * How recent live evidence of a holder must be to count (s): the kernel's longest reachable time
 * (base_reachable_time 30 s × 1.5). An older sighting does not prove someone holds the VIP now.
 */
export const LIVE_HOLDER_S = 45;

/**
 * Live evidence, from node data, that someone holds the VIP now (so there is a master): an
 * interface with the VIP, a REACHABLE neighbour entry for it, or an ARP sent from it, confirmed
 * within {@link LIVE_HOLDER_S} of the node's newest read — unless a neighbour probe for the VIP
 * went unanswered (then nobody may answer: contested, no proof).
 */
function liveHolder(context: RuleContext<string>, vip: Vip): boolean {
	if (vip.holders.length > 0) return true;
	if (unansweredProbe(context.snapshot, vip) !== undefined) return false;
	// ml2/ovn: the chassis' port-security counters (a member that sent from the VIP and still answers)
	const ovn = getOvn(context.snapshot)?.vips.find(v => sameIp(v.ip, vip.ip))?.owner?.observation;
	return [...vip.observations, ...(ovn !== undefined ? [ovn] : [])].some(
		o => o.confirmedWithinS !== undefined && o.confirmedWithinS <= LIVE_HOLDER_S,
	);
}

/** Hosts of a router's L3-HA members, from the API's HA ports; undefined when unknown. */
function haMemberHosts(context: RuleContext<string>, router: string): string[] | undefined {
	const ports = context.cloud.ports?.data;
	if (ports === undefined) return undefined;
	const hosts = ports
		.filter(p => p.deviceOwner === 'network:router_ha_interface' && p.deviceId === router)
		.map(p => p.bindingHostId ?? '')
		.filter(h => h !== '');
	return hosts.length > 0 ? [...new Set(hosts)] : undefined;
}

/** The node id a Neutron host name is known under (node id or its `neutronHost`). */
function nodeOfHost(context: RuleContext<string>, host: string): NodeId {
	const node = context.snapshot.manifest.nodes.find(
		n => n.id === host || n.neutronHost === host || n.id === host.split('.')[0],
	);
	return node?.id ?? host;
}

/**
 * A group verdict needs every member: each L3-HA member of a router with no primary read, and the
 * interfaces of each bound VRRP member of a VIP nobody was seen holding (live, see
 * {@link liveHolder}). With fewer, the rule is skipped (never a pass): the member not read may be
 * the master.
 */
function noMasterNeeds(context: RuleContext<string>): Need[] {
	const model = getModel(context.snapshot);
	const needs: Need[] = [];
	for (const ha of model.haRouters) {
		if (ha.states.some(s => s.state === 'primary')) continue;
		const read = new Set(ha.states.map(s => s.node));
		const hosts = haMemberHosts(context, ha.router);
		if (hosts === undefined) {
			if (ha.states.length < 2)
				needs.push({
					for: `router ${ha.router}`,
					fact: 'node.haState',
					unmet: `only ${nodesText([...read])} of the router's L3-HA members was read and the others are unknown: the member not read may be the primary`,
					remedy: `the L3-HA state file ha_confs/${ha.router}/state of every L3 agent hosting the router (openstack network agent list --router ${ha.router} names them)`,
				});
			continue;
		}
		for (const host of hosts) {
			const node = nodeOfHost(context, host);
			if (read.has(node)) continue;
			needs.push({
				for: `router ${ha.router}`,
				fact: 'node.haState',
				node,
				key: ha.router,
				remedy: `ha_confs/${ha.router}/state on ${host} (its L3-HA member)`,
			});
		}
	}
	for (const vip of model.vips) {
		const bound = vip.carriers.filter(c => c.bound);
		if (bound.length < 2 || liveHolder(context, vip)) continue;
		for (const c of bound) {
			if (memberSeen(context, c.mac) !== undefined) continue;
			needs.push({
				for: `VIP ${vip.ip}`,
				fact: 'node.addr',
				...(c.host !== undefined ? {node: nodeOfHost(context, c.host)} : {}),
				unmet: `VRRP member ${c.label} (${c.mac}${c.host !== undefined ? ` on ${c.host}` : ''}) was not read and nobody was seen holding the VIP in the last ${LIVE_HOLDER_S} s: it may hold the VIP`,
				remedy: `ip addr inside the member${c.host !== undefined ? ` on ${c.host}` : ''}`,
			});
		}
	}
	return needs;
}

export const vrrpNoMaster = defineRule({
	id: 'vrrp/no-master',
	meta: {
		title: 'No VRRP master: nobody holds the VIP',
		severity: 'critical',
		backends: ['ml2/ovs', 'ml2/ovn'],
		requires: [],
		requiresAny: ['node.haState', 'node.addr'],
		needs: noMasterNeeds,
		messages: {
			haRouter:
				'Neutron L3-HA router {{router}} has no primary: state files on {{nodes}} say {{states}}. The router IPs are not configured anywhere, so traffic through this router stops.',
			vip: 'Nobody holds VIP {{vip}}: dvrscope read the interfaces of every VRRP member ({{members}}) and none has {{vip}} configured. Every client of the VIP fails.',
		},
		docs: {
			explanation:
				"When every VRRP member is backup (or in fault), no interface answers for the VIP. Causes: keepalived stopped or crashed on the master, a track script failing on all members, or Neutron's state-change monitor not running. The verdict is about a whole group: with a member not read (one sos report of two, a node unreachable) the rule is skipped, not passed — the member not read may be the master.",
			remediation:
				'Look at keepalived on the members (systemctl status / journal; in Neutron L3-HA the neutron-keepalived-state-change log in ha_confs/<router>/) and restart keepalived on the member that should be master.',
			references: ['docs/rules/vrrp/no-master.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const ha of model.haRouters) {
			if (ha.states.length < 2 || ha.states.some(s => s.state === 'primary')) continue;
			const hosts = haMemberHosts(context, ha.router);
			const read = new Set(ha.states.map(s => s.node));
			if (hosts !== undefined && hosts.some(h => !read.has(nodeOfHost(context, h)))) continue;
			const router = model.routers.get(ha.router);
			context.report({
				messageId: 'haRouter',
				nodes: ha.states.map(s => s.node),
				router: ha.router,
				data: {
					router: router?.name !== undefined ? `${router.name} (${ha.router})` : ha.router,
					nodes: nodesText(ha.states.map(s => s.node)),
					states: listText(ha.states.map(s => `"${s.raw.trim()}" on ${s.node}`)),
				},
				evidence: ha.states.map(s => s.evidence),
			});
		}
		for (const vip of model.vips) {
			const bound = vip.carriers.filter(c => c.bound);
			if (bound.length < 2 || liveHolder(context, vip)) continue;
			const seen = bound.map(c => memberSeen(context, c.mac));
			if (seen.some(s => s === undefined)) continue; // a member not read: skipped (needs)
			const members = seen.filter((s): s is Seen => s !== undefined);
			context.report({
				messageId: 'vip',
				nodes: [...new Set(members.map(s => s.node))].sort(),
				vip: vip.ip,
				data: {vip: vip.ip, members: listText(members.map(s => s.label))},
				evidence: [...members.map(s => s.evidence), ...vip.keepalived.map(k => k.evidence)],
			});
		}
	},
});
