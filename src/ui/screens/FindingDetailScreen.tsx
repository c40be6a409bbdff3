import {Box, Text} from 'ink';
import {useEffect, useMemo, useRef, useState, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {
	findingKey,
	fixBlocks,
	fixScript,
	selectFindings,
	selectFix,
	selectTop,
	type FixView,
} from '../../state/selectors.js';
import {pathViewRef} from '../../state/path-view.js';
import {openPathView} from './PathScreen.js';
import {useList} from '../hooks/use-list.js';
import {useClipboard} from '../hooks/use-clipboard.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {severityMark, type Theme} from '../theme.js';
import {hwindow, readableExcerpt, wrap} from '../text.js';
import type {Evidence, Finding} from '../../diagnostics/types.js';
import {openEvidence} from '../evidence.js';
import type {AppState} from '../../state/store.js';

type Line = {
	/** Stable across widths: the selection follows it when the terminal is resized. */
	readonly id: string;
	readonly text: string;
	readonly evidence?: Evidence;
	/** A fix command: shown on one row, never wrapped (h/l scroll it). */
	readonly command?: string;
	readonly heading?: boolean;
	readonly dim?: boolean;
	readonly color?: string | undefined;
};

/** Indent of a fix command row (after the selection mark). */
const CMD_INDENT = '    ';
const PATH_WORD: Readonly<Record<NonNullable<Finding['path']>['verdict'], string>> = {
	holder: 'ends on the holder',
	drift: 'ends on the holder, with drift',
	'black-hole': 'BLACK HOLE',
	incomplete: 'INCOMPLETE',
};

export const FIX_HEADING = 'Fix — commands for you to run (dvrscope never runs them)';

function fixLines(fix: FixView, w: number): Line[] {
	const out: Line[] = [];
	if (fix.steps.length === 0 && fix.notes.length === 0) return out;
	out.push({id: 'fix', text: FIX_HEADING, heading: true});
	out.push({
		id: 'fix:keys',
		text: '  y copies the selected command · Y all as a script · h/l scroll a long one',
		dim: true,
	});
	if (fix.basis !== undefined)
		wrap(`basis: ${fix.basis}`, w).forEach((l, i) => {
			out.push({id: `fix:basis:${i}`, text: `  ${l}`, dim: true});
		});
	let n = 0;
	fixBlocks(fix).forEach((block, b) => {
		out.push({id: `fix:on:${b}`, text: `  on ${block.place}:`, heading: true});
		let lastNote: string | undefined;
		for (const step of block.steps) {
			if (step.note !== undefined && step.note !== lastNote)
				wrap(`# ${step.note}`, w - 2).forEach((l, i) => {
					out.push({id: `fix:note:${n}:${i}`, text: `    ${l}`, dim: true});
				});
			lastNote = step.note;
			out.push({id: `fix:cmd:${n}`, text: '', command: step.command});
			n++;
		}
	});
	fix.notes.forEach((note, k) => {
		wrap(`# ${note}`, w).forEach((l, i) => {
			out.push({id: `fix:tail:${k}:${i}`, text: `  ${l}`, dim: true});
		});
	});
	return out;
}

function detailLines(
	finding: Finding,
	fix: FixView,
	captures: Readonly<Record<string, {readonly argv: readonly string[]}>> | undefined,
	doc: {explanation: string; remediation: string; references?: readonly string[]} | undefined,
	width: number,
	theme: Theme,
): Line[] {
	const w = width - 4;
	const out: Line[] = [];
	const para = (id: string, text: string, indent = '  '): void => {
		wrap(text, w).forEach((l, i) => {
			out.push({id: `${id}:${i}`, text: `${indent}${l}`});
		});
	};
	const blank = (id: string): void => {
		out.push({id: `blank:${id}`, text: ''});
	};
	out.push({
		id: 'title',
		text: `${severityMark[finding.severity]} ${finding.title}  [${finding.ruleId}]`,
		heading: true,
		color: theme.severity[finding.severity],
	});
	para('message', finding.message);
	const where = [
		finding.vip === undefined ? undefined : `VIP ${finding.vip}`,
		finding.router === undefined ? undefined : `router ${finding.router}`,
		finding.nodes.length === 0 ? undefined : `nodes ${finding.nodes.join(', ')}`,
	].filter(x => x !== undefined);
	if (where.length > 0) para('where', where.join(' · '));
	if (fix.steps.length > 0)
		out.push({
			id: 'fixhint',
			text: `  f jumps to the Fix (${fix.steps.length} command(s))`,
			dim: true,
		});
	if (finding.path !== undefined)
		out.push({
			id: 'pathhint',
			text: `  t opens the packet-path proof: ${PATH_WORD[finding.path.verdict]}, ${finding.path.hops.length} hops`,
			dim: true,
		});
	blank('ev');
	out.push({
		id: 'evidence',
		text: `Evidence (${finding.evidence.length}) — Enter opens the capture at the line`,
		heading: true,
	});
	finding.evidence.forEach((ev, k) => {
		const capture = captures?.[ev.capture];
		out.push({
			// What it shows first (it must survive 80 columns); the capture id is on the next screen.
			id: `ev:${k}`,
			text: `  ▸ ${ev.node ?? 'cloud'}: ${ev.note ?? 'evidence'} (line ${ev.lines.join(',')})`,
			evidence: ev,
		});
		if (capture !== undefined)
			out.push({id: `ev:${k}:argv`, text: `     $ ${capture.argv.join(' ')}`, evidence: ev});
		ev.excerpt
			.split('\n')
			.slice(0, 4)
			.forEach((ex, i) => {
				out.push({id: `ev:${k}:x${i}`, text: `     │ ${readableExcerpt(ex)}`, evidence: ev});
			});
	});
	const fixPart = fixLines(fix, w);
	if (fixPart.length > 0) {
		blank('fix');
		out.push(...fixPart);
	}
	if (doc !== undefined) {
		blank('why');
		out.push({id: 'why', text: 'Why', heading: true});
		para('why', doc.explanation);
		blank('todo');
		out.push({id: 'todo', text: 'What to do', heading: true});
		para('todo', doc.remediation);
		if (doc.references !== undefined && doc.references.length > 0) {
			blank('refs');
			out.push({id: 'refs', text: 'References', heading: true});
			doc.references.forEach((ref, i) => {
				out.push({id: `ref:${i}`, text: `  ${ref}`});
			});
		}
	}
	return out;
}

/**
 * One finding: what, where, evidence lines (Enter jumps into the capture they came from), the
 * Fix (commands one per row under the node they run on; y/Y copy them), then explanation and
 * references. The cursor starts on the first evidence line; `f` jumps to the Fix.
 */
export function FindingDetailScreen({
	findingId,
	focusFix = false,
	height,
	width,
}: {
	readonly findingId: string;
	/** Opened with `f` from a list: start on the first fix command. */
	readonly focusFix?: boolean;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const copy = useClipboard();
	const findings = useAppStore(selectFindings);
	const docs = useAppStore(s => s.diagnosis?.docs);
	const captures = useAppStore(s => s.snapshot?.captures);
	const finding = findings.find(f => findingKey(f) === findingId);
	const fix = useMemo(
		(): FixView => (finding === undefined ? {steps: [], notes: []} : selectFix(finding)),
		[finding],
	);
	const [scroll, setScroll] = useState(0);
	const lines = useMemo(
		(): Line[] =>
			finding === undefined
				? []
				: detailLines(finding, fix, captures, docs?.[finding.ruleId], width, theme),
		[finding, fix, docs, captures, width, theme],
	);
	const firstEvidence = lines.findIndex(l => l.evidence !== undefined);
	const firstCommand = lines.findIndex(l => l.command !== undefined);
	const commandWidth = width - 1 - CMD_INDENT.length;
	const longest = Math.max(0, ...lines.map(l => l.command?.length ?? 0));
	const jumpToFix = (): void => {
		if (firstCommand < 0) {
			api.getState().flash('info', 'This finding has no commands to run.');
			return;
		}
		api.getState().setCursor(firstCommand);
	};
	const cursor = useList(lines.length, height, {
		'view.open': () => {
			openLine(api.getState(), lines[cursor], firstEvidence, captures);
		},
		'view.vip': () => {
			if (finding?.vip !== undefined) api.getState().pushView({kind: 'vip', vip: finding.vip});
			else api.getState().flash('info', 'This finding is not about one VIP.');
		},
		'view.path': () => {
			const ref = finding === undefined ? undefined : pathViewRef(undefined, finding);
			openPathView(api.getState(), ref);
		},
		'fix.jump': jumpToFix,
		'fix.copy': () => {
			const command = lines[cursor]?.command;
			if (command === undefined) {
				jumpToFix();
				if (firstCommand >= 0)
					api
						.getState()
						.flash('info', 'Cursor is now on the first fix command; y copies the selected one.');
				return;
			}
			copy(command, 'the command', 'fix-command.sh');
		},
		'fix.copyAll': () => {
			if (finding === undefined || fix.steps.length === 0) {
				api.getState().flash('info', 'This finding has no commands to run.');
				return;
			}
			const title = `${finding.ruleId}${finding.vip === undefined ? '' : ` VIP ${finding.vip}`}`;
			copy(fixScript(fix, title), `${fix.steps.length} command(s) as a script`, 'fix-script.sh');
		},
		'fix.scrollLeft': () => {
			setScroll(x => Math.max(0, x - Math.max(8, Math.floor(commandWidth / 2))));
		},
		'fix.scrollRight': () => {
			setScroll(x =>
				Math.min(
					Math.max(0, longest - commandWidth + 1),
					x + Math.max(8, Math.floor(commandWidth / 2)),
				),
			);
		},
	});
	useStartCursor(focusFix, firstEvidence, firstCommand);
	useCursorFollowsLines(lines, cursor);
	if (finding === undefined)
		return (
			<Text>
				This finding is no longer in the diagnosis (it changed after a re-collect). Esc goes back.
			</Text>
		);
	const rows: ListRow[] = lines.map(l => ({
		key: l.id,
		text:
			l.command === undefined ? l.text : `${CMD_INDENT}${hwindow(l.command, scroll, commandWidth)}`,
		bold: l.heading === true || l.command !== undefined,
		dim: l.dim === true,
		color:
			l.color ??
			(l.evidence !== undefined ? theme.accent : l.command !== undefined ? theme.ok : undefined),
	}));
	return (
		<Box flexDirection="column">
			<ListView rows={rows} cursor={cursor} height={height} width={width} />
		</Box>
	);
}

/**
 * Enter on a line: an evidence line opens its capture at the line; on a command or any other
 * line, a hint (and the cursor moves to the first evidence line).
 */
function openLine(
	state: AppState,
	line: Line | undefined,
	firstEvidence: number,
	captures: Readonly<Record<string, unknown>> | undefined,
): void {
	const ev = line?.evidence;
	if (ev === undefined) {
		if (line?.command !== undefined) {
			state.flash('info', 'y copies this command; Y copies all of them as a script.');
			return;
		}
		if (firstEvidence >= 0) state.setCursor(firstEvidence);
		state.flash('info', 'Evidence lines are marked ▸; Enter on one opens its capture.');
		return;
	}
	openEvidence(state, captures, ev);
}

/**
 * Where the cursor starts when the screen opens at the top: on the evidence, the reason someone
 * opens a finding at 3 a.m. (opened with `f`: on the first fix command).
 */
function useStartCursor(focusFix: boolean, firstEvidence: number, firstCommand: number): void {
	const api = useAppStoreApi();
	const initialCursor = useAppStore(s => selectTop(s).cursor);
	useEffect(() => {
		if (initialCursor !== 0) return;
		if (focusFix && firstCommand >= 0) api.getState().setCursor(firstCommand);
		else if (firstEvidence > 0) api.getState().setCursor(firstEvidence);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [firstEvidence]);
}

/** A resize re-wraps the text: keep the cursor on the same line (by id), not the same index. */
function useCursorFollowsLines(lines: readonly Line[], cursor: number): void {
	const api = useAppStoreApi();
	const previous = useRef<{lines: readonly Line[]; cursor: number}>({lines, cursor});
	useEffect(() => {
		const before = previous.current;
		if (before.lines !== lines) {
			const id = before.lines[before.cursor]?.id;
			const base = id?.replace(/:\d+$/, '');
			const same =
				id === undefined
					? -1
					: Math.max(
							lines.findIndex(l => l.id === id),
							-1,
						);
			const next = same >= 0 ? same : lines.findIndex(l => l.id.replace(/:\d+$/, '') === base);
			if (next >= 0 && next !== cursor) api.getState().setCursor(next);
		}
		previous.current = {lines, cursor};
	}, [lines, cursor, api]);
}
