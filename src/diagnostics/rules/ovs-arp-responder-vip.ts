import type {NodeId} from '../../model/ids.js';
import {lineEvidence} from '../evidence.js';
import {arpResponderOf} from '../flows.js';
import {getModel, OWNER_SOURCE_TEXT} from '../model.js';
import {sameIp} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {nodesText} from './util.js';
import {responderNeeds} from './scope.js';

export const ovsArpResponderVip = defineRule({
	id: 'ovs/arp-responder-vip',
	meta: {
		title: "br-tun ARP responder answers for a VRRP VIP with a MAC other than the owner's",
		severity: 'critical',
		backends: ['ml2/ovs'],
		requires: ['node.flows', 'cloud.ports'],
		needs: responderNeeds,
		messages: {
			wrongMac:
				'br-tun table 21 on {{nodes}} answers ARP requests for VIP {{vip}} with {{mac}} ({{who}}), but the VIP is held by {{ownerMac}} ({{ownerSource}}). ARP requests from VMs on those nodes never reach the real owner, so even same-subnet clients there send to the old MAC.',
			present:
				"br-tun table 21 on {{nodes}} answers ARP requests for VIP {{vip}} with {{mac}} ({{who}}); dvrscope cannot tell who holds the VIP now. Upstream Neutron installs no responder entry for allowed address pairs; this one comes from MOSK's allowed_address_pair_arp_responder and will not follow a failover.",
		},
		docs: {
			explanation:
				"The OVS agent's ARP responder (br-tun table 21) answers ARP requests locally from Neutron's view. Upstream it lists fixed IPs only; MOSK adds entries for allowed-address-pair IPs (allowed_address_pair_arp_responder). A responder entry for a VRRP VIP answers with one member's MAC whatever keepalived does.",
			remediation:
				"Re-set the allowed address pairs of the current owner's port so Neutron updates the entry, or move the VIP subnet behind a centralized router / use SINGLE topology.",
			references: ['docs/rules/ovs/arp-responder-vip.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const vip of model.vips) {
			const byMac = new Map<string, {node: NodeId; evidence: Evidence}[]>();
			for (const node of context.nodes) {
				const brTun = context.node(node)?.flows?.['br-tun'];
				if (brTun === undefined) continue;
				for (const flow of brTun.data.flows) {
					const entry = arpResponderOf(flow);
					if (entry === undefined || !sameIp(entry.ip, vip.ip)) continue;
					const mac = entry.mac;
					byMac.set(mac, [
						...(byMac.get(mac) ?? []),
						{
							node,
							evidence: lineEvidence(
								snapshot,
								node,
								brTun,
								[flow.line],
								`ARP responder for ${vip.ip} → ${mac}`,
							),
						},
					]);
				}
			}
			for (const [mac, list] of byMac) {
				if (vip.owner !== undefined && vip.owner.mac === mac) continue;
				const nodes = [...new Set(list.map(l => l.node))].sort();
				const owner = vip.owner;
				context.report({
					messageId: owner !== undefined ? 'wrongMac' : 'present',
					severity: owner !== undefined ? 'critical' : 'info',
					nodes,
					vip: vip.ip,
					data: {
						vip: vip.ip,
						mac,
						who: model.whoHasMac(vip, mac),
						nodes: nodesText(nodes),
						ownerMac: owner?.mac ?? '',
						ownerSource: owner !== undefined ? OWNER_SOURCE_TEXT[owner.source] : '',
					},
					evidence: [...list.map(l => l.evidence), ...(owner?.observation.evidence ?? [])],
				});
			}
		}
	},
});
