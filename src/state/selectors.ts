import type {Finding, Severity} from '../diagnostics/types.js';
import type {AppState, StackEntry, ViewRef} from './store.js';

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
