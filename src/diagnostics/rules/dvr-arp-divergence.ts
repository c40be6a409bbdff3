import type {NodeId} from '../../model/ids.js';
import {lineEvidence, neighFocus} from '../evidence.js';
import {addressRepairFix, fixedIpOwner, vipRepairFix} from '../fixes.js';
import {getModel, OWNER_SOURCE_TEXT, type NeighObs} from '../model.js';
import {normalizeIp, normalizeMac, sameIp} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {listText, nodesText, routerLabel} from './util.js';
import {dvrNeighNeeds, noDvrRouter} from './scope.js';

export const dvrArpDivergence = defineRule({
	id: 'dvr/arp-divergence',
	meta: {
		title: "The same IP maps to different MACs in different nodes' qrouter namespaces",
		severity: 'warning',
		backends: ['ml2/ovs'],
		requires: ['node.neigh'],
		needs: dvrNeighNeeds,
		notApplicable: noDvrRouter,
		messages: {
			diverge:
				'qrouter-{{routerId}} (router {{router}}) maps {{ip}} to different MACs on different nodes: {{mapping}}. Traffic routed to {{ip}} reaches a different host depending on which node the client runs on; at most one of these MACs is the right one.{{owner}}',
		},
		docs: {
			explanation:
				'Neutron writes the DVR PERMANENT entries by fan-out messages and by per-node resyncs; their order differs per node, so for a VIP shared by two ports the last writer can differ from node to node. The lab reproduced this before any failover.',
			remediation:
				"Point every node's entry at the IP's observed holder (for a VIP: the holder evidence dvr/stale-permanent-arp uses; for a fixed IP: its port's MAC) and re-set every allowed address pair of the holder's port to the same value so every node gets the same entry. With an unknown holder dvrscope prints only the checks that find it.",
			references: [
				'https://bugs.launchpad.net/neutron/+bug/1774459',
				'docs/rules/dvr/arp-divergence.md',
			],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const router of model.routers.values()) {
			if (router.neighNodes.length < 2) continue;
			const byIp = new Map<string, {ip: string; macs: Map<string, NeighObs[]>}>();
			for (const node of router.neighNodes) {
				for (const o of model.neigh(node, `qrouter-${router.id}`)) {
					if (!o.entry.states.includes('PERMANENT') || o.entry.lladdr === undefined) continue;
					// rfp-/fpr- link-local pairs have per-node MACs by design.
					if (o.entry.dev !== undefined && !o.entry.dev.startsWith('qr-')) continue;
					if (o.entry.dst.startsWith('169.254.') || o.entry.dst.toLowerCase().startsWith('fe80:'))
						continue;
					const key = normalizeIp(o.entry.dst);
					const slot = byIp.get(key) ?? {ip: o.entry.dst, macs: new Map<string, NeighObs[]>()};
					const mac = normalizeMac(o.entry.lladdr);
					slot.macs.set(mac, [...(slot.macs.get(mac) ?? []), o]);
					byIp.set(key, slot);
				}
			}
			for (const {ip, macs} of byIp.values()) {
				if (macs.size < 2) continue;
				const vip = model.vips.find(v => sameIp(v.ip, ip));
				const nodes: NodeId[] = [];
				const evidence: Evidence[] = [];
				const mapping: string[] = [];
				for (const [mac, list] of macs) {
					const on = list.map(o => o.node);
					nodes.push(...on);
					const who = vip !== undefined ? ` (${model.whoHasMac(vip, mac)})` : '';
					mapping.push(`${mac}${who} on ${nodesText(on)}`);
					for (const o of list)
						evidence.push(
							lineEvidence(
								snapshot,
								o.node,
								o.sourced,
								[o.entry.line],
								`${ip} → ${mac} on ${o.node}`,
								neighFocus(o.entry.dst),
							),
						);
				}
				context.report({
					messageId: 'diverge',
					nodes: [...new Set(nodes)].sort(),
					...(vip !== undefined ? {vip: vip.ip} : {}),
					router: router.id,
					data: {
						ip,
						routerId: router.id,
						router: routerLabel(router),
						mapping: listText(mapping),
						owner:
							vip === undefined
								? ''
								: vip.owner !== undefined
									? ` The VIP is held by ${vip.owner.mac} now (${OWNER_SOURCE_TEXT[vip.owner.source]}).`
									: ` Who holds the VIP now is unknown (${vip.ownerUnknownReason ?? 'no source in the capture set'}); capture the snat-/qdhcp- neighbour tables or the members' addresses to tell.`,
					},
					evidence,
					fix:
						vip !== undefined
							? vipRepairFix(snapshot, model, vip, router)
							: addressRepairFix(
									snapshot,
									model,
									ip,
									router,
									(() => {
										const owner = fixedIpOwner(model, ip);
										const right = owner !== undefined ? normalizeMac(owner.mac) : undefined;
										return [...macs]
											.filter(([mac]) => mac !== right)
											.flatMap(([, list]) => list.map(o => o.node));
									})(),
								),
				});
			}
		}
	},
});
