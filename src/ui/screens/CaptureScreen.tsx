import {Box, Text} from 'ink';
import {useEffect, useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {selectTop} from '../../state/selectors.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {seconds, textFilter} from '../text.js';
import type {CaptureId} from '../../model/ids.js';

/** The text of one capture, with the evidence lines highlighted and the cursor on the first. */
export function CaptureScreen({
	captureId,
	line,
	lines: marked,
	height,
	width,
}: {
	readonly captureId: CaptureId;
	readonly line?: number;
	readonly lines?: readonly number[];
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const capture = useAppStore(s => s.snapshot?.captures[captureId]);
	const filter = useAppStore(s => selectTop(s).filter);
	const all = useMemo(() => (capture?.stdout ?? '').split('\n'), [capture]);
	const visible = useMemo(() => {
		const match = textFilter(filter);
		const out: number[] = [];
		for (let i = 0; i < all.length; i++)
			if (match(all[i] ?? '') || (marked ?? []).includes(i + 1)) out.push(i);
		return out;
	}, [all, filter, marked]);
	const markedSet = useMemo(
		() => new Set(marked ?? (line === undefined ? [] : [line])),
		[marked, line],
	);
	const bodyHeight = height - 2;
	const cursor = useList(visible.length, bodyHeight);
	useEffect(() => {
		if (line === undefined) return;
		const at = visible.indexOf(line - 1);
		if (at >= 0) api.getState().setCursor(at);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [captureId, line, filter]);
	if (capture === undefined) return <Text>Capture {captureId} is not loaded. Esc goes back.</Text>;
	const gutter = String(all.length).length;
	const rows: ListRow[] = visible.map(i => {
		const isMarked = markedSet.has(i + 1);
		return {
			key: String(i),
			text: `${isMarked ? '▶' : ' '}${String(i + 1).padStart(gutter)} ${all[i] ?? ''}`,
			...(isMarked ? {color: theme.highlight, bold: true} : {}),
		};
	});
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
				{captureId} · {status} · {seconds(capture.durationMs)} · {all.length} lines
				{capture.truncated === true ? ' · TRUNCATED at the size cap' : ''}
				{marked !== undefined && marked.length > 0 ? ` · evidence ▶ line ${marked.join(',')}` : ''}
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
