import {getModel} from '../model.js';
import {allowsIp, portText, strings} from '../ovn.js';
import {defineRule, type Evidence} from '../types.js';
import {OVN_REQUIRES, ovnOf, noOvnEvidence} from './ovn-common.js';

export const ovnVipPortSecurity = defineRule({
	id: 'ovn/vip-port-security',
	meta: {
		title: "VIP missing from a VRRP member's OVN port_security: its gratuitous ARPs are dropped",
		severity: 'critical',
		backends: ['ml2/ovn'],
		requires: [...OVN_REQUIRES],
		notApplicable: noOvnEvidence,
		messages: {
			missing:
				"{{port}} {{why}}, but its Logical_Switch_Port port_security ({{security}}) does not allow {{vip}}. OVN drops ARPs from {{vip}} sent by that port, so when it becomes master no gratuitous ARP reaches ovn-controller: the virtual port and the routers' MAC_Binding stay on the other member, and traffic to {{vip}} is lost.",
		},
		docs: {
			explanation:
				"Neutron's OVN driver writes each port's MAC, fixed IPs and allowed address pairs into the LSP's port_security; OVN's port-security stages drop packets, ARPs included, whose source address is not listed. A VRRP member whose port_security lacks the VIP can hold the VIP inside the VM but can never announce it to OVN. The NB differs from Neutron's view when an allowed address pair was added without reaching OVN (a failed sync), or the member never got the pair.",
			remediation:
				"Add the VIP as allowed address pair of the member port (openstack port set --allowed-address ip-address=<VIP> <port>); if Neutron already lists it, run Neutron's OVN DB sync (neutron-ovn-db-sync-util in log mode first) to find the drift. dvrscope prints the commands; it never runs them.",
			references: ['docs/rules/ovn/vip-port-security.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const ovn = ovnOf(snapshot);
		const model = getModel(snapshot);
		for (const v of ovn.vips) {
			const members = new Map<string, string>();
			for (const c of v.vip?.carriers ?? [])
				members.set(c.port.id, 'carries it as allowed address pair in Neutron');
			for (const p of v.parents)
				if (!members.has(p)) members.set(p, 'is a virtual parent of the VIP port in OVN');
			for (const [id, why] of members) {
				const lsp = ovn.lsp(id);
				if (lsp === undefined) continue;
				const security = strings(lsp['port_security']);
				// Port security disabled (empty): everything passes.
				if (security.length === 0 || allowsIp(lsp['port_security'], v.ip)) continue;
				const port = model.ports.find(p => p.id === id);
				const api =
					port !== undefined
						? model.portEvidence(port, 'Neutron: the port and its allowed address pairs')
						: undefined;
				const evidence: Evidence[] = [
					ovn.evidence('nb', lsp, `NB: port_security of ${id.slice(0, 8)} without ${v.ip}`),
					...(api !== undefined ? [api] : []),
				];
				context.report({
					messageId: 'missing',
					vip: v.ip,
					data: {
						vip: v.ip,
						port: portText(snapshot, id),
						why,
						security: security.join('; '),
					},
					evidence,
					remediation: [
						`openstack port show ${id} -c allowed_address_pairs -c port_security_enabled -f json`,
						`openstack port set --allowed-address ip-address=${v.ip} ${id}`,
					],
				});
			}
		}
	},
});
