import {Box, Text} from 'ink';
import {useEffect, useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {findingKey, selectFindings, selectTop} from '../../state/selectors.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {severityMark} from '../theme.js';
import {readableExcerpt, wrap} from '../text.js';
import type {Evidence} from '../../diagnostics/types.js';

type Line = {
	readonly text: string;
	readonly evidence?: Evidence;
	readonly heading?: boolean;
	readonly color?: string | undefined;
};

/**
 * One finding: what, where, evidence lines (Enter jumps into the capture they came from), then
 * explanation, remediation and references. The cursor starts on the first evidence line.
 */
export function FindingDetailScreen({
	findingId,
	height,
	width,
}: {
	readonly findingId: string;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const findings = useAppStore(selectFindings);
	const docs = useAppStore(s => s.diagnosis?.docs);
	const captures = useAppStore(s => s.snapshot?.captures);
	const finding = findings.find(f => findingKey(f) === findingId);
	const lines = useMemo((): Line[] => {
		if (finding === undefined) return [];
		const w = width - 4;
		const out: Line[] = [];
		const para = (text: string, indent = '  '): void => {
			for (const l of wrap(text, w)) out.push({text: `${indent}${l}`});
		};
		out.push({
			text: `${severityMark[finding.severity]} ${finding.title}  [${finding.ruleId}]`,
			heading: true,
			color: theme.severity[finding.severity],
		});
		para(finding.message);
		const where = [
			finding.vip === undefined ? undefined : `VIP ${finding.vip}`,
			finding.router === undefined ? undefined : `router ${finding.router}`,
			finding.nodes.length === 0 ? undefined : `nodes ${finding.nodes.join(', ')}`,
		].filter(x => x !== undefined);
		if (where.length > 0) para(where.join(' · '));
		out.push({text: ''});
		out.push({
			text: `Evidence (${finding.evidence.length}) — Enter opens the capture at the line`,
			heading: true,
		});
		for (const ev of finding.evidence) {
			const capture = captures?.[ev.capture];
			const argv = capture === undefined ? '' : ` $ ${capture.argv.join(' ')}`;
			out.push({
				// What it shows first (it must survive 80 columns); the capture id is on the next screen.
				text: `  ▸ ${ev.node ?? 'cloud'}: ${ev.note ?? 'evidence'} (line ${ev.lines.join(',')})`,
				evidence: ev,
			});
			if (argv !== '') out.push({text: `     ${argv.trim()}`, evidence: ev});
			for (const ex of ev.excerpt.split('\n').slice(0, 4))
				out.push({text: `     │ ${readableExcerpt(ex)}`, evidence: ev});
		}
		const doc = docs?.[finding.ruleId];
		if (finding.remediation !== undefined && finding.remediation.length > 0) {
			out.push({text: ''});
			out.push({text: 'Commands for you to run (dvrscope never runs them)', heading: true});
			for (const cmd of finding.remediation)
				for (const l of wrap(cmd, w - 2)) out.push({text: `    ${l}`});
		}
		if (doc !== undefined) {
			out.push({text: ''});
			out.push({text: 'Why', heading: true});
			para(doc.explanation);
			out.push({text: ''});
			out.push({text: 'What to do', heading: true});
			para(doc.remediation);
			if (doc.references !== undefined && doc.references.length > 0) {
				out.push({text: ''});
				out.push({text: 'References', heading: true});
				for (const ref of doc.references) out.push({text: `  ${ref}`});
			}
		}
		return out;
	}, [finding, docs, captures, width, theme]);
	const firstEvidence = lines.findIndex(l => l.evidence !== undefined);
	const cursor = useList(lines.length, height, {
		'view.open': () => {
			const line = lines[cursor];
			const ev = line?.evidence;
			if (ev === undefined) {
				if (firstEvidence >= 0) api.getState().setCursor(firstEvidence);
				api
					.getState()
					.flash('info', 'Evidence lines are marked ▸; Enter on one opens its capture.');
				return;
			}
			if (captures?.[ev.capture] === undefined) {
				api.getState().flash('warning', `Capture ${ev.capture} is not in this capture set.`);
				return;
			}
			api.getState().pushView({
				kind: 'capture',
				capture: ev.capture,
				lines: ev.lines,
				excerpt: ev.excerpt,
				...(ev.lines[0] === undefined ? {} : {line: ev.lines[0]}),
			});
		},
		'view.vip': () => {
			if (finding?.vip !== undefined) api.getState().pushView({kind: 'vip', vip: finding.vip});
			else api.getState().flash('info', 'This finding is not about one VIP.');
		},
	});
	const initialCursor = useAppStore(s => selectTop(s).cursor);
	useEffect(() => {
		// Start on the evidence: the reason someone opens a finding at 3 a.m.
		if (initialCursor === 0 && firstEvidence > 0) api.getState().setCursor(firstEvidence);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [firstEvidence]);
	if (finding === undefined)
		return (
			<Text>
				This finding is no longer in the diagnosis (it changed after a re-collect). Esc goes back.
			</Text>
		);
	const rows: ListRow[] = lines.map((l, i) => ({
		key: String(i),
		text: l.text,
		bold: l.heading === true,
		color: l.color ?? (l.evidence === undefined ? undefined : theme.accent),
	}));
	return (
		<Box flexDirection="column">
			<ListView rows={rows} cursor={cursor} height={height} width={width} />
		</Box>
	);
}
