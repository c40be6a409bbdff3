import {Box} from 'ink';
import {T} from '../components/T.js';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {exampleVip, selectTop} from '../../state/selectors.js';
import {filterFlowsIncremental} from '../../state/flow-query.js';
import {
	actionsTextOf,
	getFlowIndex,
	hasFlowIndex,
	matchText,
	rowOf,
	tableLabel,
	type FlowRow,
} from '../../state/flow-index.js';
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
	// While the console indexes these flows in idle time, say how far it has got instead of
	// finishing the index now (keys keep working; the screen fills in when it is done).
	const indexing = useAppStore(s =>
		s.flowIndexing !== undefined && s.flowIndexing.snapshot === snapshot
			? s.flowIndexing
			: undefined,
	);
	const ready = snapshot !== undefined && (indexing === undefined || hasFlowIndex(snapshot));
	const index = useMemo(
		() => (snapshot === undefined || !ready ? undefined : getFlowIndex(snapshot)),
		[snapshot, ready],
	);
	const text =
		node === undefined
			? filter
			: filter.trim() === ''
				? `node=${node}`
				: `node=${node} && (${filter})`;
	const result = useMemo(
		() => (index === undefined ? undefined : filterFlowsIncremental(index, text)),
		[index, text],
	);
	const count = result?.ids.length ?? 0;
	const bodyHeight = Math.max(1, height - 4);
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
		if (index === undefined || result === undefined) return undefined;
		const id = result.ids[i];
		return id === undefined ? undefined : rowOf(index, id);
	};
	const start = useWindowStart(cursor, bodyHeight, count);
	const nodeW = useMemo(
		() => Math.min(14, Math.max(4, ...Object.keys(snapshot?.nodes ?? {}).map(n => n.length))),
		[snapshot],
	);
	if (index === undefined)
		return indexing === undefined ? (
			<T>No data loaded yet.</T>
		) : (
			<T>
				Indexing {indexing.total.toLocaleString('en-US')} flows for the filter…{' '}
				{indexing.total === 0 ? '' : `${Math.floor((100 * indexing.rows) / indexing.total)}%`} (keys
				work meanwhile; Esc goes back)
			</T>
		);
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
			<T wrap="truncate">
				<T bold>{count.toLocaleString('en-US')}</T>
				<T> / {index.size.toLocaleString('en-US')} flows</T>
				{node === undefined ? '' : ` on ${node}`}
				{filter === '' ? (
					<T dimColor> · / to filter: arp && arp_tpa={vip} · table=22 · actions~=drop · ! ||</T>
				) : (
					<T> · filter: {filter}</T>
				)}
				{result?.error === undefined ? '' : <T color={theme.warn}> · incomplete: {result.error}</T>}
			</T>
			<Box flexDirection="column" height={bodyHeight}>
				{count === 0 ? (
					<T>
						No flow matches{filter === '' ? ' (no flow dumps in this capture set)' : ` "${filter}"`}
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
