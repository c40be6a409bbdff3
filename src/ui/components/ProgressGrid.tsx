import {Box} from 'ink';
import {T} from './T.js';
import type {ReactNode} from 'react';
import type {CollectionState} from '../../state/store.js';
import {progressRows, type GridRow} from '../../state/selectors.js';
import type {Theme} from '../theme.js';
import {cellMark} from '../theme.js';
import {bytes, pad, seconds} from '../text.js';

/** A finished row's cell for a collector that never ran on it. */
const NOT_RUN = '–';

/** The grid's inputs: the collection, and `now` for elapsed times (ticks while collecting). */
export type ProgressGridProps = {
	readonly collection: CollectionState;
	readonly theme: Theme;
	readonly height: number;
	readonly width: number;
	readonly now: number;
};

/**
 * Nodes × collectors (k9s-style fan-out matrix): each cell shows its state mark; the row ends with
 * the node's state, elapsed time and bytes. A row has cells only for collectors of its scope (the
 * cloud row: API / kube collectors; node rows: node collectors), the others are blank; a finished
 * row shows `–` for a collector that never ran on it. Only `height` rows are drawn (with a
 * "+N more" line).
 */
export function ProgressGrid({
	collection,
	theme,
	height,
	width,
	now,
}: ProgressGridProps): ReactNode {
	const cols = collection.collectors;
	const colW = 3;
	const nameW = 14;
	const maxCols = Math.max(1, Math.floor((width - nameW - 30) / colW));
	const shownCols = cols.slice(0, maxCols);
	const rows = progressRows(collection, shownCols);
	const rowsAvail = Math.max(1, height - 2);
	// Failed and running nodes first: that is what someone watching wants to see.
	const rank = (r: GridRow): number => {
		const s = r.progress.state;
		return s === 'failed' ? 0 : s === 'running' ? 1 : s === 'queued' ? 2 : 3;
	};
	const ordered = rows.length > rowsAvail ? [...rows].sort((a, b) => rank(a) - rank(b)) : rows;
	const shown = ordered.slice(0, rows.length > rowsAvail ? rowsAvail - 1 : rowsAvail);
	const legend = shownCols.map((c, i) => `${String.fromCharCode(97 + (i % 26))}=${c}`).join(' ');
	return (
		<Box flexDirection="column">
			<T wrap="truncate" dimColor>
				{pad('node', nameW)}{' '}
				{shownCols.map((_, i) => pad(String.fromCharCode(97 + (i % 26)), colW - 1)).join(' ')} state
				took bytes
			</T>
			{shown.map(({row, progress: p, cells: gridCells, bytes: total}) => {
				const cells = gridCells.map((cell, i) => {
					const key = shownCols[i] ?? String(i);
					if (typeof cell === 'string')
						return (
							<T key={key} dimColor>
								{pad(cell === 'n/a' ? '' : NOT_RUN, colW - 1)}{' '}
							</T>
						);
					return (
						<T key={key} color={theme.cell[cell.state]}>
							{pad(cellMark[cell.state], colW - 1)}{' '}
						</T>
					);
				});
				const took =
					p.durationMs ?? (p.startedAt === undefined ? undefined : Math.max(0, now - p.startedAt));
				const state = p.state;
				return (
					<T key={row} wrap="truncate">
						{pad(row, nameW)} {cells}
						<T
							color={state === 'failed' ? theme.bad : state === 'done' ? theme.ok : theme.accent}
							bold={state === 'failed'}
						>
							{pad(state === 'failed' ? `✗ ${p.failure?.kind ?? 'failed'}` : state, 13)}
						</T>
						{pad(took === undefined ? '' : seconds(took), 6)} {bytes(total)}
					</T>
				);
			})}
			{rows.length > shown.length ? (
				<T dimColor>+{rows.length - shown.length} more node(s) (done ones hidden first)</T>
			) : null}
			<T wrap="truncate" dimColor>
				{legend} · {cellMark.done} done {cellMark.running} running {cellMark.queued} queued{' '}
				{cellMark.timeout} timeout {cellMark.failed} failed {NOT_RUN} not run there (blank: not that
				row's kind of collector)
			</T>
		</Box>
	);
}
