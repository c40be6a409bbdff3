import type {NodeId} from '../../model/ids.js';
import type {OsPort} from '../../model/facts.js';
import {getModel, isBound, ROUTER_INTERFACE_OWNERS} from '../model.js';
import {cidrContains, sameIp} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {nodesText, resendAapCommand, routerLabel} from './util.js';
import {dvrNeighNeeds, noDvrRouter} from './scope.js';

const SKIP_OWNERS = new Set<string>([
	...ROUTER_INTERFACE_OWNERS,
	'network:router_gateway',
	'network:floatingip',
	'network:floatingip_agent_gateway',
	'network:router_ha_interface',
]);

export const dvrArpMissing = defineRule({
	id: 'dvr/arp-missing',
	meta: {
		title: 'A node hosting a DVR router lacks the ARP entry for a VIP or a bound port',
		severity: 'warning',
		requires: ['cloud.ports', 'node.neigh'],
		needs: dvrNeighNeeds,
		notApplicable: noDvrRouter,
		messages: {
			missingVip:
				'qrouter-{{routerId}} (router {{router}}) on {{nodes}} has no PERMANENT ARP entry for VIP {{ip}} ({{who}}). The DVR router there cannot ARP for it (ARP for the router port never leaves the node), so traffic routed to {{ip}} from those nodes fails.',
			missingPort:
				'qrouter-{{routerId}} (router {{router}}) on {{nodes}} has no PERMANENT ARP entry for {{ip}} ({{who}}). Traffic routed to {{ip}} from those nodes may fail.',
		},
		docs: {
			explanation:
				'A DVR qrouter namespace needs a PERMANENT entry for every fixed IP and single-host allowed-address-pair IP of every bound port on its subnets. Before Neutron 19.0.0 (and its backports) allowed-address-pair entries were not rewritten after a router rebuild or agent resync (LP#1928466); a resync problem can also leave a node without entries.',
			remediation:
				'Re-set the allowed address pairs (or any attribute) of the port so Neutron re-sends its entries, or restart the L3 agent on the node to trigger a full resync.',
			references: [
				'https://bugs.launchpad.net/neutron/+bug/1928466',
				'docs/rules/dvr/arp-missing.md',
			],
		},
	},
	check(context) {
		const model = getModel(context.snapshot);
		for (const router of model.routers.values()) {
			if (router.distributed !== true || router.neighNodes.length === 0) continue;
			const expected = new Map<string, {ip: string; port: OsPort; vip: boolean}>();
			for (const port of model.ports) {
				if (!isBound(port) || SKIP_OWNERS.has(port.deviceOwner ?? '')) continue;
				for (const f of port.fixedIps)
					if (router.subnets.some(s => cidrContains(s.cidr, f.ip)) && !expected.has(f.ip))
						expected.set(f.ip, {ip: f.ip, port, vip: false});
				for (const pair of port.allowedAddressPairs) {
					const host =
						pair.prefixlen === undefined || pair.prefixlen === (pair.ip.includes(':') ? 128 : 32);
					if (host && router.subnets.some(s => cidrContains(s.cidr, pair.ip)))
						expected.set(pair.ip, {ip: pair.ip, port, vip: true});
				}
			}
			for (const {ip, port, vip} of expected.values()) {
				const missing: NodeId[] = router.neighNodes.filter(
					node =>
						!model
							.neigh(node, `qrouter-${router.id}`)
							.some(o => sameIp(o.entry.dst, ip) && o.entry.states.includes('PERMANENT')),
				);
				if (missing.length === 0) continue;
				const vipModel = vip ? model.vips.find(v => sameIp(v.ip, ip)) : undefined;
				const who =
					vipModel !== undefined
						? vipModel.carriers.map(c => c.label).join('; ')
						: model.carrierLabel(port);
				const evidence: Evidence[] = [];
				const ev = model.portEvidence(port, `Neutron port with ${ip}`, [ip]);
				if (ev !== undefined) evidence.push(ev);
				for (const node of missing) {
					const sourced = context.node(node)?.neigh?.[`qrouter-${router.id}`];
					if (sourced !== undefined)
						evidence.push({
							node,
							capture: sourced.capture,
							lines: [],
							excerpt: `(no entry for ${ip} among ${sourced.data.length} entries)`,
							note: `qrouter neighbour table on ${node} read, ${ip} absent`,
						});
				}
				context.report({
					messageId: vip ? 'missingVip' : 'missingPort',
					nodes: missing,
					...(vip ? {vip: ip} : {}),
					router: router.id,
					data: {
						ip,
						routerId: router.id,
						router: routerLabel(router),
						nodes: nodesText(missing),
						who,
					},
					evidence,
					remediation: [
						`# make Neutron re-send this port's entries to every node`,
						resendAapCommand(port),
					],
				});
			}
		}
	},
});
