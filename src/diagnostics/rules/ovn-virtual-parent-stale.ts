import {portText, str} from '../ovn.js';
import {defineRule, type Evidence} from '../types.js';
import {
	chassisOf,
	garpSteps,
	holderLsp,
	holderNodes,
	OVN_REQUIRES,
	ovnHolderNeeds,
	ovnOf,
	noOvnEvidence,
} from './ovn-common.js';

export const ovnVirtualParentStale = defineRule({
	id: 'ovn/virtual-parent-stale',
	meta: {
		title: 'OVN virtual port bound to a parent that no longer holds the VIP',
		severity: 'critical',
		backends: ['ml2/ovn'],
		requires: [...OVN_REQUIRES],
		notApplicable: noOvnEvidence,
		needs: ovnHolderNeeds,
		messages: {
			stale:
				'VIP {{vip}} is held by {{holder}} now, but the southbound Port_Binding of the virtual {{vport}} (the VIP port) still names {{parent}} as virtual_parent (chassis {{chassis}}). Routers send traffic for {{vip}} to {{parent}}: routed traffic to the VIP is lost until ovn-controller sees a gratuitous ARP from the new master (OVN does not learn it from other traffic).',
			unbound:
				'VIP {{vip}} is held by {{holder}} now, but the virtual {{vport}} (the VIP port) is bound to no parent in the southbound DB: OVN has not seen a gratuitous ARP from any member since the port was created.',
		},
		docs: {
			explanation:
				'On ml2/ovn Neutron makes a port that holds the VIP as fixed IP a Logical_Switch_Port of type virtual (options virtual-ip and virtual-parents = the ports carrying the VIP as allowed address pair). ovn-controller binds the virtual Port_Binding (chassis + virtual_parent) to the parent that last sent a GARP or ARP reply from the VIP; northd points the routers at that parent. If the GARP of a failover is lost, the binding stays on the old master indefinitely.',
			remediation:
				'Make the current master send one gratuitous ARP for the VIP (arping -U, or restart keepalived there). dvrscope prints the commands; it never runs them.',
			references: ['docs/rules/ovn/virtual-parent-stale.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const ovn = ovnOf(snapshot);
		for (const v of ovn.vips) {
			if (v.vipLsp === undefined || str(v.vipLsp['type']) !== 'virtual') continue;
			if (v.vipBinding === undefined || v.owner === undefined) continue;
			const holder = holderLsp(ovn, v);
			if (holder === undefined) continue;
			const parent = str(v.vipBinding['virtual_parent']);
			if (parent === holder.name) continue;
			const vport = str(v.vipLsp['name']) ?? '?';
			const chassisRef = str(v.vipBinding['chassis']);
			const evidence: Evidence[] = [
				ovn.evidence(
					'sb',
					v.vipBinding,
					`SB: the virtual port is bound to ${parent !== undefined ? portText(snapshot, parent) : 'nothing'}`,
				),
				ovn.evidence('nb', v.vipLsp, 'NB: the virtual port, its virtual-ip and virtual-parents'),
				...v.owner.observation.evidence,
			];
			context.report({
				messageId: parent === undefined ? 'unbound' : 'stale',
				vip: v.ip,
				nodes: holderNodes(v.owner),
				data: {
					vip: v.ip,
					holder: `${portText(snapshot, holder.name)} (MAC ${v.owner.mac})`,
					vport: portText(snapshot, vport),
					parent: parent !== undefined ? portText(snapshot, parent) : '',
					chassis: chassisRef !== undefined ? chassisOf(ovn, chassisRef).name : 'none',
				},
				evidence,
				remediation: garpSteps(v),
			});
		}
	},
});
