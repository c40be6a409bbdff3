import {Box, Text} from 'ink';
import {useEffect, useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {selectTop} from '../../state/selectors.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {compact, seconds, textFilter} from '../text.js';
import type {CaptureId} from '../../model/ids.js';

type DisplayRow = {
	readonly src: number;
	readonly text: string;
	readonly marked: boolean;
	readonly first: boolean;
};

/** Pieces of an evidence excerpt long enough to recognise (excerpts of long lines carry `…`). */
const fragments = (excerpt: string | undefined): string[] =>
	(excerpt ?? '')
		.split(/…|\n/)
		.map(f => f.trim())
		.filter(f => f.length >= 12);

/**
 * Source lines → display rows. A long one-line JSON array (`ip -j …`, `openstack … -f json`) is
 * shown one element per row, and only the elements the evidence quotes are marked: the evidence
 * must be visible at 80 columns, not cut off at the right edge. Other long lines wrap.
 */
export function displayRows(
	lines: readonly string[],
	marked: ReadonlySet<number>,
	excerpt: string | undefined,
	width: number,
): DisplayRow[] {
	const rows: DisplayRow[] = [];
	const frags = fragments(excerpt);
	for (let i = 0; i < lines.length; i++) {
		const text = lines[i] ?? '';
		const src = i + 1;
		const isMarked = marked.has(src);
		if (text.length > width && /^\s*\[/.test(text)) {
			let items: unknown;
			try {
				items = JSON.parse(text);
			} catch {
				items = undefined;
			}
			if (Array.isArray(items)) {
				const parts = items.map(item => JSON.stringify(item));
				const quoted = parts.map(p => frags.some(f => p.includes(f) || f.includes(p)));
				const anyQuoted = quoted.some(Boolean);
				parts.forEach((p, k) => {
					const item: unknown = (items as unknown[])[k];
					rows.push({
						src,
						text: compact(item) ?? p,
						marked: isMarked && (!anyQuoted || quoted[k] === true),
						first: k === 0,
					});
				});
				continue;
			}
		}
		if (text.length <= width) {
			rows.push({src, text, marked: isMarked, first: true});
			continue;
		}
		for (let at = 0; at < text.length; at += width)
			rows.push({src, text: text.slice(at, at + width), marked: isMarked, first: at === 0});
	}
	return rows;
}

/** The text of one capture, with the evidence highlighted and the cursor on it. */
export function CaptureScreen({
	captureId,
	line,
	lines: marked,
	excerpt,
	height,
	width,
}: {
	readonly captureId: CaptureId;
	readonly line?: number;
	readonly lines?: readonly number[];
	readonly excerpt?: string;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const capture = useAppStore(s => s.snapshot?.captures[captureId]);
	const filter = useAppStore(s => selectTop(s).filter);
	const all = useMemo(() => (capture?.stdout ?? '').split('\n'), [capture]);
	const markedSet = useMemo(
		() => new Set(marked ?? (line === undefined ? [] : [line])),
		[marked, line],
	);
	const gutter = String(all.length).length;
	const textWidth = Math.max(20, width - gutter - 3);
	const display = useMemo(
		() => displayRows(all, markedSet, excerpt, textWidth),
		[all, markedSet, excerpt, textWidth],
	);
	const visible = useMemo(() => {
		const match = textFilter(filter);
		return display.filter(r => r.marked || match(r.text));
	}, [display, filter]);
	const bodyHeight = height - 2;
	const cursor = useList(visible.length, bodyHeight);
	useEffect(() => {
		if (line === undefined) return;
		const at = visible.findIndex(r => r.marked);
		if (at >= 0) api.getState().setCursor(at);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [captureId, line, filter]);
	if (capture === undefined) return <Text>Capture {captureId} is not loaded. Esc goes back.</Text>;
	const rows: ListRow[] = visible.map((r, k) => ({
		key: String(k),
		text: `${r.marked ? '▶' : ' '}${(r.first ? String(r.src) : '').padStart(gutter)} ${r.text}`,
		...(r.marked ? {color: theme.highlight, bold: true} : {}),
	}));
	const status =
		capture.failure !== undefined
			? `FAILED ${capture.failure.kind}: ${capture.failure.message}`
			: `exit ${capture.exitCode ?? '?'}`;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate" bold>
				{capture.node ?? 'cloud'} $ {capture.argv.join(' ')}
			</Text>
			<Text wrap="truncate" dimColor>
				{marked !== undefined && marked.length > 0 ? `evidence ▶ line ${marked.join(',')} · ` : ''}
				{status} · {seconds(capture.durationMs)} · {all.length} lines
				{capture.truncated === true ? ' · TRUNCATED at the size cap' : ''} · {captureId}
				{capture.stderr.trim() === ''
					? ''
					: ` · stderr: ${capture.stderr.trim().split('\n')[0] ?? ''}`}
			</Text>
			<ListView
				rows={rows}
				cursor={cursor}
				height={bodyHeight}
				width={width}
				empty={<Text>(empty output)</Text>}
			/>
		</Box>
	);
}
