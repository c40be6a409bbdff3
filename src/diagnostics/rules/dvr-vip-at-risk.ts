import {getModel} from '../model.js';
import {defineRule, type Evidence} from '../types.js';
import {vipRouters} from './scope.js';
import {listText, routerLabel, subnetText} from './util.js';

export const dvrVipAtRisk = defineRule({
	id: 'dvr/vip-at-risk',
	meta: {
		title: 'VRRP VIP shared by ports with different MACs behind a DVR router',
		severity: 'warning',
		/** Members from the API's allowed address pairs, or from br-int's anti-spoofing flows. */
		backends: ['ml2/ovs'],
		requires: [],
		requiresAny: ['cloud.ports', 'node.flows'],
		messages: {
			atRisk:
				'VIP {{vip}} is an allowed address pair on {{count}} ports with different MACs ({{carriers}}) in {{subnet}}, which is attached to distributed router {{router}}. Each qrouter namespace can keep only one PERMANENT ARP entry for {{vip}}, so after the next VRRP failover traffic routed to the VIP from other subnets keeps going to the old MAC and is lost (LP#1774459), even if the entries are right today.',
		},
		docs: {
			explanation:
				'With VRRP (keepalived, Octavia ACTIVE_STANDBY) the VIP is an allowed address pair on two ports with two different MACs. The DVR L3 agent writes one PERMANENT entry per IP in every qrouter namespace; which MAC wins depends on the order of port events, and a failover never changes it.',
			remediation:
				'Put the VIP subnet behind a centralized (non-distributed) router, use Octavia SINGLE topology, or give every member port the same virtual MAC as allowed-address-pair MAC (Neutron >= 2025.1). Until then, watch failovers with dvrscope.',
			references: [
				'https://bugs.launchpad.net/neutron/+bug/1774459',
				'docs/rules/dvr/vip-at-risk.md',
			],
		},
	},
	check(context) {
		const model = getModel(context.snapshot);
		for (const vip of model.vips) {
			// Without the API, the members are the ports br-int lets send ARPs from the VIP.
			const members =
				vip.carriers.length > 0
					? vip.carriers.map(c => ({
							mac: c.mac,
							label: c.label,
							evidence: model.portEvidence(c.port, `carries ${vip.ip} with MAC ${c.mac}`, [vip.ip]),
						}))
					: vip.nodeCarriers.map(c => ({mac: c.mac, label: c.label, evidence: c.evidence[0]}));
			const macs = [...new Set(members.map(c => c.mac))];
			if (macs.length < 2) continue;
			// Routers on the VIP's subnet; without subnets, the ports JSON ties them (fixed_ips subnet_id).
			for (const router of vipRouters(model, vip)) {
				if (router.distributed !== true) continue;
				const evidence: Evidence[] = members.flatMap(c =>
					c.evidence !== undefined ? [c.evidence] : [],
				);
				const carrierSubnets = new Set(
					vip.carriers.flatMap(c => c.port.fixedIps.flatMap(f => f.subnetId ?? [])),
				);
				if (!vip.routers.some(r => r.id === router.id))
					for (const p of router.interfacePorts.filter(x =>
						x.fixedIps.some(f => f.subnetId !== undefined && carrierSubnets.has(f.subnetId)),
					)) {
						const ev = model.portEvidence(
							p,
							`router interface on the VIP ports' subnet (${p.deviceOwner ?? 'router port'})`,
						);
						if (ev !== undefined) evidence.push(ev);
					}
				const subnetId = vip.subnet?.id ?? [...carrierSubnets][0] ?? '<subnet>';
				context.report({
					messageId: 'atRisk',
					nodes: router.qrouterNodes,
					vip: vip.ip,
					router: router.id,
					data: {
						vip: vip.ip,
						count: members.length,
						carriers: listText(members.map(c => `${c.mac} = ${c.label}`)),
						subnet: subnetText(vip),
						router: routerLabel(router),
						distributedSource: router.distributedSource,
					},
					evidence,
					remediation: [
						`# durable fix 1: move the VIP subnet to a centralized router (admin), in a maintenance window`,
						`openstack router create --centralized <new-router>`,
						`openstack router remove subnet ${router.id} ${subnetId}`,
						`openstack router add subnet <new-router> ${subnetId}`,
						`# durable fix 2 (Octavia): use SINGLE topology for load balancers on this subnet (MOSK default with DVR)`,
						`# durable fix 3 (Neutron >= 2025.1): one shared virtual MAC on every member (keepalived use_vmac + allowed address pair mac_address)`,
					],
				});
			}
		}
	},
});
