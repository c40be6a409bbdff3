import type {Finding, Severity} from '../diagnostics/types.js';
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
