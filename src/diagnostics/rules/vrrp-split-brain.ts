import {lineEvidence} from '../evidence.js';
import {getModel, type OwnerObservation} from '../model.js';
import {defineRule, type Evidence} from '../types.js';
import {listText, nodesText} from './util.js';

const where = (o: OwnerObservation): string =>
	`${o.namespace === undefined || o.namespace === '' ? 'host namespace' : o.namespace} on ${o.node ?? '?'}${o.mac !== undefined ? ` (MAC ${o.mac})` : ''}`;

export const vrrpSplitBrain = defineRule({
	id: 'vrrp/split-brain',
	meta: {
		title: 'Two VRRP holders at once (split brain)',
		severity: 'critical',
		backends: ['ml2/ovs', 'ml2/ovn'],
		requires: [],
		requiresAny: ['node.haState', 'node.addr'],
		messages: {
			haRouter:
				'Neutron L3-HA router {{router}} is primary on {{count}} nodes at once: {{nodes}} (state files say {{states}}). Both answer for the router IPs; traffic through the router is split between them.',
			vip: 'VIP {{vip}} is configured on {{count}} interfaces at once: {{holders}}. Both VRRP members think they are master; traffic to the VIP reaches whichever MAC a client learnt last.',
		},
		docs: {
			explanation:
				'VRRP elects one master. Two masters happen when the members cannot hear each other\'s adverts (security groups or port security dropping IP protocol 112, a broken tunnel, an unbound VRRP port) or when keepalived runs without Neutron\'s state-change monitor. Neutron writes "primary" (17.0.0 and later) or "master" (up to 16.x) in ha_confs/<router>/state; both mean primary.',
			remediation:
				'Check that VRRP (IP protocol 112) passes between the members (security groups, port security, the tunnel between their nodes), then restart keepalived on the member that should be backup.',
			references: ['docs/rules/vrrp/split-brain.md'],
		},
	},
	check(context) {
		const model = getModel(context.snapshot);
		for (const ha of model.haRouters) {
			const primaries = ha.states.filter(s => s.state === 'primary');
			if (primaries.length < 2) continue;
			const router = model.routers.get(ha.router);
			context.report({
				messageId: 'haRouter',
				nodes: primaries.map(p => p.node),
				router: ha.router,
				data: {
					router: router?.name !== undefined ? `${router.name} (${ha.router})` : ha.router,
					count: primaries.length,
					nodes: nodesText(primaries.map(p => p.node)),
					states: listText(primaries.map(p => `"${p.raw.trim()}" on ${p.node}`)),
				},
				evidence: [
					...primaries.map(p => p.evidence),
					// keepalived configures the router's qr- addresses only on the primary: seeing them
					// on several nodes confirms the split.
					...primaries.flatMap(p => {
						const addr = context.node(p.node)?.addr?.[`qrouter-${ha.router}`];
						if (addr === undefined) return [];
						const qr = addr.data.filter(
							i => i.name.startsWith('qr-') && i.addresses.some(a => !a.local.startsWith('fe80')),
						);
						if (qr.length === 0) return [];
						return [
							lineEvidence(
								context.snapshot,
								p.node,
								addr,
								qr.flatMap(i => [i.line, ...i.addresses.map(a => a.line)]),
								`router addresses configured on ${p.node} (keepalived adds them on the primary only)`,
							),
						];
					}),
				],
			});
		}
		for (const vip of model.vips) {
			const distinct = new Map<string, OwnerObservation>();
			for (const h of vip.holders) distinct.set(`${h.node ?? ''}|${h.namespace ?? ''}`, h);
			if (distinct.size < 2) continue;
			const holders = [...distinct.values()];
			const evidence: Evidence[] = [
				...holders.flatMap(h => h.evidence),
				...vip.keepalived.map(k => k.evidence),
			];
			context.report({
				messageId: 'vip',
				nodes: [
					...new Set(holders.map(h => h.node).filter((n): n is string => n !== undefined)),
				].sort(),
				vip: vip.ip,
				data: {vip: vip.ip, count: holders.length, holders: listText(holders.map(where))},
				evidence,
			});
		}
	},
});
