import {getModel} from '../model.js';
import {defineRule} from '../types.js';

export const vrrpPortBinding = defineRule({
	id: 'vrrp/port-binding',
	meta: {
		title: 'A port carrying a VRRP VIP is unbound or failed to bind',
		severity: 'warning',
		backends: ['ml2/ovs', 'ml2/ovn'],
		requires: ['cloud.ports'],
		messages: {
			unbound:
				'Port {{port}} carries VIP {{vip}} as an allowed address pair but its binding is {{binding}}. Neutron skips unbound ports when it writes DVR ARP entries, so no qrouter learns {{vip}} → {{mac}} from it; if this member becomes VRRP master, traffic routed to the VIP cannot reach it.{{dvr}}',
		},
		docs: {
			explanation:
				'Neutron only writes DVR ARP entries for bound ports (binding vif_type other than unbound or binding_failed, LP#1869887). A VRRP member whose port failed to bind has no network at all on its host, and its allowed address pairs are silently ignored by the DVR routers.',
			remediation:
				'Find why the port did not bind (neutron-server log for the port id; the OVS agent on binding_host_id alive?), then rebind it (openstack server reboot, or migrate the instance; for Octavia, failover the amphora).',
			references: [
				'https://bugs.launchpad.net/neutron/+bug/1869887',
				'docs/rules/vrrp/port-binding.md',
			],
		},
	},
	check(context) {
		const model = getModel(context.snapshot);
		for (const vip of model.vips) {
			for (const c of vip.carriers) {
				if (c.bound) continue;
				// Binding fields not in the capture (non-admin view, `port list`): unknown, not unbound.
				if (c.port.bindingVifType === undefined && c.port.bindingHostId === undefined) continue;
				const failed = c.port.bindingVifType === 'binding_failed';
				const binding = `${c.port.bindingVifType ?? 'unbound'}${c.port.bindingHostId ? ` on host ${c.port.bindingHostId}` : ' (no host)'}`;
				const ev = model.portEvidence(c.port, `binding: ${binding}`, [vip.ip]);
				const dvr = vip.routers.some(r => r.distributed === true)
					? ' The VIP subnet is behind a distributed router, so this matters for every failover.'
					: '';
				context.report({
					messageId: 'unbound',
					severity: failed ? 'critical' : 'warning',
					nodes: c.host !== undefined ? [c.host] : [],
					vip: vip.ip,
					data: {port: c.label, vip: vip.ip, binding, mac: c.mac, dvr},
					evidence: ev !== undefined ? [ev] : [],
					remediation: [
						`openstack port show ${c.port.id} -c binding_host_id -c binding_vif_type -c status`,
						`openstack network agent list --host ${c.port.bindingHostId ?? '<host>'} --agent-type open-vswitch`,
					],
				});
			}
		}
	},
});
