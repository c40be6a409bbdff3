import type {OsPort} from '../../model/facts.js';
import {pairArgument, pairsOf, setAapStep} from '../fixes.js';
import {getModel} from '../model.js';
import {cidrContains, sameIp} from '../net.js';
import {allowsIp, portText, strings} from '../ovn.js';
import {defineRule, type Evidence} from '../types.js';
import {garpSteps, OVN_REQUIRES, ovnOf, noOvnEvidence} from './ovn-common.js';

/**
 * The commands that put the VIP back into the member's port_security through Neutron, never
 * adding a pair Neutron already holds: `openstack port set --allowed-address` appends to the
 * port's pairs, and Neutron refuses a request with the same pair twice (DuplicateAddressPairInRequest).
 * Neutron lists it already (the NB drifted): the same list set again, which makes the OVN driver
 * rewrite the Logical_Switch_Port. Neutron lacks it: the list with the VIP added. Port not read
 * from the API: look first, and add only when it is missing.
 */
function portSecuritySteps(port: OsPort | undefined, id: string, vip: string): string[] {
	const show = `openstack port show ${id} -c allowed_address_pairs -c port_security_enabled -f json`;
	if (port === undefined)
		return [
			show,
			`openstack port set --allowed-address ip-address=${vip} ${id}  # only if the pairs shown lack ${vip}; if they hold it, set the same pairs again with --no-allowed-address and one --allowed-address per pair`,
		];
	const has = port.allowedAddressPairs.some(p =>
		p.prefixlen !== undefined ? cidrContains(`${p.ip}/${p.prefixlen}`, vip) : sameIp(p.ip, vip),
	);
	if (has) return [show, setAapStep(port).step.command];
	const pairs = [...pairsOf(port), {ip: vip}].map(p => pairArgument(p, port.mac));
	return [show, ['openstack port set --no-allowed-address', ...pairs, id].join(' ')];
}

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
				"If Neutron already lists the VIP as allowed address pair of the member port (the NB drifted), set the port's same pairs again (openstack port set --no-allowed-address --allowed-address ip-address=<VIP> … <port>): the OVN driver rewrites the Logical_Switch_Port; neutron-ovn-db-sync-util in log mode shows any other drift. If Neutron lacks it, set the pairs with the VIP added — never `--allowed-address` alone on a port that already holds the VIP: the client appends, and Neutron refuses the same pair twice. Then one gratuitous ARP from the current master (OVN rebinds only on a GARP). dvrscope prints the commands; it never runs them.",
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
					// port_security back first, then one GARP from the master: OVN rebinds only on a GARP
					remediation: [...portSecuritySteps(port, id, v.ip), ...garpSteps(v)],
				});
			}
		}
	},
});
