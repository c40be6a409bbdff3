import type {NodeId} from '../../model/ids.js';
import {lineEvidence, neighFocus} from '../evidence.js';
import {addressRepairFix, vipRepairFix} from '../fixes.js';
import {getModel, isBound, ROUTER_INTERFACE_OWNERS, type NeighObs} from '../model.js';
import {cidrContains, normalizeMac, sameIp, sameMac} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {nodesText, routerLabel} from './util.js';
import {dvrNeighNeeds, noDvrRouter} from './scope.js';

export const dvrArpUnknownMac = defineRule({
	id: 'dvr/arp-unknown-mac',
	meta: {
		title: 'A qrouter ARP entry points at a MAC that no port with that IP has',
		severity: 'warning',
		backends: ['ml2/ovs'],
		requires: ['cloud.ports', 'node.neigh'],
		needs: dvrNeighNeeds,
		notApplicable: noDvrRouter,
		messages: {
			vipPortMac:
				'qrouter-{{routerId}} (router {{router}}) on {{nodes}} maps VIP {{ip}} to {{mac}}, the MAC of the unbound VIP port {{port}} that no VM owns (LP#1869887). Traffic routed to the VIP from other subnets is lost whichever side is VRRP master.',
			unknown:
				'qrouter-{{routerId}} (router {{router}}) on {{nodes}} maps {{ip}} to {{mac}}, but no Neutron port carries {{ip}} with that MAC ({{known}}). Traffic routed to {{ip}} from those nodes goes to a MAC nobody answers for.',
		},
		docs: {
			explanation:
				"Every PERMANENT entry in a DVR qrouter should match a port that has the IP as a fixed IP or allowed address pair, with that port's (or the pair's) MAC. An entry with another MAC is left over from a deleted or changed port, or comes from the unbound VIP port (fixed in Neutron 16.0.0 and backports, LP#1869887).",
			remediation:
				"For a VIP: point the entry at the VIP's observed holder on each node (ip neigh replace … nud permanent) and re-set every allowed address pair of the holder's port to the same value; with an unknown holder, find it first (dvrscope prints only the checks). For a fixed IP: the MAC of the port that has it; for an IP no port has any more, delete the entry (ip netns exec qrouter-<id> ip neigh del <ip> dev <qr-dev>). Upgrade Neutron if the VIP port MAC keeps coming back.",
			references: [
				'https://bugs.launchpad.net/neutron/+bug/1869887',
				'docs/rules/dvr/arp-unknown-mac.md',
			],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const router of model.routers.values()) {
			if (router.neighNodes.length === 0) continue;
			const bad = new Map<string, {ip: string; mac: string; obs: NeighObs[]}>();
			const coveredSubnets = new Set(
				router.subnets
					.filter(s =>
						model.ports.some(
							p =>
								!(ROUTER_INTERFACE_OWNERS as readonly string[]).includes(p.deviceOwner ?? '') &&
								p.fixedIps.some(f => cidrContains(s.cidr, f.ip)),
						),
					)
					.map(s => s.cidr),
			);
			for (const node of router.neighNodes) {
				for (const o of model.neigh(node, `qrouter-${router.id}`)) {
					const mac = o.entry.lladdr;
					if (!o.entry.states.includes('PERMANENT') || mac === undefined) continue;
					if (o.entry.dev !== undefined && !o.entry.dev.startsWith('qr-')) continue;
					const subnet = router.subnets.find(s => cidrContains(s.cidr, o.entry.dst));
					if (subnet === undefined) continue;
					// Ports captured for another network only (port list --network …): cannot judge.
					if (!coveredSubnets.has(subnet.cidr)) continue;
					const isVip = model.vips.some(v => sameIp(v.ip, o.entry.dst));
					const known = model.ports.some(
						p =>
							(p.fixedIps.some(f => sameIp(f.ip, o.entry.dst)) &&
								sameMac(p.mac, mac) &&
								!(isVip && !isBound(p))) ||
							p.allowedAddressPairs.some(
								pair => sameIp(pair.ip, o.entry.dst) && sameMac(pair.mac ?? p.mac, mac),
							),
					);
					if (known) continue;
					const key = `${o.entry.dst}|${normalizeMac(mac)}`;
					const slot = bad.get(key) ?? {ip: o.entry.dst, mac: normalizeMac(mac), obs: []};
					slot.obs.push(o);
					bad.set(key, slot);
				}
			}
			for (const {ip, mac, obs} of bad.values()) {
				const nodes: NodeId[] = [...new Set(obs.map(o => o.node))].sort();
				const vip = model.vips.find(v => sameIp(v.ip, ip));
				const vipPort = vip?.vipPorts.find(p => sameMac(p.mac, mac));
				const evidence: Evidence[] = obs.map(o =>
					lineEvidence(
						snapshot,
						o.node,
						o.sourced,
						[o.entry.line],
						`${ip} → ${mac} on ${o.node}`,
						neighFocus(o.entry.dst),
					),
				);
				if (vipPort !== undefined) {
					const ev = model.portEvidence(vipPort, 'unbound VIP port: nobody answers for this MAC', [
						ip,
					]);
					if (ev !== undefined) evidence.push(ev);
				}
				const owners = model.ports.filter(
					p =>
						p.fixedIps.some(f => sameIp(f.ip, ip)) ||
						p.allowedAddressPairs.some(a => sameIp(a.ip, ip)),
				);
				context.report({
					messageId: vipPort !== undefined ? 'vipPortMac' : 'unknown',
					severity: vipPort !== undefined ? 'critical' : 'warning',
					nodes,
					...(vip !== undefined ? {vip: vip.ip} : {}),
					router: router.id,
					data: {
						ip,
						mac,
						routerId: router.id,
						router: routerLabel(router),
						nodes: nodesText(nodes),
						port: vipPort !== undefined ? `${vipPort.name ?? ''} (${vipPort.id})`.trim() : '',
						known:
							owners.length > 0
								? `ports with this IP: ${owners.map(p => `${model.carrierLabel(p)} = ${p.mac}`).join('; ')}`
								: 'no port has this IP any more',
					},
					evidence,
					fix:
						vip !== undefined
							? vipRepairFix(snapshot, model, vip, router)
							: addressRepairFix(snapshot, model, ip, router, nodes),
				});
			}
		}
	},
});
