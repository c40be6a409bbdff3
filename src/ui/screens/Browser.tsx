import {Box, Text} from 'ink';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi} from '../context.js';
import {selectTop} from '../../state/selectors.js';
import type {ViewRef} from '../../state/store.js';
import {useList} from '../hooks/use-list.js';
import {ListView} from '../components/ListView.js';
import {textFilter} from '../text.js';

export type BrowserRow = {
	readonly key: string;
	readonly text: string;
	readonly color?: string | undefined;
	readonly bold?: boolean;
	/** What Enter opens (usually the capture line the row came from). */
	readonly open?: ViewRef;
	/** Extra text the `/` filter searches. */
	readonly hay?: string;
};

/** A filterable, windowed list with a column header: the shape of every browser screen. */
export function Browser({
	title,
	columns,
	rows,
	height,
	width,
	empty,
}: {
	readonly title: string;
	readonly columns: string;
	readonly rows: readonly BrowserRow[];
	readonly height: number;
	readonly width: number;
	readonly empty: string;
}): ReactNode {
	const api = useAppStoreApi();
	const filter = useAppStore(s => selectTop(s).filter);
	const shown = useMemo(() => {
		const match = textFilter(filter);
		return rows.filter(r => match(`${r.text} ${r.hay ?? ''}`));
	}, [rows, filter]);
	const bodyHeight = height - 2;
	const cursor = useList(shown.length, bodyHeight, {
		'view.open': () => {
			const row = shown[cursor];
			if (row?.open !== undefined) api.getState().pushView(row.open);
			else api.getState().flash('info', 'Nothing to open on this row.');
		},
	});
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold>{title}</Text>
				<Text dimColor>
					{' '}
					· {shown.length}/{rows.length}
					{filter === '' ? ' · / filter (!x excludes)' : ` · filter "${filter}"`}
				</Text>
			</Text>
			<Text wrap="truncate" bold dimColor>
				{' '}
				{columns}
			</Text>
			<ListView
				rows={shown.map(r => ({key: r.key, text: r.text, color: r.color, bold: r.bold === true}))}
				cursor={cursor}
				height={bodyHeight}
				width={width}
				empty={<Text>{rows.length === 0 ? empty : 'Nothing matches the filter.'}</Text>}
			/>
		</Box>
	);
}
