import type {Finding, Severity} from '../diagnostics/types.js';
import {fixOf, type FixView} from '../diagnostics/report/fix-steps.js';

/** The fix layout the Fix panel shares with the markdown report (the UI reads it through state). */
export {fixBlocks, fixScript, type FixView} from '../diagnostics/report/fix-steps.js';
import type {Snapshot} from '../model/snapshot.js';
import type {CommandLogEntry, DiagnosisView} from './store.js';
import {listVips, reconcileVip} from './vip.js';
import {
	CLOUD_ROW,
	cellKey,
	type AppState,
	type CollectionState,
	type NodeProgress,
	type ProgressCell,
	type StackEntry,
	type ViewRef,
	emptyCell,
} from './store.js';

const EMPTY: readonly Finding[] = [];

/** The active view (top of the stack). */
export const selectTop = (s: AppState): StackEntry =>
	s.ui.stack[s.ui.stack.length - 1] ?? {view: {kind: 'overview'}, cursor: 0, filter: ''};

/** Findings as diagnose() sorted them (a stable reference while the diagnosis is unchanged). */
export const selectFindings = (s: AppState): readonly Finding[] => s.diagnosis?.findings ?? EMPTY;

export const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'info'];

/** A stable identity for a finding inside one diagnosis (the finding view refers to it). */
export const findingKey = (f: Finding): string =>
	`${f.ruleId}|${f.vip ?? ''}|${f.router ?? ''}|${f.nodes.join(',')}|${f.messageId}|${f.message}`;

export type FindingRow =
	| {
			readonly type: 'group';
			readonly severity: Severity;
			readonly vip: string;
			readonly count: number;
	  }
	| {readonly type: 'finding'; readonly finding: Finding; readonly key: string};

/** Findings by severity, then grouped by VIP (findings without a VIP last, under "other"). */
export function groupFindings(findings: readonly Finding[]): FindingRow[] {
	const rows: FindingRow[] = [];
	for (const severity of SEVERITY_ORDER) {
		const ofSeverity = findings.filter(f => f.severity === severity);
		const groups = new Map<string, Finding[]>();
		for (const f of ofSeverity) {
			const vip = f.vip ?? '';
			const list = groups.get(vip);
			if (list === undefined) groups.set(vip, [f]);
			else list.push(f);
		}
		const order = [...groups.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : 0));
		for (const vip of order) {
			const list = groups.get(vip) ?? [];
			rows.push({
				type: 'group',
				severity,
				vip: vip === '' ? 'not VIP-specific' : vip,
				count: list.length,
			});
			for (const finding of list) rows.push({type: 'finding', finding, key: findingKey(finding)});
		}
	}
	return rows;
}

export type SeverityCounts = Readonly<Record<Severity, number>>;

export function countBySeverity(findings: readonly Finding[]): SeverityCounts {
	const counts = {critical: 0, warning: 0, info: 0};
	for (const f of findings) counts[f.severity]++;
	return counts;
}

/** Short human title of a view, for breadcrumbs. */
export function viewTitle(view: ViewRef): string {
	switch (view.kind) {
		case 'overview':
			return 'overview';
		case 'findings':
			return 'findings';
		case 'finding':
			return 'finding';
		case 'capture':
			return `capture ${view.capture}`;
		case 'vips':
			return 'VIPs';
		case 'vip':
			return `VIP ${view.vip}`;
		case 'flows':
			return view.node === undefined ? 'flows' : `flows ${view.node}`;
		case 'neigh':
			return view.node === undefined ? 'neighbours' : `neighbours ${view.node}`;
		case 'namespaces':
			return view.node === undefined ? 'namespaces' : `namespaces ${view.node}`;
		case 'keepalived':
			return view.node === undefined ? 'keepalived' : `keepalived ${view.node}`;
		case 'ovn':
			return 'OVN';
		case 'path':
			return view.hop === undefined ? `path → ${view.vip}` : `hop ${view.hop + 1}`;
		case 'log':
			return 'command log';
		case 'watch':
			return 'watch timeline';
		case 'help':
			return 'help';
	}
}

export const breadcrumbs = (stack: readonly StackEntry[]): string[] =>
	stack.map(entry => viewTitle(entry.view));

// ─── progress grid ─────────────────────────────────────────────────────────

/**
 * One cell of the progress grid: a collector's progress on the row, or `n/a` — the collector does
 * not run there (a node collector on the cloud row, an API collector on a node row) — or
 * `not-run`: the row finished and this collector never ran on it (another role, nothing found to
 * read, the node failed first). Only a row that can still run it shows a missing cell as queued.
 */
export type GridCell = ProgressCell | 'n/a' | 'not-run';

export type GridRow = {
	readonly row: string;
	readonly scope: 'node' | 'cloud';
	readonly progress: NodeProgress;
	readonly cells: readonly GridCell[];
	readonly bytes: number;
};

const QUEUED_CELL: ProgressCell = emptyCell;

/**
 * The cloud row has no node-started/node-done events: it is running while one of its captures
 * runs, and done (failed when every capture failed) when none does.
 */
function cloudProgress(cells: readonly ProgressCell[]): NodeProgress {
	const captures = cells.reduce((n, c) => n + c.done, 0);
	const failedCaptures = cells.reduce((n, c) => n + c.failed, 0);
	const startedAt = Math.min(...cells.map(c => c.startedAt ?? Number.POSITIVE_INFINITY));
	const state = cells.some(c => c.running > 0)
		? 'running'
		: cells.length === 0
			? 'queued'
			: captures > 0 && failedCaptures === captures
				? 'failed'
				: 'done';
	return {
		state,
		captures,
		failedCaptures,
		...(Number.isFinite(startedAt) ? {startedAt} : {}),
		...(state === 'done' || state === 'failed'
			? {durationMs: Math.max(0, ...cells.map(c => c.elapsedMs))}
			: {}),
	};
}

/** The node × collector grid: each row's cells limited to the collectors of its scope. */
export function progressRows(
	collection: CollectionState,
	collectors: readonly string[] = collection.collectors,
): GridRow[] {
	return collection.nodes.map(row => {
		const scope =
			row === CLOUD_ROW && collection.nodeProgress[row] === undefined ? 'cloud' : 'node';
		const own = collectors.map(c => collection.cells[cellKey(row, c)]);
		const progress =
			scope === 'cloud'
				? cloudProgress(
						collection.collectors
							.map(c => collection.cells[cellKey(row, c)])
							.filter((c): c is ProgressCell => c !== undefined),
					)
				: (collection.nodeProgress[row] ?? {state: 'queued', captures: 0, failedCaptures: 0});
		const finished = progress.state === 'done' || progress.state === 'failed';
		let bytes = 0;
		const cells = collectors.map((collector, i): GridCell => {
			const cell = own[i];
			if (cell !== undefined) {
				bytes += cell.bytes;
				return cell;
			}
			if ((collection.collectorScopes[collector] ?? 'node') !== scope) return 'n/a';
			return finished ? 'not-run' : QUEUED_CELL;
		});
		return {row, scope, progress, cells, bytes};
	});
}

// ─── fix panel (contract B) ─────────────────────────────────────────────────

const fixCache = new WeakMap<Finding, FixView>();

/**
 * THE one place the console reads a finding's fix: typed `finding.fix.steps` when the rule gives
 * them, else the legacy `remediation` strings parsed into one-line steps with their node.
 */
export function selectFix(finding: Finding): FixView {
	let fix = fixCache.get(finding);
	if (fix === undefined) {
		fix = fixOf(finding);
		fixCache.set(finding, fix);
	}
	return fix;
}

// ─── coverage / problems (contract A) ───────────────────────────────────────

/** One thing that was not read or not checked, and why (same shape as diagnostics' CoverageGap). */
export type CoverageGapView = {
	readonly kind: string;
	readonly subject: string;
	readonly reason: string;
	readonly remedy?: string;
};

export type CoverageView = {
	readonly complete: boolean;
	readonly gaps: readonly CoverageGapView[];
	/** `diagnosis` when the engine computed it, `derived` when the console worked it out. */
	readonly from: 'diagnosis' | 'derived';
};

/** Gaps the console can see on its own: failed captures, parse errors, failed nodes, skipped rules. */
export function deriveCoverage(
	snapshot: Snapshot | undefined,
	diagnosis: DiagnosisView | undefined,
): CoverageView {
	const gaps: CoverageGapView[] = [];
	if (snapshot !== undefined) {
		for (const p of snapshot.manifest.problems ?? [])
			gaps.push({
				kind: p.node === undefined ? p.kind : 'node-unreachable',
				subject: p.node ?? 'collection',
				reason: `${p.kind}: ${p.message}`,
			});
		for (const c of snapshot.manifest.captures) {
			if (c.failure !== undefined)
				gaps.push({
					kind: 'capture-failed',
					subject: `${c.node ?? 'cloud'} ${c.id}`,
					reason: `${c.failure.kind}: ${c.failure.message}`,
				});
			else if (c.truncated === true)
				gaps.push({
					kind: 'capture-truncated',
					subject: `${c.node ?? 'cloud'} ${c.id}`,
					reason: 'output truncated at the size limit',
				});
		}
		for (const e of snapshot.errors)
			gaps.push({
				kind: 'capture-unreadable',
				subject: `${e.node ?? 'cloud'} ${e.capture}`,
				reason: e.message,
			});
	}
	for (const o of diagnosis?.outcomes ?? [])
		if (o.status === 'skipped')
			gaps.push({
				kind: 'rule-skipped',
				subject: o.ruleId,
				reason: `needs ${o.needs.join('; ') || o.missing.join(', ')}`,
			});
		else if (o.status === 'error')
			gaps.push({kind: 'rule-error', subject: o.ruleId, reason: `crashed: ${o.error}`});
	return {complete: gaps.length === 0, gaps, from: 'derived'};
}

const coverageCache = new WeakMap<object, CoverageView>();
const NO_DATA: CoverageView = {complete: true, gaps: [], from: 'derived'};

/**
 * THE one place the console reads coverage: `diagnosis.coverage` when the engine gives it, else
 * derived from the snapshot's errors and the skipped rule outcomes ({@link deriveCoverage}).
 */
export function selectCoverage(s: AppState): CoverageView {
	const diagnosis = s.diagnosis;
	const key = diagnosis ?? s.snapshot;
	if (key === undefined) return NO_DATA;
	const cached = coverageCache.get(key);
	if (cached !== undefined) return cached;
	const view: CoverageView =
		diagnosis?.coverage !== undefined
			? {complete: diagnosis.coverage.complete, gaps: diagnosis.coverage.gaps, from: 'diagnosis'}
			: deriveCoverage(s.snapshot, diagnosis);
	coverageCache.set(key, view);
	return view;
}

/**
 * What the command log says a command produced: a failure, a parse error in its output, a
 * truncation, or its exit code — a capture that ran but could not be read is not "exit 0".
 */
export function commandResult(
	entry: CommandLogEntry,
	errors: ReadonlyMap<string, string>,
): {readonly status: string; readonly problem?: string; readonly level: 'ok' | 'warn' | 'bad'} {
	if (entry.failure !== undefined)
		return {status: entry.failure.kind.toUpperCase(), problem: entry.failure.message, level: 'bad'};
	const error = errors.get(entry.captureId);
	if (error !== undefined) return {status: 'UNREADABLE', problem: error, level: 'bad'};
	const exit = `exit ${entry.exitCode ?? '?'}`;
	if (entry.truncated === true) return {status: 'TRUNCATED', problem: exit, level: 'warn'};
	return {status: exit, level: (entry.exitCode ?? 0) === 0 ? 'ok' : 'warn'};
}

const errorMaps = new WeakMap<Snapshot, ReadonlyMap<string, string>>();
const NO_ERRORS: ReadonlyMap<string, string> = new Map();

/** Capture id → why its output could not be read (parse errors), for the command log. */
export function captureErrors(snapshot: Snapshot | undefined): ReadonlyMap<string, string> {
	if (snapshot === undefined) return NO_ERRORS;
	let map = errorMaps.get(snapshot);
	if (map === undefined) {
		const m = new Map<string, string>();
		for (const e of snapshot.errors)
			m.set(e.capture, m.has(e.capture) ? `${m.get(e.capture)}; ${e.message}` : e.message);
		map = m;
		errorMaps.set(snapshot, map);
	}
	return map;
}

/**
 * The flows that concern one VIP, as a flow filter: ARP for it (responder t21, drops t22/t1) and
 * IP to or from it (the router's DVR rewrite tables).
 */
export const vipFlowFilter = (vip: string): string =>
	`arp_tpa=${vip} || nw_dst=${vip} || nw_src=${vip}`;

/** The VIP to put in examples: this incident's (the first finding's VIP), else a placeholder. */
export function exampleVip(s: AppState): string {
	return listVips(s.snapshot, s.diagnosis?.findings ?? [])[0] ?? '10.0.0.100';
}

// ─── keepalived screen ──────────────────────────────────────────────────────

/** One VRRP instance as the keepalived screen shows it: who it is, configured vs live state. */
export type VrrpMemberRow = {
	readonly node: string;
	readonly path: string;
	readonly instance: string;
	/** The VRRP member: keepalived's router_id, else the port (VM / amphora) behind its source IP. */
	readonly member: string;
	readonly vrid?: number;
	readonly priority?: number;
	/** `state` in keepalived.conf: where it starts, not where it is. */
	readonly configured: string;
	/** Who holds the VIP now (the owner MAC the VIP table found), as this member sees it. */
	readonly live: 'holds VIP' | 'not holder' | 'unknown';
	readonly vips: readonly string[];
	readonly line: number;
	readonly capture: string;
};

/**
 * keepalived instances with their member and live state: the member is matched to a Neutron
 * port by its unicast source IP (or the config directory, named after the port id); the live
 * holder is the port whose MAC the VIP reconciliation says owns the VIP now.
 */
export function vrrpMembers(snapshot: Snapshot, findings: readonly Finding[]): VrrpMemberRow[] {
	const ports = snapshot.cloud.ports?.data ?? [];
	const owners = new Map<string, string | undefined>();
	const ownerOf = (vip: string): string | undefined => {
		if (!owners.has(vip)) owners.set(vip, reconcileVip(snapshot, findings, vip).owner?.mac);
		return owners.get(vip);
	};
	const rows: VrrpMemberRow[] = [];
	for (const node of Object.keys(snapshot.nodes).sort())
		for (const [path, conf] of Object.entries(snapshot.nodes[node]?.facts.keepalived ?? {}).sort())
			for (const inst of conf.data.instances) {
				const dir = path.split('/').slice(-2, -1)[0] ?? '';
				const port =
					ports.find(
						p =>
							inst.unicastSrcIp !== undefined && p.fixedIps.some(f => f.ip === inst.unicastSrcIp),
					) ?? ports.find(p => dir.length >= 8 && p.id.startsWith(dir));
				const member =
					[conf.data.routerId, port === undefined ? undefined : (port.name ?? port.id.slice(0, 8))]
						.filter((x, i, a) => x !== undefined && x !== '' && a.indexOf(x) === i)
						.join(' / ') ||
					dir.slice(0, 8) ||
					'?';
				const vips = inst.virtualIpaddress.map(v => v.address);
				const holders = vips
					.map(ownerOf)
					.filter(m => m !== undefined)
					.map(m => m.toLowerCase());
				const live =
					port === undefined || holders.length === 0
						? 'unknown'
						: holders.includes(port.mac.toLowerCase())
							? 'holds VIP'
							: 'not holder';
				rows.push({
					node,
					path,
					instance: inst.name,
					member,
					configured: inst.state ?? '?',
					live,
					vips,
					line: inst.line + conf.lineOffset,
					capture: conf.capture,
					...(inst.virtualRouterId === undefined ? {} : {vrid: inst.virtualRouterId}),
					...(inst.priority === undefined ? {} : {priority: inst.priority}),
				});
			}
	return rows;
}
