import type {NodeId} from '../../model/ids.js';
import type {OsPort} from '../../model/facts.js';
import {addressRepairFix, vipRepairFix} from '../fixes.js';
import {getModel, isBound, ROUTER_INTERFACE_OWNERS} from '../model.js';
import {cidrContains, sameIp} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {dvrNeighNeeds, noDvrRouter} from './scope.js';
import {lostTraffic, nodesText, routerLabel} from './util.js';

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
		backends: ['ml2/ovs'],
		requires: ['cloud.ports', 'node.neigh'],
		needs: dvrNeighNeeds,
		notApplicable: noDvrRouter,
		messages: {
			missingVip:
				'qrouter-{{routerId}} (router {{router}}) on {{nodes}} has no PERMANENT ARP entry for VIP {{ip}} ({{who}}). The DVR router there cannot ARP for it (ARP for the router port never leaves the node), so traffic routed to {{ip}} from those nodes fails.{{lost}}',
			missingPort:
				'qrouter-{{routerId}} (router {{router}}) on {{nodes}} has no PERMANENT ARP entry for {{ip}} ({{who}}). Traffic routed to {{ip}} from those nodes may fail.{{lost}}',
		},
		docs: {
			explanation:
				'A DVR qrouter namespace needs a PERMANENT entry for every fixed IP and single-host allowed-address-pair IP of every bound port on its subnets. Before Neutron 19.0.0 (and its backports) allowed-address-pair entries were not rewritten after a router rebuild or agent resync (LP#1928466); a resync problem can also leave a node without entries.',
			remediation:
				"For a VIP: point the missing entries at the VIP's observed holder (stop-gap ip neigh replace on each node) and re-set every allowed address pair of the holder's port to the same value, so Neutron re-sends its entries; never re-set a member that does not hold the VIP (that writes its MAC on every node). With an unknown holder dvrscope prints only the checks that find it. For a fixed IP: the port's own MAC. Severity is critical when a qrouter shows the address FAILED/INCOMPLETE (traffic was routed there and lost).",
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
				const lost = lostTraffic(context.snapshot, model, router, missing, ip);
				const who =
					vipModel !== undefined
						? vipModel.carriers.map(c => c.label).join('; ')
						: model.carrierLabel(port);
				const evidence: Evidence[] = [];
				const ev = model.portEvidence(port, `Neutron port with ${ip}`, [ip]);
				if (ev !== undefined) evidence.push(ev);
				evidence.push(...lost.evidence);
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
					...(lost.evidence.length > 0 ? {severity: 'critical' as const} : {}),
					nodes: missing,
					...(vip ? {vip: ip} : {}),
					router: router.id,
					data: {
						ip,
						routerId: router.id,
						router: routerLabel(router),
						nodes: nodesText(missing),
						who,
						lost: lost.text,
					},
					evidence,
					fix:
						vipModel !== undefined
							? vipRepairFix(context.snapshot, model, vipModel, router)
							: addressRepairFix(context.snapshot, model, ip, router, missing),
				});
			}
		}
	},
});
