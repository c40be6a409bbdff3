import {Box} from 'ink';
import {useEffect, useMemo, type ReactNode} from 'react';
import {T} from '../components/T.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {useList} from '../hooks/use-list.js';
import {useClipboard} from '../hooks/use-clipboard.js';
import {readableExcerpt, shortNs, trunc, wrap} from '../text.js';
import type {Theme} from '../theme.js';
import {selectFindings, selectTop, viewTitle} from '../../state/selectors.js';
import {pathViewData, type PathViewData} from '../../state/path-view.js';
import type {AppState, ViewRef} from '../../state/store.js';
import type {PathHop, PathProof} from '../../diagnostics/path.js';
import type {Evidence} from '../../diagnostics/types.js';

/** Hop status as text: the meaning survives NO_COLOR. */
export const HOP_MARK: Readonly<Record<PathHop['status'], string>> = {
	ok: 'ok',
	drift: '! DRIFT',
	break: '✗ BREAK',
	unread: '? UNREAD',
};

const VERDICT_MARK: Readonly<Record<PathProof['verdict'], string>> = {
	holder: '✓ ENDS ON THE HOLDER',
	drift: '! ENDS ON THE HOLDER, WITH DRIFT',
	'black-hole': '✗ BLACK HOLE',
	incomplete: '? INCOMPLETE',
};

export const CONTRADICTS = '✗ contradicts the holder';

type Line = {
	readonly id: string;
	readonly text: string;
	readonly evidence?: Evidence;
	readonly hop?: number;
	readonly color?: string | undefined;
	readonly bold?: boolean;
	readonly dim?: boolean;
};

const hopColour = (status: PathHop['status'], theme: Theme): string | undefined =>
	status === 'break'
		? theme.bad
		: status === 'drift'
			? theme.warn
			: status === 'unread'
				? theme.muted
				: theme.ok;

/** A command wider than the screen: broken at spaces with ` \` so it pastes as one command. */
export function commandLines(command: string, width: number): string[] {
	if (command.length <= width) return [command];
	const out: string[] = [];
	let line = '';
	for (const word of command.split(' ')) {
		if (line !== '' && line.length + 1 + word.length + 2 > width) {
			out.push(`${line} \\`);
			line = `  ${word}`;
		} else line = line === '' ? word : `${line} ${word}`;
	}
	if (line !== '') out.push(line);
	return out;
}

/**
 * The hops, one title row each (status marked), the detail wrapped, the evidence lines under it.
 * `compact` (a short terminal): a hop that is fine is its title row only, so the one that breaks
 * is on the first screen.
 */
export function hopLines(proof: PathProof, width: number, theme: Theme, compact = false): Line[] {
	const out: Line[] = [];
	const w = Math.max(20, width - 8);
	proof.hops.forEach((hop, i) => {
		const flag = hop.contradictsHolder === true ? `  ${CONTRADICTS}` : '';
		out.push({
			id: `hop:${i}`,
			text: ` ${String(i + 1).padStart(2)} ${HOP_MARK[hop.status].padEnd(8)} ${shortNames(hop.title)}${flag}`,
			hop: i,
			color: hopColour(hop.status, theme),
			bold: hop.status !== 'ok',
			...(hop.evidence[0] === undefined ? {} : {evidence: hop.evidence[0]}),
		});
		if (compact && hop.status === 'ok' && hop.contradictsHolder !== true) return;
		const detail = hop.status === 'ok' ? wrap(hop.detail, w).slice(0, 2) : wrap(hop.detail, w);
		detail.forEach((l, k) => {
			out.push({id: `hop:${i}:d:${k}`, text: `      ${l}`, hop: i});
		});
		if (hop.status === 'unread' && hop.command !== undefined)
			out.push({
				id: `hop:${i}:cmd`,
				text: `      to read it, on ${hop.command.node}: ${hop.command.command}`,
				hop: i,
				dim: true,
			});
		hop.evidence.forEach((ev, e) => {
			out.push({
				id: `hop:${i}:ev:${e}`,
				text: `      ▸ ${ev.capture} line${ev.lines.length === 1 ? '' : 's'} ${ev.lines.join(',')}`,
				hop: i,
				evidence: ev,
				color: theme.accent,
			});
			const excerpt = ev.excerpt.split('\n');
			excerpt.slice(0, hop.status === 'ok' ? 2 : 6).forEach((x, k) => {
				out.push({
					id: `hop:${i}:ev:${e}:${k}`,
					text: `        │ ${readableExcerpt(x)}`,
					hop: i,
					evidence: ev,
					dim: hop.status === 'ok',
				});
			});
		});
	});
	return out;
}

/** The summary above the hops: verdict, where it breaks, the old master, the holder, the client. */
function summaryLines(
	data: PathViewData,
	proof: PathProof,
	theme: Theme,
	compact: boolean,
): Line[] {
	const first = proof.hops.findIndex(h => h.status === 'break' || h.contradictsHolder === true);
	const breaking = first < 0 ? undefined : proof.hops[first];
	const colour =
		proof.verdict === 'holder' ? theme.ok : proof.verdict === 'drift' ? theme.warn : theme.bad;
	const out: Line[] = [
		{
			id: 'verdict',
			text: `${VERDICT_MARK[proof.verdict]}  ${proof.from.ip} → ${proof.to}${breaking === undefined ? '' : ` · breaks at hop ${first + 1} of ${proof.hops.length}`}${proof.l2 ? ' · same subnet (L2 path)' : ''}`,
			color: colour,
			bold: true,
		},
	];
	if (breaking !== undefined)
		out.push({
			id: 'break',
			text: `  breaks at: ${shortNames(breaking.title)}`,
			color: theme.bad,
			bold: true,
		});
	const landing = proof.landing;
	const holderMac = proof.holder.known ? proof.holder.mac : undefined;
	if (landing !== undefined && landing.mac !== undefined && holderMac !== landing.mac)
		out.push({
			id: 'old',
			text: `  old master: ${landing.label} on ${landing.node}: the frames go there`,
			color: theme.bad,
		});
	out.push({
		id: 'holder',
		text: proof.holder.known
			? `  holder:     ${proof.holder.label} (${proof.holder.mac})`
			: `  holder:     UNKNOWN — ${proof.holder.reason}`,
		color: proof.holder.known ? theme.ok : theme.warn,
	});
	out.push({
		id: 'from',
		text: `  from:       ${proof.from.label} (${proof.from.tap} on ${proof.from.node})`,
	});
	if (proof.requests.length > 0)
		out.push({
			id: 'requests',
			text: `  ${proof.requests.length} hop read(s) missing: the command below names them (read-only)`,
			color: theme.warn,
		});
	if (data.finding !== undefined && !compact)
		out.push({id: 'finding', text: `  proves: ${data.finding.title}`, dim: true});
	return out;
}

/** `qrouter-<uuid>` → `qrouter-<8>…`, so a hop's title fits 80 columns. */
const shortNames = (title: string): string =>
	title.replace(/\b(qrouter|snat|fip)-[0-9a-f-]{36}/g, m => shortNs(m));

/**
 * The packet-path proof of a VIP (issue 22): the verdict and the hop that contradicts the holder
 * (colour and a text mark), the old master and the holder, the `dvrscope trace` command that
 * re-runs it (y copies it), then the hops with their evidence lines (Enter opens the capture at
 * the line). It renders the finding's proof; it runs nothing. Esc goes back.
 */
export function PathScreen({
	vip,
	findingKey,
	height,
	width,
}: {
	readonly vip: string;
	readonly findingKey?: string | undefined;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const copy = useClipboard();
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const source = useAppStore(s => s.source);
	const back = useAppStore(s => {
		const below = s.ui.stack.at(-2);
		return below === undefined ? undefined : viewTitle(below.view);
	});
	const data = useMemo(
		() => pathViewData(snapshot, findings, source, vip, findingKey),
		[snapshot, findings, source, vip, findingKey],
	);
	const proof = data.proof;
	const compact = height < 30;
	const head = useMemo(
		(): Line[] => (proof === undefined ? [] : summaryLines(data, proof, theme, compact)),
		[data, proof, theme, compact],
	);
	const command = commandLines(data.command, width - 2);
	const keysLine = `y copies the command · Enter on ▸ opens the capture · Esc back${back === undefined ? '' : ` to ${back}`}`;
	const lines = useMemo(
		(): Line[] => (proof === undefined ? [] : hopLines(proof, width, theme, compact)),
		[proof, width, theme, compact],
	);
	const fixed = head.length + command.length + 2;
	const listHeight = Math.max(3, height - fixed);
	const cursor = useList(lines.length, listHeight, {
		'view.open': () => {
			const ev = lines[cursor]?.evidence;
			if (ev === undefined) {
				api
					.getState()
					.flash('info', 'Evidence lines are marked ▸; Enter on one opens its capture.');
				return;
			}
			if (snapshot?.captures[ev.capture] === undefined) {
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
		'fix.copy': () => {
			copy(data.command, 'the dvrscope trace command', 'trace-command.sh');
		},
	});
	useStartOnBreak(lines, proof);
	if (proof === undefined)
		return (
			<NoProof
				vip={vip}
				missing={data.missing ?? ''}
				command={command}
				keys={keysLine.replace(' · Enter on ▸ opens the capture', '')}
				width={width}
			/>
		);
	return (
		<Box flexDirection="column">
			{head.map(l => (
				<T
					key={l.id}
					wrap="truncate"
					bold={l.bold === true}
					dimColor={l.dim === true}
					color={l.color}
				>
					{l.text}
				</T>
			))}
			{command.map((l, i) => (
				<T key={`c${i}`} bold color={theme.accent} wrap="truncate">
					{`  ${l}`}
				</T>
			))}
			<T dimColor wrap="truncate">
				{`  ${keysLine}`}
			</T>
			<T bold wrap="truncate">{`Hops (${proof.hops.length})`}</T>
			<ListView
				rows={lines.map((l): ListRow => ({
					key: l.id,
					text: l.text,
					color: l.color,
					bold: l.bold === true,
					dim: l.dim === true,
				}))}
				cursor={cursor}
				height={listHeight}
				width={width}
			/>
		</Box>
	);
}

/** No proof in the data: why, and the command that would produce it. */
function NoProof(props: {
	readonly vip: string;
	readonly missing: string;
	readonly command: readonly string[];
	readonly keys: string;
	readonly width: number;
}): ReactNode {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<T bold color={theme.warn}>
				{trunc(`? NO PATH PROOF for ${props.vip}`, props.width)}
			</T>
			{wrap(props.missing, props.width - 2).map((l, i) => (
				<T key={`m${i}`}>{`  ${l}`}</T>
			))}
			{props.command.map((l, i) => (
				<T key={`c${i}`} bold color={theme.accent} wrap="truncate">
					{`  ${l}`}
				</T>
			))}
			<T dimColor wrap="truncate">
				{`  ${props.keys}`}
			</T>
		</Box>
	);
}

/** Opened at the top: the cursor starts on the hop that breaks (the reason to open the view). */
function useStartOnBreak(lines: readonly Line[], proof: PathProof | undefined): void {
	const api = useAppStoreApi();
	const initialCursor = useAppStore(s => selectTop(s).cursor);
	useEffect(() => {
		if (initialCursor !== 0 || proof === undefined) return;
		const at = proof.hops.findIndex(h => h.status !== 'ok' || h.contradictsHolder === true);
		if (at < 0) return;
		const row = lines.findIndex(l => l.id === `hop:${at}`);
		if (row > 0) api.getState().setCursor(row);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [proof]);
}

/** `t`: open the Path view, or say why there is none (the finding is about no one VIP). */
export function openPathView(state: AppState, ref: ViewRef | undefined): void {
	if (ref !== undefined) state.pushView(ref);
	else state.flash('info', 'This finding is not about one VIP: no packet path to prove.');
}
