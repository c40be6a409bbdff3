import type {Capture} from '../model/capture.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import type {BACKEND_LABEL} from './backend.js';
import {readBackend} from './backend.js';
import {getModel} from './model.js';
import {cidrContains, normalizeMac} from './net.js';
import type {RuleOutcome} from './types.js';

/**
 * Coverage: what a diagnosis could not see. Computed from the snapshot alone (failed, truncated
 * and unreadable captures, nodes in scope that were not read, no cloud API data) plus the rule
 * outcomes (rules that apply but could not run). A source (live collection, a bundle, an import)
 * expresses a gap only through the capture set, so nothing here knows where data came from.
 *
 * `complete` is true only when there is no gap: then "OK" means every applicable check ran on
 * complete data. Any gap makes a verdict that would be OK or WARNING **INCOMPLETE** (exit 4).
 */
export type CoverageGap = {
	readonly kind:
		| 'node-unreachable'
		| 'node-partial'
		| 'api-not-configured'
		| 'capture-failed'
		| 'capture-unreadable'
		| 'capture-truncated'
		| 'capture-missing'
		| 'rule-skipped'
		| 'backend-out-of-scope'
		| (string & {});
	/** What is missing: a node id, a capture id, a rule id, `OpenStack API`. */
	readonly subject: string;
	/** Why, in words (`ssh: connection refused`, `ip-addr: nothing could be read`). */
	readonly reason: string;
	/** What would supply it (a command, an option, an environment variable). */
	readonly remedy?: string;
};

export type Coverage = {
	readonly complete: boolean;
	readonly gaps: readonly CoverageGap[];
};

export type Verdict = 'ok' | 'warning' | 'critical' | 'incomplete';

/** Exit code per verdict: 0 ok, 1 warning, 2 critical, 4 INCOMPLETE (3 is usage/input error). */
export const VERDICT_EXIT: Readonly<Record<Verdict, 0 | 1 | 2 | 4>> = {
	ok: 0,
	warning: 1,
	critical: 2,
	incomplete: 4,
};

/** Precedence: critical > incomplete > warning > ok. A warning never hides missing data. */
export function verdictOf(
	counts: {critical: number; warning: number},
	coverage: Coverage,
): Verdict {
	if (counts.critical > 0) return 'critical';
	if (!coverage.complete) return 'incomplete';
	return counts.warning > 0 ? 'warning' : 'ok';
}

export const API_REMEDY =
	'give dvrscope the OpenStack API: OS_CLOUD=<cloud> with a clouds.yaml (OS_CLIENT_CONFIG_FILE=…), or --openstack kubectl on MOSK; or add `openstack port/router/subnet/network list -f json` captures to the set';

/** Problem kinds a collector records when a node (not one command) could not be read. */
const NODE_FAILURE_KINDS = new Set([
	'unreachable',
	'auth',
	'timeout',
	'refused',
	'spawn',
	'cancelled',
	'hostkey',
]);

/** A parsed capture that produced no usable output. */
function failedCapture(capture: Capture): string | undefined {
	if (capture.failure !== undefined)
		return `${capture.failure.kind}: ${capture.failure.message}`.trim();
	if (capture.exitCode !== 0 && capture.stdout.trim() === '') {
		const err = capture.stderr.trim().split('\n')[0] ?? '';
		return `exit ${capture.exitCode ?? 'unknown'} with no output${err ? `: ${err}` : ''}`;
	}
	return undefined;
}

const usable = (capture: Capture): boolean => failedCapture(capture) === undefined;

function nodeGaps(snapshot: Snapshot): CoverageGap[] {
	const {manifest} = snapshot;
	const gaps: CoverageGap[] = [];
	const problems = manifest.problems ?? [];
	const captures = Object.values(snapshot.captures);
	const listed = new Set<NodeId>(manifest.nodes.map(n => n.id));
	for (const node of [...listed].sort()) {
		const mine = captures.filter(c => c.node === node && c.scope === 'node');
		const nodeProblems = problems.filter(p => p.node === node);
		const failure = nodeProblems.find(p => NODE_FAILURE_KINDS.has(p.kind));
		if (!mine.some(usable)) {
			// Nothing usable from the node: it was not read, whatever the reason.
			const why =
				failure !== undefined
					? `${failure.kind}: ${failure.message}`
					: nodeProblems[0] !== undefined
						? `${nodeProblems[0].kind}: ${nodeProblems[0].message}`
						: mine.length > 0
							? 'every command failed'
							: 'no capture from this node in the set';
			gaps.push({
				kind: 'node-unreachable',
				subject: node,
				reason: why,
				remedy: `check SSH/kubectl access to ${node} and collect again (dvrscope collect … / diagnose --inventory …)`,
			});
		} else if (failure !== undefined) {
			gaps.push({
				kind: 'node-partial',
				subject: node,
				reason: `${failure.kind}: ${failure.message}`,
				remedy: `collect ${node} again`,
			});
		}
	}
	// A set marked partial without a node-level reason still says so.
	if (manifest.partial === true && gaps.length === 0) {
		const other = problems.filter(p => p.node === undefined);
		gaps.push({
			kind: 'collection-partial',
			subject: 'collection',
			reason:
				other.length > 0
					? other.map(p => `${p.kind}: ${p.message}`).join('; ')
					: 'the capture set is marked partial (collection interrupted or incomplete)',
		});
	} else {
		for (const p of problems.filter(x => x.node === undefined && x.kind === 'target'))
			gaps.push({kind: 'target-unresolved', subject: 'target', reason: p.message});
	}
	return gaps;
}

function captureGaps(snapshot: Snapshot): CoverageGap[] {
	const gaps: CoverageGap[] = [];
	const explained = new Set<string>();
	for (const capture of Object.values(snapshot.captures)) {
		if (capture.kind === undefined) continue;
		const why = failedCapture(capture);
		if (why !== undefined) {
			explained.add(capture.id);
			gaps.push({
				kind: 'capture-failed',
				subject: capture.node !== undefined ? `${capture.node} · ${capture.id}` : capture.id,
				reason: `${capture.argv.join(' ')}: ${why}`,
			});
		} else if (capture.truncated === true) {
			explained.add(capture.id);
			gaps.push({
				kind: 'capture-truncated',
				subject: capture.node !== undefined ? `${capture.node} · ${capture.id}` : capture.id,
				reason: `${capture.argv.join(' ')}: cut at the size cap, facts may be incomplete`,
			});
		}
	}
	for (const error of snapshot.errors) {
		if (explained.has(error.capture)) continue;
		gaps.push({
			kind: 'capture-unreadable',
			subject: error.node !== undefined ? `${error.node} · ${error.capture}` : error.capture,
			reason: error.message,
		});
	}
	return gaps;
}

/** No cloud API data at all (nothing captured against the API, nothing readable from it). */
function apiGaps(snapshot: Snapshot): CoverageGap[] {
	const tried = Object.values(snapshot.captures).some(c => c.scope === 'cloud');
	const cloud = snapshot.cloud;
	const any =
		cloud.ports !== undefined ||
		cloud.routers !== undefined ||
		cloud.subnets !== undefined ||
		cloud.networks !== undefined;
	if (any || tried) return [];
	return [
		{
			kind: 'api-not-configured',
			subject: 'OpenStack API',
			reason: 'no Neutron data (ports, routers, subnets) in the capture set',
			remedy: API_REMEDY,
		},
	];
}

/**
 * Instance and Octavia ports the port list names whose details (`port show`: allowed address
 * pairs, binding) were not captured although other ports' were: the VRRP members may be among them.
 */
function portDetailGaps(snapshot: Snapshot): CoverageGap[] {
	const shows = Object.values(snapshot.captures).filter(
		c => c.kind === 'openstack-ports' && c.argv[1] === 'port' && c.argv[2] === 'show',
	);
	if (shows.length === 0) return [];
	const shown = new Set(shows.filter(usable).map(c => c.argv[3]));
	const gaps: CoverageGap[] = [];
	for (const port of snapshot.cloud.ports?.data ?? []) {
		const owner = port.deviceOwner ?? '';
		if (!(owner.startsWith('compute:') || owner === 'Octavia') || shown.has(port.id)) continue;
		if (shows.some(c => c.argv[3] === port.id)) continue; // failed: already a capture gap
		gaps.push({
			kind: 'capture-missing',
			subject: `port show ${port.id}`,
			reason: `the port list names ${port.id} (${owner}) but its details (allowed address pairs, binding) were not captured`,
			remedy: `openstack port show ${port.id} -f json`,
		});
	}
	return gaps;
}

const INFRA_NAMESPACE = /^(qrouter|snat|fip|qdhcp|haproxy|ovnmeta|qlbaas|amphora-haproxy)-/;

/**
 * A workload (VM / amphora namespace) on a node whose MAC no Neutron port in the set has, on a
 * subnet Neutron serves: the ports data is incomplete (a member of a VRRP pair may be missing).
 */
function unknownPortGaps(snapshot: Snapshot): CoverageGap[] {
	const ports = snapshot.cloud.ports?.data;
	if (ports === undefined) return [];
	const model = getModel(snapshot);
	const cidrs = [
		...model.subnets.map(s => s.cidr),
		...[...model.routers.values()].flatMap(r => r.subnets.map(s => s.cidr)),
	];
	if (cidrs.length === 0) return [];
	const macs = new Set<string>();
	for (const p of ports) {
		macs.add(normalizeMac(p.mac));
		for (const pair of p.allowedAddressPairs)
			if (pair.mac !== undefined) macs.add(normalizeMac(pair.mac));
	}
	const gaps: CoverageGap[] = [];
	for (const [node, n] of Object.entries(snapshot.nodes))
		for (const [ns, addr] of Object.entries(n.facts.addr ?? {})) {
			if (ns === '' || INFRA_NAMESPACE.test(ns)) continue;
			for (const iface of addr.data) {
				if (iface.mac === undefined || macs.has(normalizeMac(iface.mac))) continue;
				const onSubnet = iface.addresses.find(
					a => a.family === 'inet' && cidrs.some(c => cidrContains(c, a.local)),
				);
				if (onSubnet === undefined) continue;
				gaps.push({
					kind: 'capture-missing',
					subject: `Neutron port of ${iface.mac}`,
					reason: `${iface.name} in namespace ${ns} on ${node} (${onSubnet.local}, MAC ${iface.mac}) is on a Neutron subnet, but no port in the capture set has that MAC: the ports data is incomplete`,
					remedy: `openstack port list --mac-address ${iface.mac} --long -f json; openstack port show <id> -f json`,
				});
			}
		}
	return gaps;
}

/**
 * The backend: Tungsten Fabric is outside what dvrscope covers (never OK), and clues that
 * disagree leave it unknown which rules apply (never OK either).
 */
function backendGaps(snapshot: Snapshot): CoverageGap[] {
	const reading = readBackend(snapshot);
	if (reading.backend === 'tungstenfabric')
		return [
			{
				kind: 'backend-out-of-scope',
				subject: 'Neutron backend tungstenfabric',
				reason: `${reading.summary}: dvrscope reads ML2 (Open vSwitch or OVN) state; on Tungsten Fabric the vRouter holds the forwarding state and none of its checks apply`,
				remedy:
					'use the Tungsten Fabric tools (contrail-status, the vRouter introspect, vif/rt/nh) for this cloud',
			},
		];
	if (reading.backend === 'conflicting')
		return [
			{
				kind: 'backend-conflict',
				subject: 'Neutron backend',
				reason: `${reading.summary}; dvrscope ran the rules of every backend the data fits, but cannot tell which ones apply`,
				remedy:
					'check spec:features:neutron:backend of the OpenStackDeployment and the agent list (openstack network agent list); a migration from ml2/ovs to ml2/ovn leaves both kinds for a while',
			},
		];
	return [];
}

/** Gaps the capture set shows by itself, before any rule runs. */
export function snapshotGaps(snapshot: Snapshot): CoverageGap[] {
	return [
		...backendGaps(snapshot),
		...nodeGaps(snapshot),
		...apiGaps(snapshot),
		...captureGaps(snapshot),
		...portDetailGaps(snapshot),
		...unknownPortGaps(snapshot),
	];
}

/** Rules that apply but could not run (skipped), crashed, or ran on part of their scope. */
export function ruleGaps(outcomes: readonly RuleOutcome[]): CoverageGap[] {
	const gaps: CoverageGap[] = [];
	for (const o of outcomes) {
		if (o.status === 'skipped' && o.notApplicable === undefined)
			gaps.push({
				kind: 'rule-skipped',
				subject: o.ruleId,
				reason:
					(o.reasons?.length ?? 0) > 0
						? (o.reasons ?? []).join('; ')
						: `inputs missing: ${o.missing.join(', ')}`,
				...(o.needs.length > 0 ? {remedy: o.needs.join('; ')} : {}),
			});
		else if (o.status === 'error')
			gaps.push({kind: 'rule-error', subject: o.ruleId, reason: `crashed: ${o.error}`});
		else if (o.status === 'fail' && (o.unchecked?.length ?? 0) > 0)
			gaps.push({
				kind: 'rule-partial',
				subject: o.ruleId,
				reason: `not checked: ${(o.unchecked ?? []).join('; ')}`,
			});
	}
	return gaps;
}

export function computeCoverage(snapshot: Snapshot, outcomes: readonly RuleOutcome[]): Coverage {
	const gaps = [...snapshotGaps(snapshot), ...ruleGaps(outcomes)];
	return {complete: gaps.length === 0, gaps};
}

/** Short words for gap kinds, for report tables. */
export const GAP_LABEL: Readonly<Record<string, string>> = {
	'node-unreachable': 'node not read',
	'node-partial': 'node read in part',
	'collection-partial': 'collection partial',
	'api-not-configured': 'API not configured',
	'capture-failed': 'capture failed',
	'capture-unreadable': 'capture unreadable',
	'capture-truncated': 'capture truncated',
	'capture-missing': 'capture missing',
	'target-unresolved': 'target not resolved',
	'rule-skipped': 'rule could not run',
	'rule-error': 'rule crashed',
	'rule-partial': 'rule ran in part',
	'backend-out-of-scope': 'backend not covered',
	'backend-conflict': 'backend in doubt',
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const list = (items: readonly string[], max = 4): string =>
	items.length <= max
		? items.join(', ')
		: `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

/**
 * What is missing, in one line: `node compute-2 unreachable; OpenStack API not configured;
 * 2 captures unreadable (…); 3 rules skipped (…)`. Empty when coverage is complete.
 */
export function missingSummary(coverage: Coverage): string {
	const by = (kind: string): CoverageGap[] => coverage.gaps.filter(g => g.kind === kind);
	const parts: string[] = [];
	for (const g of by('backend-out-of-scope'))
		parts.push(`${g.subject} is outside what dvrscope covers`);
	if (by('backend-conflict').length > 0) parts.push('the Neutron backend evidence conflicts');
	const unreachable = by('node-unreachable');
	if (unreachable.length > 0)
		parts.push(
			`${unreachable.length === 1 ? 'node' : 'nodes'} ${list(unreachable.map(g => g.subject))} not read (unreachable)`,
		);
	const partial = by('node-partial');
	if (partial.length > 0)
		parts.push(
			`${partial.length === 1 ? 'node' : 'nodes'} ${list(partial.map(g => g.subject))} read only in part`,
		);
	if (by('collection-partial').length > 0) parts.push('collection partial');
	if (by('api-not-configured').length > 0) parts.push('OpenStack API not configured');
	for (const [kind, word] of [
		['capture-failed', 'failed'],
		['capture-unreadable', 'unreadable'],
		['capture-truncated', 'truncated'],
		['capture-missing', 'missing'],
	] as const) {
		const gaps = by(kind);
		if (gaps.length > 0)
			parts.push(
				`${plural(gaps.length, 'capture')} ${word} (${list(
					gaps.map(g => g.subject),
					3,
				)})`,
			);
	}
	const target = by('target-unresolved');
	if (target.length > 0) parts.push('target not fully resolved');
	const skipped = by('rule-skipped');
	if (skipped.length > 0)
		parts.push(
			`${plural(skipped.length, 'rule')} could not run (${list(
				skipped.map(g => g.subject),
				3,
			)})`,
		);
	const crashed = by('rule-error');
	if (crashed.length > 0) parts.push(`${plural(crashed.length, 'rule')} crashed`);
	const ruled = by('rule-partial');
	if (ruled.length > 0)
		parts.push(
			`${plural(ruled.length, 'rule')} ran on part of their scope (${list(
				ruled.map(g => g.subject),
				3,
			)})`,
		);
	const known = new Set([
		'node-unreachable',
		'node-partial',
		'collection-partial',
		'api-not-configured',
		'capture-failed',
		'capture-unreadable',
		'capture-truncated',
		'capture-missing',
		'target-unresolved',
		'rule-skipped',
		'rule-error',
		'rule-partial',
		'backend-out-of-scope',
		'backend-conflict',
	]);
	const other = coverage.gaps.filter(g => !known.has(g.kind));
	if (other.length > 0)
		parts.push(
			list(
				other.map(g => `${g.kind} ${g.subject}`),
				3,
			),
		);
	return parts.join('; ');
}

/** The first line of every report: `Verdict: INCOMPLETE — node compute-2 not read (unreachable); …`. */
export function verdictHeadline(
	verdict: Verdict,
	coverage: Coverage,
	counts: {critical: number; warning: number},
	/** Named in the headline unless it is ml2/ovs or not determined (the OVS output is unchanged). */
	backend?: keyof typeof BACKEND_LABEL,
): string {
	const missing = missingSummary(coverage);
	const named =
		backend === undefined || backend === 'ml2/ovs' || backend === 'unknown'
			? ''
			: ` [backend ${backend === 'conflicting' ? 'in doubt' : backend}]`;
	return headline(verdict, missing, counts).replace(/^Verdict: (\w+)/, `Verdict: $1${named}`);
}

function headline(
	verdict: Verdict,
	missing: string,
	counts: {critical: number; warning: number},
): string {
	switch (verdict) {
		case 'critical':
			return `Verdict: CRITICAL — ${plural(counts.critical, 'critical finding')}${missing === '' ? '' : `; also INCOMPLETE: ${missing}`}`;
		case 'incomplete':
			return `Verdict: INCOMPLETE — not everything could be checked: ${missing}${counts.warning > 0 ? ` (and ${plural(counts.warning, 'warning')})` : ''}`;
		case 'warning':
			return `Verdict: WARNING — ${plural(counts.warning, 'warning')}, nothing critical; every applicable check ran on complete data`;
		case 'ok':
			return 'Verdict: OK — every applicable check ran on complete data and found nothing at warning or above';
	}
}
