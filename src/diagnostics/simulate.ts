import type {NeighEntry, OsPort} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {NodeFacts, Snapshot, Sourced} from '../model/snapshot.js';
import {runRules} from './engine.js';
import {checkFirstFix, holderChecks, remediationOf} from './fixes.js';
import {getModel, isBound} from './model.js';
import {cidrContains, normalizeMac, sameIp} from './net.js';
import type {
	Finding,
	Fix,
	FixAction,
	FixPrediction,
	PredictedFinding,
	Rule,
	RuleOutcome,
} from './types.js';

/**
 * Fix simulation: apply a finding's typed actions to the snapshot (what Neutron and the kernel
 * would do), run the rules again, and predict what is left on the finding's VIP. Pure: the input
 * snapshot is never changed (changed parts are copied).
 */

const isHost = (ip: string, prefixlen: number | undefined): boolean =>
	prefixlen === undefined || prefixlen === (ip.includes(':') ? 128 : 32);

type NeighEdit = (entries: readonly NeighEntry[]) => readonly NeighEntry[];

function editNeigh(snapshot: Snapshot, node: NodeId, ns: string, edit: NeighEdit): Snapshot {
	const current = snapshot.nodes[node];
	if (current === undefined) return snapshot;
	const table: Sourced<readonly NeighEntry[]> = current.facts.neigh?.[ns] ?? {
		capture: `simulated:${node}:${ns}`,
		lineOffset: 0,
		data: [],
	};
	const facts: NodeFacts = {
		...current.facts,
		neigh: {...current.facts.neigh, [ns]: {...table, data: edit(table.data)}},
	};
	return {...snapshot, nodes: {...snapshot.nodes, [node]: {...current, facts}}};
}

/** `ip neigh replace`: the entry for (ip, dev) becomes PERMANENT → mac, whatever it was. */
const replaceEntry =
	(ip: string, mac: string, dev: string): NeighEdit =>
	entries => [
		...entries.filter(e => !(sameIp(e.dst, ip) && (e.dev === undefined || e.dev === dev))),
		{dst: ip, dev, lladdr: mac, states: ['PERMANENT'], isRouter: false, isProxy: false, line: 0},
	];

const deleteEntry =
	(ip: string, dev?: string): NeighEdit =>
	entries =>
		entries.filter(
			e => !(sameIp(e.dst, ip) && (dev === undefined || e.dev === undefined || e.dev === dev)),
		);

/**
 * `openstack port set --no-allowed-address --allowed-address …`: Neutron stores the pairs, deletes
 * the DVR entries of pairs that went away, and (for a bound port) sends every node hosting a
 * router on its subnets a PERMANENT entry for each fixed IP and single-host pair — last writer wins.
 */
function applySetAap(
	snapshot: Snapshot,
	portId: string,
	pairs: FixAction & {kind: 'set-aap'},
): Snapshot {
	const ports = snapshot.cloud.ports;
	const port = ports?.data.find(p => p.id === portId);
	if (ports === undefined || port === undefined) return snapshot;
	const updated: OsPort = {...port, allowedAddressPairs: pairs.pairs.map(p => ({...p}))};
	let next: Snapshot = {
		...snapshot,
		cloud: {
			...snapshot.cloud,
			ports: {...ports, data: ports.data.map(p => (p.id === portId ? updated : p))},
		},
	};
	const model = getModel(snapshot);
	const removed = port.allowedAddressPairs.filter(
		old => !pairs.pairs.some(p => sameIp(p.ip, old.ip) && p.prefixlen === old.prefixlen),
	);
	const routers = [...model.routers.values()].filter(
		r =>
			r.distributed === true &&
			port.fixedIps.some(f => r.subnets.some(s => cidrContains(s.cidr, f.ip))),
	);
	for (const router of routers) {
		const ns = `qrouter-${router.id}`;
		for (const node of router.neighNodes) {
			for (const old of removed)
				if (isHost(old.ip, old.prefixlen)) next = editNeigh(next, node, ns, deleteEntry(old.ip));
			if (!isBound(updated)) continue;
			const writes: [string, string][] = [
				...updated.fixedIps.map(f => [f.ip, normalizeMac(updated.mac)] as [string, string]),
				...updated.allowedAddressPairs
					.filter(p => isHost(p.ip, p.prefixlen))
					.map(p => [p.ip, normalizeMac(p.mac ?? updated.mac)] as [string, string]),
			].filter(([ip]) => router.subnets.some(s => cidrContains(s.cidr, ip)));
			for (const [ip, mac] of writes)
				next = editNeigh(next, node, ns, replaceEntry(ip, mac, model.qrDevice(router, node, ip)));
		}
	}
	return next;
}

/** The snapshot after `actions`, in order (pure). */
export function applyActions(snapshot: Snapshot, actions: readonly FixAction[]): Snapshot {
	let next = snapshot;
	for (const action of actions) {
		if (action.kind === 'set-aap') next = applySetAap(next, action.port, action);
		else if (action.kind === 'replace-neigh')
			next = editNeigh(
				next,
				action.node,
				action.namespace,
				replaceEntry(action.ip, normalizeMac(action.mac), action.dev),
			);
		else next = editNeigh(next, action.node, action.namespace, deleteEntry(action.ip, action.dev));
	}
	return next;
}

/** The IP a finding is about (its VIP, else `data.ip`). */
export const subjectOf = (f: Finding): string | undefined =>
	f.vip ?? (typeof f.data['ip'] === 'string' ? f.data['ip'] : undefined);

const sameKind = (a: Finding, b: Finding): boolean =>
	a.ruleId === b.ruleId && a.messageId === b.messageId && a.router === b.router;

/**
 * Rules a fix can change the result of: those that read neighbour tables or Neutron ports. Rules
 * that cannot run without OVS flows are left out: no action changes a flow, and a `set-aap` re-sets the same pairs
 * (so the VIPs, their carriers and holders those rules see stay the same) — re-running them over
 * a 200k-flow dump per fix would cost seconds for the same answer.
 */
const affected = (rules: readonly Rule[]): Rule[] =>
	rules.filter(r => {
		const keys = [...r.meta.requires, ...(r.meta.requiresAny ?? [])];
		// Rules that can also find VIPs in flows (node data alone) stay: they read neighbours too.
		return (
			keys.some(k => k === 'node.neigh' || k === 'cloud.ports') &&
			!r.meta.requires.includes('node.flows')
		);
	});

/** Apply `fix` for `finding` and predict what is left on its subject. */
export function predictFix(
	snapshot: Snapshot,
	finding: Finding,
	fix: Fix,
	before: readonly Finding[],
	rules: readonly Rule[],
	cache: Map<string, readonly Finding[]> = new Map(),
): FixPrediction {
	const subject = subjectOf(finding) ?? '';
	const key = JSON.stringify(fix.actions);
	const after =
		cache.get(key) ??
		runRules(applyActions(snapshot, fix.actions), affected(rules)).flatMap(o =>
			o.status === 'fail' ? o.findings : [],
		);
	cache.set(key, after);
	const onSubject = (f: Finding): boolean => {
		const s = subjectOf(f);
		return s !== undefined && sameIp(s, subject);
	};
	const remaining: PredictedFinding[] = after.filter(onSubject).map(f => ({
		ruleId: f.ruleId,
		severity: f.severity,
		message: f.message,
		nodes: f.nodes,
		isNew: !before.some(b => onSubject(b) && sameKind(b, f)),
		isSelf: sameKind(f, finding),
	}));
	const critical = remaining.filter(f => f.severity === 'critical').length;
	const warning = remaining.filter(f => f.severity === 'warning').length;
	const clears = !remaining.some(f => f.isSelf || (f.isNew && f.severity !== 'info'));
	const label = finding.vip !== undefined ? `VIP ${subject}` : subject;
	const left = remaining
		.filter(f => f.severity !== 'info')
		.map(
			f =>
				`${f.ruleId}${f.isSelf ? ' (this finding, still there)' : f.isNew ? ' (new)' : ' (already there, not addressed by this fix)'}`,
		);
	const summary = `after this: ${critical} critical, ${warning} warning on ${label}${left.length > 0 ? ` — left: ${left.join(', ')}` : ''}`;
	return {subject, critical, warning, clears, remaining, summary};
}

/** The check-first fix printed when a computed fix does not predict a recovery. */
function rejected(snapshot: Snapshot, finding: Finding, prediction: FixPrediction): Fix {
	const model = getModel(snapshot);
	const router = finding.router !== undefined ? model.routers.get(finding.router) : undefined;
	const vip =
		finding.vip !== undefined ? model.vips.find(v => sameIp(v.ip, finding.vip ?? '')) : undefined;
	return {
		...checkFirstFix(
			`no command printed: the computed fix, applied to the model, does not recover (${prediction.summary})`,
			holderChecks(model, prediction.subject, router, vip),
		),
		prediction,
	};
}

/**
 * Predict every finding's fix (pure). A fix whose prediction still has the finding, or a new one
 * on its subject, is replaced by read-only checks; `remediation` follows the fix.
 */
export function predictFixes(
	snapshot: Snapshot,
	outcomes: readonly RuleOutcome[],
	rules: readonly Rule[],
): RuleOutcome[] {
	const before = outcomes.flatMap(o => (o.status === 'fail' ? o.findings : []));
	const cache = new Map<string, readonly Finding[]>();
	const withPrediction = (f: Finding): Finding => {
		const fix = f.fix;
		if (fix === undefined || fix.kind === 'check-first' || fix.actions.length === 0) return f;
		const prediction = predictFix(snapshot, f, fix, before, rules, cache);
		const next: Fix = prediction.clears ? {...fix, prediction} : rejected(snapshot, f, prediction);
		return {...f, fix: next, remediation: remediationOf(next)};
	};
	return outcomes.map(o =>
		o.status === 'fail' ? {...o, findings: o.findings.map(withPrediction)} : o,
	);
}
