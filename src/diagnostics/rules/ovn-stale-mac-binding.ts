import {map, portText, str} from '../ovn.js';
import {defineRule} from '../types.js';
import {
	garpSteps,
	holderNodes,
	lspWithMac,
	OVN_REQUIRES,
	ovnHolderNeeds,
	ovnOf,
	noOvnEvidence,
} from './ovn-common.js';

export const ovnStaleMacBinding = defineRule({
	id: 'ovn/stale-mac-binding',
	meta: {
		title: "OVN MAC_Binding for the VIP points at the old master's MAC",
		severity: 'critical',
		backends: ['ml2/ovn'],
		requires: [...OVN_REQUIRES],
		notApplicable: noOvnEvidence,
		needs: ovnHolderNeeds,
		messages: {
			stale:
				'The southbound MAC_Binding of router port {{routerPort}} says {{vip}} is at {{mac}}{{macOwner}}, but {{vip}} is held by MAC {{holderMac}} now. Routed traffic to {{vip}} through that router goes to the old MAC and is lost. {{ageing}}',
		},
		docs: {
			explanation:
				"A logical router learns a neighbour's MAC in a southbound MAC_Binding row (ip, mac, logical_port = the router port). For a VRRP VIP carried only as allowed address pair this row is the router's whole belief about who holds the VIP; ovn-controller rewrites it from the new master's gratuitous ARP. Neutron sets always_learn_from_arp_request=false, so ordinary traffic from the new master does not heal it. Without Logical_Router options:mac_binding_age_threshold the row never expires.",
			remediation:
				"Make the current master send one gratuitous ARP (arping -U, or restart keepalived there). To let such rows age out by themselves set a MAC_Binding age threshold (Neutron's [ovn] mac_binding_age_threshold where the release has it, or Logical_Router options:mac_binding_age_threshold). dvrscope prints the commands; it never runs them.",
			references: ['docs/rules/ovn/stale-mac-binding.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const ovn = ovnOf(snapshot);
		const routers = ovn.rows('nb', 'Logical_Router');
		const lrps = ovn.rows('nb', 'Logical_Router_Port');
		for (const v of ovn.vips) {
			const owner = v.owner;
			if (owner === undefined) continue;
			for (const mb of v.macBindings) {
				const mac = str(mb['mac'])?.toLowerCase();
				if (mac === undefined || mac === owner.mac) continue;
				const routerPort = str(mb['logical_port']) ?? '?';
				const lrp = lrps.find(r => r['name'] === routerPort);
				const router = routers.find(r => {
					const ports = r['ports'];
					const uuid = lrp?.['_uuid'];
					return (
						uuid !== undefined && (ports === uuid || (Array.isArray(ports) && ports.includes(uuid)))
					);
				});
				const threshold =
					router !== undefined
						? str(map(router['options'])['mac_binding_age_threshold'])
						: undefined;
				const oldName = lspWithMac(ovn, mac)?.name;
				context.report({
					messageId: 'stale',
					severity: threshold !== undefined && threshold !== '0' ? 'warning' : 'critical',
					vip: v.ip,
					nodes: holderNodes(owner),
					data: {
						vip: v.ip,
						mac,
						macOwner: oldName !== undefined ? ` (${portText(snapshot, oldName)})` : '',
						holderMac: owner.mac,
						routerPort,
						ageing:
							threshold !== undefined && threshold !== '0'
								? `The router ages MAC_Binding rows after ${threshold} s (options:mac_binding_age_threshold), so it heals by itself within about that time.`
								: router !== undefined
									? `The router has no options:mac_binding_age_threshold: the row stays until a gratuitous ARP rewrites it.`
									: 'Whether the router ages MAC_Binding rows is unknown (its Logical_Router row was not found).',
					},
					evidence: [
						ovn.evidence('sb', mb, `SB MAC_Binding: ${v.ip} → ${mac}`),
						...(router !== undefined
							? [ovn.evidence('nb', router, 'NB: the router and its options')]
							: []),
						...owner.observation.evidence,
					],
					remediation: garpSteps(v),
				});
			}
		}
	},
});
