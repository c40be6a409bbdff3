import type {NodeId} from '../../model/ids.js';
import {addrFocus, lineEvidence} from '../evidence.js';
import {getModel} from '../model.js';
import {normalizeMac} from '../net.js';
import {defineRule, type Evidence} from '../types.js';
import {listText, nodesText} from './util.js';

const INFRA_NS = /^(qrouter|snat|fip|qdhcp)-/;

export const vrrpNoMaster = defineRule({
	id: 'vrrp/no-master',
	meta: {
		title: 'No VRRP master: nobody holds the VIP',
		severity: 'critical',
		requires: [],
		requiresAny: ['node.haState', 'node.addr'],
		messages: {
			haRouter:
				'Neutron L3-HA router {{router}} has no primary: state files on {{nodes}} say {{states}}. The router IPs are not configured anywhere, so traffic through this router stops.',
			vip: 'Nobody holds VIP {{vip}}: dvrscope read the interfaces of every VRRP member ({{members}}) and none has {{vip}} configured. Every client of the VIP fails.',
		},
		docs: {
			explanation:
				"When every VRRP member is backup (or in fault), no interface answers for the VIP. Causes: keepalived stopped or crashed on the master, a track script failing on all members, or Neutron's state-change monitor not running.",
			remediation:
				'Look at keepalived on the members (systemctl status / journal; in Neutron L3-HA the neutron-keepalived-state-change log in ha_confs/<router>/) and restart keepalived on the member that should be master.',
			references: ['docs/rules/vrrp/no-master.md'],
		},
	},
	check(context) {
		const {snapshot} = context;
		const model = getModel(snapshot);
		for (const ha of model.haRouters) {
			if (ha.states.length < 2 || ha.states.some(s => s.state === 'primary')) continue;
			const router = model.routers.get(ha.router);
			context.report({
				messageId: 'haRouter',
				nodes: ha.states.map(s => s.node),
				router: ha.router,
				data: {
					router: router?.name !== undefined ? `${router.name} (${ha.router})` : ha.router,
					nodes: nodesText(ha.states.map(s => s.node)),
					states: listText(ha.states.map(s => `"${s.raw.trim()}" on ${s.node}`)),
				},
				evidence: ha.states.map(s => s.evidence),
			});
		}
		for (const vip of model.vips) {
			const bound = vip.carriers.filter(c => c.bound);
			if (bound.length < 2 || vip.holders.length > 0) continue;
			// A member counts as read when an interface with its MAC was seen in a namespace we read.
			const seen: {label: string; node: NodeId; evidence: Evidence}[] = [];
			for (const c of bound) {
				let found: {label: string; node: NodeId; evidence: Evidence} | undefined;
				for (const node of context.nodes) {
					for (const [ns, sourced] of Object.entries(context.node(node)?.addr ?? {})) {
						if (INFRA_NS.test(ns) || found !== undefined) continue;
						const iface = sourced.data.find(
							i => i.mac !== undefined && normalizeMac(i.mac) === c.mac,
						);
						if (iface !== undefined)
							found = {
								label: `${ns === '' ? 'host' : ns} on ${node}`,
								node,
								evidence: lineEvidence(
									snapshot,
									node,
									sourced,
									[iface.line, ...iface.addresses.map(a => a.line)],
									`member ${c.mac}: VIP not configured`,
									addrFocus('', iface.name),
								),
							};
					}
				}
				if (found === undefined) break;
				seen.push(found);
			}
			if (seen.length !== bound.length) continue;
			context.report({
				messageId: 'vip',
				nodes: [...new Set(seen.map(s => s.node))].sort(),
				vip: vip.ip,
				data: {vip: vip.ip, members: listText(seen.map(s => s.label))},
				evidence: [...seen.map(s => s.evidence), ...vip.keepalived.map(k => k.evidence)],
			});
		}
	},
});
