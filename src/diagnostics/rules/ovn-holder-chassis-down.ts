import type {OvnRow} from '../../model/facts.js';
import {objectEvidence} from '../evidence.js';
import {portText, str} from '../ovn.js';
import {defineRule, type Evidence} from '../types.js';
import {chassisOf, holderLsp, OVN_REQUIRES, ovnOf, noOvnEvidence} from './ovn-common.js';

const OVN_CONTROLLER = /^OVN Controller/i;

export const ovnHolderChassisDown = defineRule({
	id: 'ovn/holder-chassis-down',
	meta: {
		title: 'The chassis OVN sends the VIP to is down or gone',
		severity: 'critical',
		backends: ['ml2/ovn'],
		requires: [...OVN_REQUIRES],
		notApplicable: noOvnEvidence,
		messages: {
			down: 'VIP {{vip}}: {{what}} is bound to chassis {{chassis}}, and {{why}}. Traffic OVN sends to {{vip}} there is lost until a member on a live chassis announces the VIP (gratuitous ARP) and ovn-controller rebinds it.',
		},
		docs: {
			explanation:
				"The virtual port of a VIP is bound to the chassis of the parent that last announced the VIP, and the live holder's own port to the chassis its VM runs on. Neutron reports each chassis' ovn-controller as an 'OVN Controller agent' (or 'OVN Controller Gateway agent') that is alive while the chassis keeps up with the southbound DB; a chassis that left has no Chassis row. When that chassis is down, VRRP on the other member takes over, but OVN follows only after a gratuitous ARP from the new master.",
			remediation:
				'Check ovn-controller and the node (openstack network agent list --agent-type ovn-controller; ovs-vsctl get Open_vSwitch . external_ids on the node); when the member on the live chassis is master, make it send one gratuitous ARP. dvrscope prints the commands; it never runs them.',
			references: ['docs/rules/ovn/holder-chassis-down.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const ovn = ovnOf(snapshot);
		const agents = snapshot.cloud.agents;
		for (const v of ovn.vips) {
			const checks: {what: string; binding: OvnRow}[] = [];
			if (v.vipBinding !== undefined && str(v.vipBinding['chassis']) !== undefined)
				checks.push({
					what: `virtual port ${portText(snapshot, str(v.vipBinding['logical_port']) ?? '')}`,
					binding: v.vipBinding,
				});
			const holder = holderLsp(ovn, v);
			const hb =
				holder !== undefined
					? ovn.rows('sb', 'Port_Binding').find(b => b['logical_port'] === holder.name)
					: undefined;
			if (hb !== undefined && str(hb['chassis']) !== undefined && hb !== v.vipBinding)
				checks.push({what: `the holder's ${portText(snapshot, holder?.name ?? '')}`, binding: hb});
			for (const {what, binding} of checks) {
				const ref = str(binding['chassis']) ?? '';
				const {row: chassis, name} = chassisOf(ovn, ref);
				const host = chassis !== undefined ? (str(chassis['hostname']) ?? name) : undefined;
				const evidence: Evidence[] = [
					ovn.evidence('sb', binding, `SB: ${what} on chassis ${name}`),
				];
				let why: string | undefined;
				if (chassis === undefined)
					why = 'the southbound DB has no Chassis row for it (the chassis left)';
				else {
					const index = agents?.data.findIndex(
						a => OVN_CONTROLLER.test(a.agentType) && (a.host === host || a.host === name),
					);
					const agent = index !== undefined && index >= 0 ? agents?.data[index] : undefined;
					if (agent?.alive === false && agents !== undefined) {
						why = `Neutron reports its ${agent.agentType} on ${agent.host} as not alive`;
						evidence.push(
							objectEvidence(
								snapshot,
								agents,
								agent.index,
								['agent_type', 'host', 'alive', 'Agent Type', 'Host', 'Alive'],
								'Neutron: the chassis agent is down',
							),
						);
						evidence.push(ovn.evidence('sb', chassis, `SB: chassis ${name}`));
					}
				}
				if (why === undefined) continue;
				context.report({
					messageId: 'down',
					vip: v.ip,
					data: {vip: v.ip, what, chassis: name, why},
					evidence,
					remediation: [
						'openstack network agent list --agent-type ovn-controller -f json',
						`ovs-vsctl get Open_vSwitch . external_ids  # on ${host ?? name}`,
					],
				});
			}
		}
	},
});
