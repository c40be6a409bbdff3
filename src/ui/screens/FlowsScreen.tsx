import {Box} from 'ink';
import {T} from '../components/T.js';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {exampleVip, selectTop} from '../../state/selectors.js';
import type {FilterView} from '../../state/flow-filter-job.js';
import {useFlowFilter, useFlowIndex} from '../hooks/use-flow-filter.js';
import {actionsTextOf, matchText, rowOf, tableLabel, type FlowRow} from '../../state/flow-index.js';
import {useList} from '../hooks/use-list.js';
import {trunc} from '../text.js';
import {useWindowStart} from '../hooks/use-window.js';
import type {NodeId} from '../../model/ids.js';
import type {Theme} from '../theme.js';

/** Truncate a row with an ASCII mark (`~`): `…` would send the row down the slow measuring path. */
const cut = (text: string, width: number): string =>
	text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}~`;
const fit = (text: string, width: number): string => cut(text, width).padEnd(width);

/**
 * Every OpenFlow rule of every node and bridge, with Neutron table names and decoded meaning.
 * Filtered with the flow language (see state/flow-filter.ts) incrementally, and windowed: only
 * the visible rows are built, so 200,000 flows scroll like 20.
 */
export function FlowsScreen({
	node,
	height,
	width,
}: {
	readonly node?: NodeId;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const filter = useAppStore(s => selectTop(s).filter);
	const vip = useAppStore(exampleVip);
	const bodyHeight = Math.max(1, height - 4);
	const {index, total, indexed} = useFlowIndex(snapshot, 2 * bodyHeight);
	const text =
		node === undefined
			? filter
			: filter.trim() === ''
				? `node=${node}`
				: `node=${node} && (${filter})`;
	const {view, pending} = useFlowFilter(index, text, filter);
	const shownIndex = view?.index;
	const result = view?.result;
	const count = result?.ids.length ?? 0;
	const cursor = useList(count, bodyHeight, {
		'view.open': () => {
			const row = rowAt(cursor);
			if (row !== undefined)
				api
					.getState()
					.pushView({kind: 'capture', capture: row.capture, line: row.line, lines: [row.line]});
		},
	});
	const rowAt = (i: number): FlowRow | undefined => {
		if (shownIndex === undefined || result === undefined) return undefined;
		const id = result.ids[i];
		return id === undefined ? undefined : rowOf(shownIndex, id);
	};
	const start = useWindowStart(cursor, bodyHeight, count);
	const nodeW = useMemo(
		() => Math.min(14, Math.max(4, ...Object.keys(snapshot?.nodes ?? {}).map(n => n.length))),
		[snapshot],
	);
	if (index === undefined || shownIndex === undefined || view === undefined)
		return index === undefined ? (
			<T>No data loaded yet.</T>
		) : (
			<T>
				Filtering {total.toLocaleString('en-US')} flows: {filter}
			</T>
		);
	const partial = shownIndex.size < total;
	const groups = flowGroups(
		rowAt,
		{from: start, to: Math.min(count, start + bodyHeight), cursor},
		nodeW,
		width,
		theme,
	);
	// Consecutive rows of one style are one Ink text (a few nodes to lay out per frame, not one
	// per row), keyed by position so a new result updates them in place.
	const lines = groups.map((g, k) => (
		<T key={k} inverse={g.selected} bold={g.selected} color={g.color}>
			{g.lines.join('\n')}
		</T>
	));
	const sel = rowAt(cursor);
	return (
		<Box flexDirection="column">
			<FlowsHeader
				view={view}
				total={total}
				indexed={indexed}
				node={node}
				typing={filter !== ''}
				pending={pending}
				vip={vip}
				theme={theme}
			/>
			<Box flexDirection="column" height={bodyHeight}>
				{count === 0 ? (
					<T>
						No flow matches
						{view.filter === ''
							? partial
								? ' yet'
								: ' (no flow dumps in this capture set)'
							: ` "${view.filter}"`}
						.
					</T>
				) : (
					lines
				)}
			</Box>
			<T wrap="truncate" dimColor>
				{sel === undefined
					? ''
					: `${sel.node} ${sel.capture}:${sel.line}  ${trunc(sel.flow.raw.trim(), width * 2)}`}
			</T>
			<T wrap="truncate" color={theme.accent}>
				{sel === undefined
					? ''
					: sel.notes.length > 0
						? sel.notes.join('; ')
						: 'Enter opens the flow in its capture'}
			</T>
		</Box>
	);
}

/**
 * `count / rows flows`, and while indexing `count / rows of total flows (indexing n%: rows so
 * far)`; the filter the rows are the result of, and `filtering…` while a newer one is worked on.
 */
function FlowsHeader({
	view,
	total,
	indexed,
	node,
	typing,
	pending,
	vip,
	theme,
}: {
	readonly view: FilterView;
	readonly total: number;
	readonly indexed: number | undefined;
	readonly node: NodeId | undefined;
	readonly typing: boolean;
	readonly pending: boolean;
	readonly vip: string;
	readonly theme: Theme;
}): ReactNode {
	const size = view.index.size;
	const partial = size < total;
	const result = view.result;
	return (
		<T wrap="truncate">
			<T bold>{result.ids.length.toLocaleString('en-US')}</T>
			<T>
				{' '}
				/ {size.toLocaleString('en-US')}
				{partial ? ` of ${total.toLocaleString('en-US')}` : ''} flows
			</T>
			{partial ? (
				<T color={theme.warn}>
					{' '}
					(indexing {Math.floor((100 * (indexed ?? size)) / Math.max(1, total))}%: rows so far)
				</T>
			) : (
				''
			)}
			{node === undefined ? '' : ` on ${node}`}
			{view.filter !== '' ? (
				<T> · filter: {view.filter}</T>
			) : typing ? (
				''
			) : (
				<T dimColor> · / to filter: arp && arp_tpa={vip} · table=22 · actions~=drop · ! ||</T>
			)}
			{pending ? <T dimColor> · filtering…</T> : ''}
			{result.error === undefined ? '' : <T color={theme.warn}> · incomplete: {result.error}</T>}
		</T>
	);
}

/** Consecutive visible rows of one style (the selected row is always a group of its own). */
type RowGroup = {selected: boolean; color: string | undefined; lines: string[]};

/**
 * The visible rows `from`..`to` as text, in groups of one style: node, bridge, table and priority
 * columns, the match and actions (a decoded ARP responder says what it answers), the notes.
 */
function flowGroups(
	rowAt: (i: number) => FlowRow | undefined,
	{from, to, cursor}: {readonly from: number; readonly to: number; readonly cursor: number},
	nodeW: number,
	width: number,
	theme: Theme,
): RowGroup[] {
	const groups: RowGroup[] = [];
	for (let i = from; i < to; i++) {
		const row = rowAt(i);
		if (row === undefined) continue;
		const selected = i === cursor;
		const f = row.flow;
		const head = `${fit(row.node, nodeW)} ${fit(row.bridge.replace(/^br-/, ''), 4)} ${fit(tableLabel(row), width < 100 ? 16 : 22)} p${fit(String(f.priority), 5)}`;
		// A decoded ARP responder says what it answers; its raw load/move actions are noise here.
		const reply = row.notes.find(n => n.startsWith('ARP reply'));
		// ASCII arrows: a line with any non-ASCII character is measured grapheme by grapheme
		// (string-width's Intl.Segmenter path, ~400× slower), and Ink measures every row per frame.
		const body = `${matchText(f) || '*'} ${reply === undefined ? `-> ${actionsTextOf(f)}` : `=> ${reply}`}`;
		const rest = row.notes.filter(n => n !== reply);
		const note = rest.length > 0 ? `  # ${rest.join('; ')}` : '';
		const line = cut(`${selected ? '›' : ' '}${head} ${body}${note}`, width);
		const isDrop = f.actions.length > 0 && f.actions.every(a => a.type === 'drop');
		const color = selected
			? undefined
			: row.notes.length > 0 && theme.accent !== undefined
				? theme.accent
				: isDrop
					? theme.muted
					: undefined;
		const text = selected ? line.padEnd(width) : line;
		const last = groups.at(-1);
		if (last !== undefined && !selected && !last.selected && last.color === color)
			last.lines.push(text);
		else groups.push({selected, color, lines: [text]});
	}
	return groups;
}
