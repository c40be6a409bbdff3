import {Box} from 'ink';
import {T} from '../components/T.js';
import {useEffect, useMemo, useState, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {
	countBySeverity,
	findingKey,
	selectCoverage,
	selectFindings,
	type CoverageGapView,
} from '../../state/selectors.js';
import {trunc} from '../text.js';
import {pathViewRef} from '../../state/path-view.js';
import {openPathView} from './PathScreen.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {ProgressGrid, type ProgressGridProps} from '../components/ProgressGrid.js';
import {severityMark, type Theme} from '../theme.js';
import {CLOUD_ROW, type CollectionState, type DiagnosisView} from '../../state/store.js';

/**
 * The first screen: the progress grid while collecting, then the verdict — counts, rule outcomes,
 * and the findings most worth opening (Enter opens one; v its VIP table).
 */
export function OverviewScreen({
	height,
	width,
}: {
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const collection = useAppStore(s => s.collection);
	const diagnosis = useAppStore(s => s.diagnosis);
	const findings = useAppStore(selectFindings);
	const hasSnapshot = useAppStore(s => s.snapshot !== undefined);
	const coverage = useAppStore(selectCoverage);
	const collecting = collection.status === 'collecting' || collection.status === 'cancelling';
	const now = useSecondTick(collecting);
	const counts = countBySeverity(findings);
	const outcomes = useMemo(() => {
		const c = {pass: 0, fail: 0, skipped: 0, error: 0};
		for (const o of diagnosis?.outcomes ?? []) c[o.status]++;
		return c;
	}, [diagnosis]);
	const failedNodes = Object.values(collection.nodeProgress).filter(
		n => n.state === 'failed',
	).length;
	// The grid stays while anything failed: which node, which collector, is the first question.
	const showGrid = collection.nodes.length > 0 && (collecting || !hasSnapshot || failedNodes > 0);
	const gridHeight = showGrid
		? Math.min(collection.nodes.length + 2, Math.max(4, Math.floor(height / 2)))
		: 0;
	// What could not be read or checked stays on the first screen, saved data and live alike.
	const gaps = useMemo(() => sortGaps(coverage.gaps), [coverage]);
	const gapLines =
		gaps.length === 0 ? 0 : Math.min(gaps.length, Math.max(1, Math.floor((height - 8) / 3)));
	const paneHeight = gaps.length === 0 ? 0 : gapLines + 1 + (gaps.length > gapLines ? 1 : 0);
	const listHeight = Math.max(1, height - gridHeight - (showGrid ? 1 : 0) - 4 - paneHeight);
	const rows: ListRow[] = findings.map(f => ({
		key: findingKey(f),
		text: `${severityMark[f.severity]} ${f.vip === undefined ? '' : `${f.vip} `}${f.nodes.length === 0 ? '' : `[${f.nodes.join(',')}] `}${f.title}: ${f.message}`,
		color: theme.severity[f.severity],
		bold: f.severity === 'critical',
	}));
	const cursor = useList(rows.length, listHeight, {
		'view.open': () => {
			const f = findings[cursor];
			if (f !== undefined) api.getState().pushView({kind: 'finding', key: findingKey(f)});
			else api.getState().pushView({kind: 'findings'});
		},
		'view.vip': () => {
			const f = findings[cursor];
			if (f?.vip !== undefined) api.getState().pushView({kind: 'vip', vip: f.vip});
			else api.getState().pushView({kind: 'vips'});
		},
		'view.path': () => {
			openPathView(api.getState(), pathViewRef(undefined, findings[cursor]));
		},
		'fix.jump': () => {
			const f = findings[cursor];
			if (f !== undefined)
				api.getState().pushView({kind: 'finding', key: findingKey(f), focus: 'fix'});
		},
	});
	const {text: verdict, colour: verdictColour} = overviewVerdict({
		diagnosis,
		collection,
		counts,
		outcomes,
		gaps,
		failedNodes,
		collecting,
		theme,
	});
	return (
		<Box flexDirection="column">
			{showGrid ? (
				<CollectionGrid
					collection={collection}
					theme={theme}
					height={gridHeight}
					width={width}
					now={now}
				/>
			) : null}
			<T bold wrap="truncate" color={verdictColour}>
				{verdict}
			</T>
			{diagnosis === undefined ? null : (
				<T wrap="truncate">
					<T color={theme.severity.critical}>{counts.critical} critical</T> ·{' '}
					<T color={theme.severity.warning}>{counts.warning} warning</T> · {counts.info} info
					<T dimColor>
						{' '}
						| rules: {outcomes.fail} failed, {outcomes.pass} passed, {outcomes.skipped} skipped
						(inputs missing), {outcomes.error} crashed
					</T>
				</T>
			)}
			<T wrap="truncate" dimColor>
				{collection.message ?? ''}
				{collection.message === undefined ? '' : ' · '}:findings all · :vip list · :flows · :log
				commands · ? help
			</T>
			<T bold>Findings</T>
			<ListView
				rows={rows}
				cursor={cursor}
				height={listHeight}
				width={width}
				empty={
					<T dimColor>
						{diagnosis === undefined
							? 'Waiting for data…'
							: 'Nothing found. Skipped rules are listed by :findings only when they fail.'}
					</T>
				}
			/>
			<GapsPane gaps={gaps} lines={gapLines} theme={theme} width={width} />
		</Box>
	);
}

const GAP_ORDER = [
	'node-unreachable',
	'node-partial',
	'collection-partial',
	'target-unresolved',
	'capture-unreadable',
	'capture-failed',
	'capture-truncated',
	'capture-missing',
	'api-not-configured',
	'rule-error',
	'rule-partial',
	'rule-skipped',
];

/** Data that could not be read first, rules that could not run last. */
function sortGaps(gaps: readonly CoverageGapView[]): CoverageGapView[] {
	const rank = (g: CoverageGapView): number => {
		const i = GAP_ORDER.indexOf(g.kind);
		return i < 0 ? GAP_ORDER.length - 2 : i;
	};
	return [...gaps].sort((a, b) => rank(a) - rank(b));
}

const GAP_MARK: Readonly<Record<string, string>> = {
	'node-unreachable': 'NODE FAILED',
	'node-partial': 'NODE PARTIAL',
	'capture-unreadable': 'UNREADABLE',
	'capture-failed': 'CAPTURE FAILED',
	'capture-truncated': 'TRUNCATED',
	'capture-missing': 'MISSING',
	'api-not-configured': 'NO API',
	'rule-error': 'RULE CRASHED',
	'rule-partial': 'PARTLY CHECKED',
	'collection-partial': 'PARTIAL',
	'target-unresolved': 'TARGET',
	'rule-skipped': 'SKIPPED',
};

const gapLabel = (g: CoverageGapView): string =>
	`${GAP_MARK[g.kind] ?? g.kind.toUpperCase()} ${g.subject}: ${g.reason}${g.remedy === undefined ? '' : ` — ${g.remedy}`}`;

/** The current time, ticking once a second while `active` (elapsed times); still when idle. */
function useSecondTick(active: boolean): number {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		if (!active) return undefined;
		const timer = setInterval(() => {
			setNow(Date.now());
		}, 1000);
		return () => {
			clearInterval(timer);
		};
	}, [active]);
	return now;
}

type OutcomeCounts = {pass: number; fail: number; skipped: number; error: number};

/**
 * The verdict line and its colour. Never says "nothing wrong" when nothing could be checked (the
 * 3 a.m. trap): failed nodes, a cancelled run or coverage gaps add a PARTIAL/INCOMPLETE caveat.
 */
function overviewVerdict({
	diagnosis,
	collection,
	counts,
	outcomes,
	gaps,
	failedNodes,
	collecting,
	theme,
}: {
	readonly diagnosis: DiagnosisView | undefined;
	readonly collection: CollectionState;
	readonly counts: Readonly<Record<'critical' | 'warning' | 'info', number>>;
	readonly outcomes: OutcomeCounts;
	readonly gaps: readonly CoverageGapView[];
	readonly failedNodes: number;
	readonly collecting: boolean;
	readonly theme: Theme;
}): {readonly text: string; readonly colour: Theme['ok']} {
	const ran = outcomes.pass + outcomes.fail + outcomes.error;
	const caveat =
		failedNodes > 0
			? ` — PARTIAL: ${failedNodes} of ${collection.nodes.length} node(s) failed (errors below)`
			: collection.status === 'cancelled'
				? ' — PARTIAL: collection was cancelled'
				: gaps.some(g => g.kind !== 'rule-skipped')
					? ` — INCOMPLETE: ${gaps.length} gap(s) below`
					: '';
	const text =
		diagnosis === undefined
			? collection.status === 'loading' || collecting
				? 'Working…'
				: collection.status === 'failed'
					? `Could not load or collect: ${collection.message ?? 'see the errors below'}`
					: 'No diagnosis yet.'
			: ran === 0
				? `NOTHING CHECKED: every rule was skipped for missing inputs${caveat}`
				: counts.critical > 0
					? `${counts.critical} CRITICAL finding(s) — open one with Enter${caveat}`
					: diagnosis.verdict === 'incomplete'
						? `INCOMPLETE${diagnosis.headline?.replace(/^Verdict: INCOMPLETE/, '') ?? ': not everything could be checked'}`
						: counts.warning > 0
							? `${counts.warning} warning(s), nothing critical${caveat}`
							: `No warning or critical finding in what was checked (${ran} rule(s) ran, ${outcomes.skipped} skipped)${caveat}`;
	const colour =
		ran === 0 || caveat !== '' || diagnosis === undefined || diagnosis.verdict === 'incomplete'
			? counts.critical > 0
				? theme.bad
				: theme.warn
			: counts.critical > 0
				? theme.bad
				: counts.warning > 0
					? theme.warn
					: theme.ok;
	return {text, colour};
}

/** The collection line (status, target, node and capture counts) over the progress grid. */
function CollectionGrid(props: ProgressGridProps): ReactNode {
	const {collection} = props;
	return (
		<>
			<T bold wrap="truncate">
				Collection: {collection.status}
				{collection.target === undefined ? '' : ` · target ${collection.target}`} ·{' '}
				{collection.nodes.filter(n => n !== CLOUD_ROW || n in collection.nodeProgress).length}{' '}
				node(s) · {collection.commands.length} capture(s)
			</T>
			<ProgressGrid {...props} />
		</>
	);
}

/** What could not be read or checked: the first `lines` gaps (sorted), then how many more. */
function GapsPane({
	gaps,
	lines,
	theme,
	width,
}: {
	readonly gaps: readonly CoverageGapView[];
	readonly lines: number;
	readonly theme: Theme;
	readonly width: number;
}): ReactNode {
	if (gaps.length === 0) return null;
	return (
		<>
			<T bold wrap="truncate" color={theme.warn}>
				{trunc(
					`Problems / not covered (${gaps.length}): unreadable or failed captures, failed nodes, skipped rules · :log`,
					width,
				)}
			</T>
			{gaps.slice(0, lines).map((g, i) => (
				<T
					key={`${g.kind}|${g.subject}|${i}`}
					wrap="truncate"
					{...(g.kind === 'rule-skipped' ? {dimColor: true} : {color: theme.warn})}
				>
					{trunc(`  ${gapLabel(g)}`, width)}
				</T>
			))}
			{gaps.length > lines ? (
				<T dimColor wrap="truncate">
					{trunc(`  … ${gaps.length - lines} more (:log lists every capture's result)`, width)}
				</T>
			) : null}
		</>
	);
}
