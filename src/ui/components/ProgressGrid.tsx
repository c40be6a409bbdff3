import {Box} from 'ink';
import {T} from './T.js';
import type {ReactNode} from 'react';
import {cellKey, type CollectionState} from '../../state/store.js';
import type {Theme} from '../theme.js';
import {cellMark} from '../theme.js';
import {bytes, pad, seconds} from '../text.js';

/**
 * Nodes × collectors (k9s-style fan-out matrix): each cell shows its state mark; the row ends with
 * the node's state, elapsed time and bytes. Only `height` rows are drawn (with a "+N more" line).
 */
export function ProgressGrid({
	collection,
	theme,
	height,
	width,
	now,
}: {
	readonly collection: CollectionState;
	readonly theme: Theme;
	readonly height: number;
	readonly width: number;
	readonly now: number;
}): ReactNode {
	const cols = collection.collectors;
	const colW = 3;
	const nameW = 14;
	const maxCols = Math.max(1, Math.floor((width - nameW - 30) / colW));
	const shownCols = cols.slice(0, maxCols);
	const nodes = collection.nodes;
	const rowsAvail = Math.max(1, height - 2);
	// Failed and running nodes first: that is what someone watching wants to see.
	const rank = (n: string): number => {
		const s = collection.nodeProgress[n]?.state;
		return s === 'failed' ? 0 : s === 'running' ? 1 : s === 'queued' ? 2 : 3;
	};
	const ordered = nodes.length > rowsAvail ? [...nodes].sort((a, b) => rank(a) - rank(b)) : nodes;
	const shown = ordered.slice(0, nodes.length > rowsAvail ? rowsAvail - 1 : rowsAvail);
	const legend = shownCols.map((c, i) => `${String.fromCharCode(97 + (i % 26))}=${c}`).join(' ');
	return (
		<Box flexDirection="column">
			<T wrap="truncate" dimColor>
				{pad('node', nameW)}{' '}
				{shownCols.map((_, i) => pad(String.fromCharCode(97 + (i % 26)), colW - 1)).join(' ')} state
				took bytes
			</T>
			{shown.map(node => {
				const p = collection.nodeProgress[node];
				let total = 0;
				const cells = shownCols.map(c => {
					const cell = collection.cells[cellKey(node, c)];
					total += cell?.bytes ?? 0;
					const state = cell?.state ?? 'queued';
					return (
						<T key={c} color={theme.cell[state]}>
							{pad(cellMark[state], colW - 1)}{' '}
						</T>
					);
				});
				const took =
					p?.durationMs ??
					(p?.startedAt === undefined ? undefined : Math.max(0, now - p.startedAt));
				const state = p?.state ?? 'queued';
				return (
					<T key={node} wrap="truncate">
						{pad(node, nameW)} {cells}
						<T
							color={state === 'failed' ? theme.bad : state === 'done' ? theme.ok : theme.accent}
							bold={state === 'failed'}
						>
							{pad(state === 'failed' ? `✗ ${p?.failure?.kind ?? 'failed'}` : state, 13)}
						</T>
						{pad(took === undefined ? '' : seconds(took), 6)} {bytes(total)}
					</T>
				);
			})}
			{nodes.length > shown.length ? (
				<T dimColor>+{nodes.length - shown.length} more node(s) (done ones hidden first)</T>
			) : null}
			<T wrap="truncate" dimColor>
				{legend} · {cellMark.done} done {cellMark.running} running {cellMark.queued} queued{' '}
				{cellMark.timeout} timeout {cellMark.failed} failed
			</T>
		</Box>
	);
}
