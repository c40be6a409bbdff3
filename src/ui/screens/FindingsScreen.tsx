import {Box, Text} from 'ink';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {groupFindings, selectFindings, selectTop} from '../../state/selectors.js';
import {pathViewRef} from '../../state/path-view.js';
import {openPathView} from './PathScreen.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {severityMark} from '../theme.js';
import {textFilter} from '../text.js';

/** Findings by severity, grouped by VIP; Enter opens the detail, v the VIP table. */
export function FindingsScreen({
	height,
	width,
}: {
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const findings = useAppStore(selectFindings);
	const filter = useAppStore(s => selectTop(s).filter);
	const hasDiagnosis = useAppStore(s => s.diagnosis !== undefined);
	const rows = useMemo(() => {
		const match = textFilter(filter);
		const grouped = groupFindings(
			findings.filter(f =>
				match(
					`${f.severity} ${f.ruleId} ${f.title} ${f.message} ${f.vip ?? ''} ${f.nodes.join(' ')}`,
				),
			),
		);
		return grouped;
	}, [findings, filter]);
	const listRows: ListRow[] = rows.map((row, i) =>
		row.type === 'group'
			? {
					key: `g${i}`,
					text: `${severityMark[row.severity]} ── VIP ${row.vip} (${row.count})`,
					color: theme.severity[row.severity],
					bold: true,
				}
			: {
					key: `f${i}`,
					text: `   ${row.finding.title}: ${row.finding.message}`,
					color: theme.severity[row.finding.severity],
				},
	);
	const open = (): void => {
		const row = rows[cursor];
		if (row === undefined) return;
		if (row.type === 'finding') api.getState().pushView({kind: 'finding', key: row.key});
		else if (row.vip !== 'not VIP-specific') api.getState().pushView({kind: 'vip', vip: row.vip});
	};
	const cursor = useList(rows.length, height - 1, {
		'view.open': open,
		'view.vip': () => {
			const row = rows[cursor];
			const vip = row?.type === 'finding' ? row.finding.vip : row?.vip;
			if (vip !== undefined && vip !== 'not VIP-specific')
				api.getState().pushView({kind: 'vip', vip});
			else api.getState().flash('info', 'This finding is not about one VIP.');
		},
		'view.path': () => {
			const row = rows[cursor];
			const ref =
				row?.type === 'finding'
					? pathViewRef(undefined, row.finding)
					: row?.vip === 'not VIP-specific'
						? undefined
						: pathViewRef(row?.vip);
			openPathView(api.getState(), ref);
		},
		'fix.jump': () => {
			const row = rows[cursor];
			if (row?.type === 'finding')
				api.getState().pushView({kind: 'finding', key: row.key, focus: 'fix'});
		},
	});
	return (
		<Box flexDirection="column">
			<Text dimColor wrap="truncate">
				{findings.length} finding(s)
				{filter === ''
					? ''
					: ` · filter "${filter}": ${rows.filter(r => r.type === 'finding').length} shown`}{' '}
				· Enter detail · v VIP table
			</Text>
			<ListView
				rows={listRows}
				cursor={cursor}
				height={height - 1}
				width={width}
				empty={
					<Text>
						{hasDiagnosis
							? findings.length === 0
								? 'No findings: every rule passed or was skipped (see the overview).'
								: 'No finding matches the filter.'
							: 'No diagnosis yet (collection or loading still running).'}
					</Text>
				}
			/>
		</Box>
	);
}
