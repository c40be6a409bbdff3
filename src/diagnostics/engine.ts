import type {NodeId} from '../model/ids.js';
import type {FactKey, NodeFacts, Snapshot} from '../model/snapshot.js';
import {backendNotApplicable} from './backend.js';
import {remediationOf} from './fixes.js';
import {absentFactReason, defaultNeeds, needText, unmetNeeds} from './needs.js';
import type {Finding, Need, ReportDescriptor, Rule, RuleContext, RuleOutcome} from './types.js';

/** What to capture to provide a fact (shown when a rule is skipped). */
export const FACT_SOURCES: Readonly<Record<FactKey, string>> = {
	'node.netns': 'ip netns list (per node)',
	'node.ovsShow': 'ovs-vsctl show (per node)',
	'node.flows': 'ovs-ofctl dump-flows br-tun / br-int (per node)',
	'node.ofports': 'ovs-ofctl show <bridge> (per node)',
	'node.fdb': 'ovs-appctl fdb/show br-int (per node)',
	'node.ovsdb': 'ovs-vsctl --format=json list Interface/Port (per node)',
	'node.addr': 'ip addr in each namespace (ip -all netns exec ip -o addr, per node)',
	'node.neigh':
		'ip neigh in each qrouter-/qdhcp-/snat- namespace (ip -all netns exec ip neigh, per node)',
	'node.route': 'ip route in each namespace (per node)',
	'node.rule': 'ip rule in each namespace (per node)',
	'node.keepalived': 'keepalived.conf of Neutron L3-HA routers / VRRP VMs (per node)',
	'node.haState': 'Neutron L3-HA state files ha_confs/<router>/state (per node)',
	'cloud.ports': 'openstack port list/show -f json (with allowed_address_pairs and binding)',
	'cloud.routers': 'openstack router list/show -f json',
	'cloud.agents': 'openstack network agent list -f json',
	'cloud.subnets': 'openstack subnet list -f json',
	'cloud.networks': 'openstack network list -f json',
	'cloud.amphorae': 'openstack loadbalancer amphora list/show -f json',
	'cloud.osdpl': 'kubectl -n openstack get openstackdeployment -o json',
	'cloud.kubeNodes': 'kubectl get nodes -o json',
	'cloud.ovnNb':
		'ovn-nbctl --no-leader-only --format=json list Logical_Switch_Port/Logical_Router/… (where the OVN NB DB runs: inventory role ovn-db)',
	'cloud.ovnSb':
		'ovn-sbctl --no-leader-only --format=json list Port_Binding/MAC_Binding/Chassis (where the OVN SB DB runs: inventory role ovn-db)',
};

/** True when the fact is present for the cloud, or on at least one node. */
export function hasFact(snapshot: Snapshot, key: FactKey): boolean {
	const [scope, name] = key.split('.') as ['node' | 'cloud', string];
	if (scope === 'cloud') return (snapshot.cloud as Record<string, unknown>)[name] !== undefined;
	return Object.values(snapshot.nodes).some(
		n => (n.facts as Record<string, unknown>)[name as keyof NodeFacts] !== undefined,
	);
}

const SEVERITY_RANK = {critical: 0, warning: 1, info: 2} as const;

/** Replace `{{name}}` placeholders; unknown names stay visible. */
export function interpolate(
	template: string,
	data: Readonly<Record<string, string | number>>,
): string {
	return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => {
		const value = data[name];
		return value === undefined ? whole : String(value);
	});
}

/** Run one rule. Never throws: a crash becomes `status: 'error'`. */
export function runRule(snapshot: Snapshot, rule: Rule): RuleOutcome {
	const base = {ruleId: rule.id, title: rule.meta.title};
	// A rule for another Neutron backend is not run at all: skipped, never pass.
	const offBackend = backendNotApplicable(snapshot, rule.meta.backends);
	if (offBackend !== undefined)
		return {...base, status: 'skipped', missing: [], needs: [], notApplicable: offBackend};
	let notApplicable: string | undefined;
	try {
		notApplicable = rule.meta.notApplicable?.(snapshot);
	} catch {
		notApplicable = undefined;
	}
	const na = notApplicable !== undefined ? {notApplicable} : {};
	const missing = rule.meta.requires.filter(key => !hasFact(snapshot, key));
	const any = rule.meta.requiresAny ?? [];
	if (any.length > 0 && !any.some(key => hasFact(snapshot, key))) missing.push(...any);
	if (missing.length > 0)
		return {
			...base,
			status: 'skipped',
			missing,
			needs: missing.map(key => FACT_SOURCES[key]),
			reasons: missing.map(key => `${key}: ${absentFactReason(snapshot, {for: '', fact: key})}`),
			...na,
		};
	const findings: Finding[] = [];
	const context: RuleContext<string> = {
		snapshot,
		nodes: Object.keys(snapshot.nodes).sort(),
		node: (node: NodeId) => snapshot.nodes[node]?.facts,
		cloud: snapshot.cloud,
		report(descriptor: ReportDescriptor<string>) {
			const data = descriptor.data ?? {};
			const template = rule.meta.messages[descriptor.messageId] ?? descriptor.messageId;
			findings.push({
				ruleId: rule.id,
				severity: descriptor.severity ?? rule.meta.severity,
				title: rule.meta.title,
				messageId: descriptor.messageId,
				message: interpolate(template, data),
				nodes: [...new Set(descriptor.nodes ?? [])].sort(),
				...(descriptor.vip !== undefined ? {vip: descriptor.vip} : {}),
				...(descriptor.router !== undefined ? {router: descriptor.router} : {}),
				data,
				evidence: descriptor.evidence ?? [],
				...(descriptor.remediation !== undefined
					? {remediation: descriptor.remediation}
					: descriptor.fix !== undefined
						? {remediation: remediationOf(descriptor.fix)}
						: {}),
				...(descriptor.fix !== undefined ? {fix: descriptor.fix} : {}),
			});
		},
	};
	let unmet: {need: Need; why: string}[];
	try {
		const needs = rule.meta.needs?.(context) ?? defaultNeeds(snapshot, rule);
		unmet = unmetNeeds(snapshot, needs);
		rule.check(context);
	} catch (cause) {
		const message = cause instanceof Error ? cause.message : String(cause);
		return {...base, status: 'error', error: message};
	}
	const reasons = [...new Set(unmet.map(u => needText(u.need, u.why)))];
	if (findings.length > 0)
		return {...base, status: 'fail', findings, ...(reasons.length > 0 ? {unchecked: reasons} : {})};
	if (unmet.length === 0) return {...base, status: 'pass'};
	return {
		...base,
		status: 'skipped',
		missing: [...new Set(unmet.map(u => u.need.fact))],
		needs: [...new Set(unmet.map(u => u.need.remedy ?? FACT_SOURCES[u.need.fact]))],
		reasons,
		...na,
	};
}

/** Run every rule over the snapshot (pure). One rule's crash never stops the others. */
export function runRules(snapshot: Snapshot, rules: readonly Rule[]): RuleOutcome[] {
	return rules.map(rule => runRule(snapshot, rule));
}

/** Sort findings by severity, then group them by VIP (groups ordered by their worst finding). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
	const groupKey = (f: Finding): string => f.vip ?? `\u0000${f.router ?? ''}`;
	const worst = new Map<string, number>();
	for (const f of findings) {
		const key = groupKey(f);
		worst.set(key, Math.min(worst.get(key) ?? 9, SEVERITY_RANK[f.severity]));
	}
	return [...findings].sort((a, b) => {
		const ga = groupKey(a);
		const gb = groupKey(b);
		const byGroupSeverity = (worst.get(ga) ?? 9) - (worst.get(gb) ?? 9);
		if (byGroupSeverity !== 0) return byGroupSeverity;
		if (ga !== gb) return ga < gb ? -1 : 1;
		const bySeverity = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
		if (bySeverity !== 0) return bySeverity;
		return a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0;
	});
}
