import type {Flow} from '../../model/facts.js';
import type {NodeFacts} from '../../model/snapshot.js';
import {addrFocus, lineEvidence} from '../evidence.js';
import {arpDropLayout, flowVlan} from '../flows.js';
import {getModel} from '../model.js';
import {defineRule, type Evidence} from '../types.js';
import {arpBlockNeeds, noDvrRouter} from './scope.js';

/** Local VLAN of an OVS port, from `ovs-vsctl show` or the OVSDB Port table. */
function localVlan(facts: NodeFacts, port: string): number | undefined {
	for (const bridge of facts.ovsShow?.data.bridges ?? [])
		for (const p of bridge.ports) if (p.name === port && p.tag !== undefined) return p.tag;
	for (const table of Object.values(facts.ovsdb ?? {}))
		for (const p of table.data.neutron) if (p.name === port && p.tag !== undefined) return p.tag;
	return undefined;
}

export const ovsDvrArpBlock = defineRule({
	id: 'ovs/dvr-arp-block',
	meta: {
		title:
			'DVR ARP-block flow for each local router port (br-tun table 22, or table 1 before Train)',
		severity: 'warning',
		backends: ['ml2/ovs'],
		requires: ['node.flows', 'node.addr'],
		needs: arpBlockNeeds,
		notApplicable: noDvrRouter,
		messages: {
			missing:
				"br-tun on {{node}} has no DVR ARP-block flow for router port(s) {{ports}}. ARP requests for those router IPs leave the node, so every node's qrouter answers them with the same MAC and the network sees the router MAC move between hosts.",
			duplicated:
				'br-tun on {{node}} has {{count}} DVR ARP-block flows for router port {{dev}} ({{ip}}): {{layouts}}. A mix of the Train layout (table 22) and the older one (table 1) suggests flows left over from an upgrade.',
		},
		docs: {
			explanation:
				'A DVR router has the same IP and MAC on every node, so the OVS agent drops ARP for the router port before it leaves the node (br-tun table 22 priority 3 since Train, table 1 priority 3 before). The same rule is why a qrouter cannot re-learn a VIP by ARP and needs PERMANENT entries: gratuitous ARPs cannot repair them.',
			remediation:
				'Restart the neutron-openvswitch-agent on the node (it re-installs the DVR flows); look at its log for errors binding the router port.',
			references: ['docs/rules/ovs/dvr-arp-block.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const node of context.nodes) {
			const facts = context.node(node);
			const brTun = facts?.flows?.['br-tun'];
			// An empty dump means br-tun was not read properly; say nothing rather than "all missing".
			if (facts === undefined || brTun === undefined || brTun.data.flows.length === 0) continue;
			const missing: {dev: string; ip: string; vlan: string; router: string; evidence: Evidence}[] =
				[];
			for (const [ns, addr] of Object.entries(facts.addr ?? {})) {
				if (!ns.startsWith('qrouter-')) continue;
				// A centralized router has no DVR ARP-block flows to look for.
				if (model.routers.get(ns.slice(8))?.distributed === false) continue;
				for (const iface of addr.data) {
					if (!iface.name.startsWith('qr-')) continue;
					const vlan = localVlan(facts, iface.name);
					for (const a of iface.addresses) {
						if (a.family !== 'inet') continue;
						const matches: {flow: Flow; layout: string}[] = [];
						for (const flow of brTun.data.flows) {
							const layout = arpDropLayout(flow, a.local);
							if (layout === undefined) continue;
							const fv = flowVlan(flow);
							if (vlan !== undefined && fv !== undefined && fv !== vlan) continue;
							matches.push({flow, layout});
						}
						if (matches.length === 0)
							missing.push({
								dev: iface.name,
								ip: a.local,
								vlan: vlan === undefined ? 'unknown' : String(vlan),
								router: ns.slice(8),
								evidence: lineEvidence(
									snapshot,
									node,
									addr,
									[iface.line, a.line],
									`router port ${iface.name} in ${ns}`,
									addrFocus(a.local, iface.name),
								),
							});
						else if (matches.length > 1)
							context.report({
								messageId: 'duplicated',
								nodes: [node],
								router: ns.slice(8),
								data: {
									node,
									dev: iface.name,
									ip: a.local,
									count: matches.length,
									layouts: matches.map(m => `table ${m.flow.table} (${m.layout})`).join(', '),
								},
								evidence: [
									lineEvidence(
										snapshot,
										node,
										brTun,
										matches.map(m => m.flow.line),
										'ARP-block flows for the same router IP',
									),
								],
							});
					}
				}
			}
			if (missing.length === 0) continue;
			const routers = [...new Set(missing.map(m => m.router))];
			context.report({
				messageId: 'missing',
				nodes: [node],
				...(routers.length === 1 && routers[0] !== undefined ? {router: routers[0]} : {}),
				data: {
					node,
					ports: missing.map(m => `${m.dev} (${m.ip}, local VLAN ${m.vlan})`).join(', '),
				},
				evidence: [
					...missing.map(m => m.evidence),
					{
						node,
						capture: brTun.capture,
						lines: [],
						excerpt: `(no table=22 or table=1 "priority=3,arp,arp_tpa=<router IP> actions=drop" for ${missing.map(m => m.ip).join(', ')} among ${brTun.data.flows.length} flows)`,
						note: 'br-tun flows read',
					},
				],
			});
		}
	},
});
