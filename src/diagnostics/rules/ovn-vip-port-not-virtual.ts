import {getModel} from '../model.js';
import {portText, str, strings} from '../ovn.js';
import {sameIp} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {OVN_REQUIRES, ovnOf, noOvnEvidence} from './ovn-common.js';

export const ovnVipPortNotVirtual = defineRule({
	id: 'ovn/vip-port-not-virtual',
	meta: {
		title: 'Port holding the VIP is not an OVN virtual port (or has no OVN port at all)',
		severity: 'critical',
		backends: ['ml2/ovn'],
		requires: [...OVN_REQUIRES],
		notApplicable: noOvnEvidence,
		messages: {
			normal:
				'{{port}} holds {{vip}} as fixed IP and {{members}} may claim {{vip}}, but its Logical_Switch_Port is a normal port (type "{{type}}"), not type virtual. The router and the logical switch\'s ARP responder send {{vip}} to {{mac}}, a MAC no VM answers for: traffic to the VIP is black-holed whoever is master. Neutron matches virtual parents by the exact VIP in allowed_address_pairs; a pair given as a CIDR containing {{vip}} does not count.',
			missing:
				'{{port}} holds {{vip}} as fixed IP in Neutron, but the OVN northbound DB has no Logical_Switch_Port for it: Neutron and OVN are out of sync, so no virtual port tracks who holds {{vip}}.',
		},
		docs: {
			explanation:
				"Neutron's OVN driver turns a port whose fixed IP is a VIP into an LSP of type virtual with options virtual-ip and virtual-parents (the ports that list the VIP as allowed address pair, matched by the exact address). When no member matches exactly (the pair is a CIDR), the VIP port stays a normal LSP with the VIP in its addresses: OVN then answers ARP for the VIP with that unbound port's MAC. A VIP carried only as allowed address pair, without such a port, works on OVN (the router learns it in MAC_Binding) and is not flagged.",
			remediation:
				"Give the members the VIP itself as allowed address pair (openstack port set --allowed-address ip-address=<VIP> <member>), not a CIDR; for a missing LSP run Neutron's OVN DB sync (neutron-ovn-db-sync-util, log mode first). dvrscope prints the commands; it never runs them.",
			references: ['docs/rules/ovn/vip-port-not-virtual.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const ovn = ovnOf(snapshot);
		const model = getModel(snapshot);
		const lsps = ovn.rows('nb', 'Logical_Switch_Port');
		for (const v of ovn.vips) {
			const members = [
				...new Set([
					...(v.vip?.carriers.map(c => c.port.id) ?? []),
					...v.allowed.map(r => str(r['name']) ?? '').filter(Boolean),
				]),
			];
			if (members.length === 0) continue;
			const membersText = members.map(id => portText(snapshot, id)).join(', ');
			// The VIP port: from Neutron, or an NB LSP whose addresses hold the VIP and which is no member.
			const holders = [
				...new Set([
					...(v.vip?.vipPorts.map(p => p.id) ?? []),
					...lsps
						.filter(r => {
							const name = str(r['name']) ?? '';
							return (
								!members.includes(name) &&
								str(r['type']) === undefined &&
								strings(r['addresses']).some(a =>
									a
										.split(/\s+/)
										.slice(1)
										.some(ip => sameIp(ip, v.ip)),
								)
							);
						})
						.map(r => str(r['name']) ?? ''),
				]),
			].filter(Boolean);
			for (const id of holders) {
				const lsp = ovn.lsp(id);
				const port = model.ports.find(p => p.id === id);
				const api =
					port !== undefined
						? model.portEvidence(port, `Neutron: port with fixed IP ${v.ip}`)
						: undefined;
				if (lsp === undefined) {
					if (api === undefined) continue;
					context.report({
						messageId: 'missing',
						vip: v.ip,
						data: {vip: v.ip, port: portText(snapshot, id)},
						evidence: [api],
						remediation: [
							`openstack port show ${id} -f json`,
							'neutron-ovn-db-sync-util --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/plugins/ml2/ml2_conf.ini --ovn-neutron_sync_mode log',
						],
					});
					continue;
				}
				const type = str(lsp['type']) ?? '';
				if (type === 'virtual' || type === 'router' || type === 'localport') continue;
				const mac = strings(lsp['addresses'])[0]?.split(/\s+/)[0] ?? port?.mac ?? '?';
				const evidence: Evidence[] = [
					ovn.evidence('nb', lsp, `NB: ${id.slice(0, 8)} is type "${type}", not virtual`),
					...v.allowed
						.slice(0, 2)
						.map(r =>
							ovn.evidence(
								'nb',
								r,
								`NB: ${(str(r['name']) ?? '').slice(0, 8)} may claim ${v.ip} (port_security)`,
							),
						),
					...(api !== undefined ? [api] : []),
				];
				context.report({
					messageId: 'normal',
					vip: v.ip,
					data: {vip: v.ip, port: portText(snapshot, id), members: membersText, type, mac},
					evidence,
					remediation: members.map(
						m => `openstack port set --allowed-address ip-address=${v.ip} ${m}`,
					),
				});
			}
		}
	},
});
