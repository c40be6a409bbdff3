import {Box, Text} from 'ink';
import type {ReactNode} from 'react';
import {useWindowStart} from '../hooks/use-window.js';
import {pad, trunc} from '../text.js';

export type ListRow = {
	readonly key: string;
	readonly text: string;
	readonly color?: string | undefined;
	readonly bold?: boolean;
	/** Rows that cannot be selected (group headers) are skipped by nothing; they just render dim. */
	readonly dim?: boolean;
};

export type ListViewProps = {
	readonly rows: readonly ListRow[];
	readonly cursor: number;
	readonly height: number;
	readonly width: number;
	/** Shown when there are no rows. */
	readonly empty?: ReactNode;
};

/**
 * A windowed list: renders only the rows that fit (ink-ui visibleOptionCount), so 200,000 rows
 * cost the same as 20. The selected row is inverse (visible without colour too) and prefixed ›.
 */
export function ListView({rows, cursor, height, width, empty}: ListViewProps): ReactNode {
	const start = useWindowStart(cursor, height, rows.length);
	if (rows.length === 0)
		return <Box height={height}>{empty ?? <Text dimColor>(nothing to show)</Text>}</Box>;
	const visible = rows.slice(start, start + height);
	return (
		<Box flexDirection="column" height={height}>
			{visible.map((row, i) => {
				const selected = start + i === cursor;
				// Cut at the edge with `…` (never wrapped: one row per row); the selection fills the row.
				const line = `${selected ? '›' : ' '}${row.text}`;
				const text = selected ? pad(line, width) : trunc(line, width);
				return (
					<Text
						key={row.key}
						wrap="truncate"
						inverse={selected}
						bold={row.bold === true || selected}
						dimColor={row.dim === true && !selected}
						{...(row.color === undefined ? {} : {color: row.color})}
					>
						{text}
					</Text>
				);
			})}
		</Box>
	);
}
