import {Box} from 'ink';
import {useEffect, useMemo, type ReactNode} from 'react';
import {T} from '../components/T.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {useList} from '../hooks/use-list.js';
import {openEvidence} from '../evidence.js';
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

/**
 * A command as rows of at most `width` columns that paste back as the same command: broken at
 * spaces with ` \` (the next row indented under `margin`), and a word longer than a row (an
 * `ofproto/trace` flow) broken after a comma with `\` and continued at column 0 — a shell joins
 * backslash-newline inside a word, so the row must not start with spaces.
 */
export function commandLines(command: string, width: number, margin = ''): string[] {
	if (margin.length + command.length <= width) return [`${margin}${command}`];
	const out: string[] = [];
	let line = margin;
	let fresh = true;
	const words = command.split(' ');
	words.forEach((word, i) => {
		const last = i === words.length - 1;
		const room = (l: string): number => width - l.length - (last ? 0 : 2);
		if (!fresh && word.length + 1 > room(line)) {
			out.push(`${line} \\`);
			line = `${margin}  `;
			fresh = true;
		}
		let rest = word;
		// too long for any row: cut after a comma (or anywhere) and glue with backslash-newline
		while (line.length + (fresh ? 0 : 1) + rest.length > width - (last ? 0 : 2)) {
			const avail = width - line.length - (fresh ? 0 : 1) - 1;
			if (avail < 8) break;
			const comma = rest.lastIndexOf(',', avail - 1);
			const cut = comma >= avail / 2 ? comma + 1 : avail;
			out.push(`${line}${fresh ? '' : ' '}${rest.slice(0, cut)}\\`);
			rest = rest.slice(cut);
			line = '';
			fresh = true;
		}
		line = fresh ? `${line}${rest}` : `${line} ${rest}`;
		fresh = false;
	});
	if (line.trim() !== '') out.push(line);
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
	// the MACs first: they are what an engineer compares, and must not be cut at 80 columns
	const landing = proof.landing;
	const holderMac = proof.holder.known ? proof.holder.mac : undefined;
	if (landing !== undefined && landing.mac !== undefined && holderMac !== landing.mac)
		out.push({
			id: 'old',
			text: `  old master: ${landing.mac} — ${landing.label.replace(`, ${landing.mac}`, '')} on ${landing.node}: the frames go there`,
			color: theme.bad,
		});
	out.push({
		id: 'holder',
		text: proof.holder.known
			? `  holder:     ${proof.holder.mac} — ${proof.holder.label}`
			: `  holder:     UNKNOWN — ${proof.holder.reason}`,
		color: proof.holder.known ? theme.ok : theme.warn,
	});
	out.push({
		id: 'from',
		text: `  from:       ${proof.from.label} (${proof.from.tap} on ${proof.from.node})`,
	});
	const unread = proof.hops.flatMap((h, i) => (h.status === 'unread' ? [i + 1] : []));
	if (unread.length > 0)
		out.push({
			id: 'requests',
			text: `  ? INCOMPLETE: hop${unread.length === 1 ? '' : 's'} ${unread.join(', ')} not read — Enter on ${unread.length === 1 ? 'it' : 'one'} shows the command that reads it`,
			color: theme.warn,
			bold: true,
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
 * re-runs it (y copies it), then the hops; Enter on a hop shows all its evidence lines (its own
 * view: Esc comes back here), Enter on an evidence line ▸ opens the capture at the line. It renders
 * the finding's proof — in a live console the session proves the findings after each collection
 * and says `proving…` meanwhile — and runs nothing. Esc goes back.
 */
export function PathScreen(props: {
	readonly vip: string;
	readonly findingKey?: string | undefined;
	/** A hop's own view (its index): all its evidence lines. */
	readonly hop?: number | undefined;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const source = useAppStore(s => s.source);
	const status = useAppStore(s => s.proof);
	const {vip, findingKey} = props;
	const data = useMemo(
		() => pathViewData(snapshot, findings, source, vip, findingKey, status),
		[snapshot, findings, source, vip, findingKey, status],
	);
	const hop = props.hop === undefined ? undefined : data.proof?.hops[props.hop];
	if (props.hop !== undefined && data.proof !== undefined && hop !== undefined)
		return (
			<HopView proof={data.proof} index={props.hop} height={props.height} width={props.width} />
		);
	return <PathMain data={data} height={props.height} width={props.width} />;
}

/** The proof: summary, command, hops (or, without one, why — or that it is being proven). */
function PathMain({
	data,
	height,
	width,
}: {
	readonly data: PathViewData;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const copy = useClipboard();
	const snapshot = useAppStore(s => s.snapshot);
	const back = useAppStore(s => {
		const below = s.ui.stack.at(-2);
		return below === undefined ? undefined : viewTitle(below.view);
	});
	const proof = data.proof;
	const compact = height < 30;
	const head = useMemo(
		(): Line[] => (proof === undefined ? [] : summaryLines(data, proof, theme, compact)),
		[data, proof, theme, compact],
	);
	const command = commandLines(data.command, width, '  ');
	const keysLine = `Enter on a hop: its evidence · y copies the command · Esc back${back === undefined ? '' : ` to ${back}`}`;
	const lines = useMemo(
		(): Line[] => (proof === undefined ? [] : hopLines(proof, width, theme, compact)),
		[proof, width, theme, compact],
	);
	const fixed = head.length + command.length + 2;
	const listHeight = Math.max(3, height - fixed);
	const cursor = useList(lines.length, listHeight, {
		'view.open': () => {
			const line = lines[cursor];
			// an evidence line ▸ (or its excerpt) opens the capture; any other row of a hop, the hop
			if (line?.evidence !== undefined && !line.id.match(/^hop:\d+$/)) {
				openEvidence(api.getState(), snapshot?.captures, line.evidence);
				return;
			}
			const top = selectTop(api.getState()).view;
			if (line?.hop === undefined || top.kind !== 'path') {
				api.getState().flash('info', 'Enter on a hop shows its evidence lines.');
				return;
			}
			api.getState().pushView({...top, hop: line.hop});
		},
		'fix.copy': () => {
			copy(data.command, 'the dvrscope trace command', 'trace-command.sh');
		},
	});
	const shown = useStartOnBreak(lines, proof, cursor);
	if (proof === undefined)
		return (
			<NoProof
				vip={data.vip}
				missing={data.missing ?? ''}
				proving={data.proving === true}
				command={command}
				keys={`y copies the command · Esc back${back === undefined ? '' : ` to ${back}`}`}
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
					{l}
				</T>
			))}
			<T dimColor wrap="truncate">
				{`  ${keysLine}`}
			</T>
			<T bold wrap="truncate">
				{`Hops (${proof.hops.length})${data.provenance === undefined ? '' : ` · ${data.provenance}`}`}
			</T>
			<ListView
				rows={lines.map((l): ListRow => ({
					key: l.id,
					text: l.text,
					color: l.color,
					bold: l.bold === true,
					dim: l.dim === true,
				}))}
				cursor={shown}
				height={listHeight}
				width={width}
			/>
		</Box>
	);
}

/**
 * One hop's own view (Enter on a hop): its status, what it shows, the command that read it
 * (pasteable, broken with ` \`), and every evidence line with its whole excerpt — so a hop that
 * is fine, one row in the list at 80×24, shows its evidence too. Enter on ▸ opens the capture;
 * Esc back to the proof.
 */
function HopView({
	proof,
	index,
	height,
	width,
}: {
	readonly proof: PathProof;
	readonly index: number;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const copy = useClipboard();
	const snapshot = useAppStore(s => s.snapshot);
	const hop = proof.hops[index];
	const head = useMemo((): Line[] => {
		if (hop === undefined) return [];
		const flag = hop.contradictsHolder === true ? `  ${CONTRADICTS}` : '';
		return [
			{
				id: 'title',
				text: `hop ${index + 1} of ${proof.hops.length}  ${HOP_MARK[hop.status]}  ${shortNames(hop.title)}${flag}`,
				color: hopColour(hop.status, theme),
				bold: true,
			},
			...wrap(hop.detail, width - 4).map((l, k) => ({id: `d${k}`, text: `  ${l}`})),
		];
	}, [hop, index, proof.hops.length, theme, width]);
	const command =
		hop?.command === undefined ? [] : commandLines(hop.command.command, width, '    ');
	const lines = useMemo((): Line[] => {
		const out: Line[] = [];
		hop?.evidence.forEach((ev, e) => {
			out.push({
				id: `ev:${e}`,
				text: ` ▸ ${ev.capture} line${ev.lines.length === 1 ? '' : 's'} ${ev.lines.join(',')}${ev.note === undefined ? '' : ` — ${ev.note}`}`,
				evidence: ev,
				color: theme.accent,
			});
			ev.excerpt.split('\n').forEach((x, k) => {
				out.push({id: `ev:${e}:${k}`, text: `   │ ${readableExcerpt(x)}`, evidence: ev});
			});
		});
		return out;
	}, [hop, theme]);
	const fixed = head.length + (command.length === 0 ? 0 : command.length + 1) + 2;
	const listHeight = Math.max(3, height - fixed);
	const cursor = useList(lines.length, listHeight, {
		'view.open': () => {
			const ev = lines[cursor]?.evidence;
			if (ev === undefined) {
				api.getState().flash('info', 'This hop has no evidence line to open.');
				return;
			}
			openEvidence(api.getState(), snapshot?.captures, ev);
		},
		'fix.copy': () => {
			if (hop?.command === undefined) {
				api
					.getState()
					.flash('info', 'This hop was read from the collected state: no command of its own.');
				return;
			}
			copy(hop.command.command, `the command of hop ${index + 1}`, 'hop-command.sh');
		},
	});
	if (hop === undefined) return null;
	return (
		<Box flexDirection="column">
			{head.map(l => (
				<T key={l.id} wrap="truncate" bold={l.bold === true} color={l.color}>
					{l.text}
				</T>
			))}
			{hop.command === undefined ? null : (
				<T
					dimColor
					wrap="truncate"
				>{`  ${hop.status === 'unread' ? 'to read it' : 'read with'}, on ${hop.command.node} (y copies it):`}</T>
			)}
			{command.map((l, i) => (
				<T key={`c${i}`} bold color={theme.accent} wrap="truncate">
					{l}
				</T>
			))}
			<T dimColor wrap="truncate">
				{`  Enter on ▸ opens the capture at the line · Esc back to the path`}
			</T>
			<T bold wrap="truncate">{`Evidence (${hop.evidence.length})`}</T>
			<ListView
				rows={lines.map((l): ListRow => ({
					key: l.id,
					text: l.text,
					color: l.color,
					bold: l.bold === true,
				}))}
				cursor={cursor}
				height={listHeight}
				width={width}
				empty={
					<T dimColor>
						{'  (no evidence lines: '}
						{hop.status === 'unread' ? 'this hop was not read' : 'nothing to show'}
						{')'}
					</T>
				}
			/>
		</Box>
	);
}

/** No proof (yet): why — or that the session is proving it now — and the command that reads it. */
function NoProof(props: {
	readonly vip: string;
	readonly missing: string;
	readonly proving: boolean;
	readonly command: readonly string[];
	readonly keys: string;
	readonly width: number;
}): ReactNode {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<T bold color={props.proving ? theme.accent : theme.warn}>
				{trunc(
					props.proving
						? `… PROVING the packet path to ${props.vip}…`
						: `? NO PATH PROOF for ${props.vip}`,
					props.width,
				)}
			</T>
			{wrap(props.missing, props.width - 2).map((l, i) => (
				<T key={`m${i}`}>{`  ${l}`}</T>
			))}
			{props.command.map((l, i) => (
				<T key={`c${i}`} bold color={theme.accent} wrap="truncate">
					{l}
				</T>
			))}
			<T dimColor wrap="truncate">
				{`  ${props.keys}`}
			</T>
		</Box>
	);
}

/** Path views whose cursor was already put on the break (so coming back from a hop keeps it). */
const started = new WeakSet<ViewRef>();

/**
 * Opened at the top: the cursor starts on the hop that breaks (the reason to open the view). The
 * row to show the cursor on, right away — the store's cursor follows in an effect, so the first
 * frame with the proof never shows it on hop 1.
 */
function useStartOnBreak(
	lines: readonly Line[],
	proof: PathProof | undefined,
	cursor: number,
): number {
	const api = useAppStoreApi();
	const top = useAppStore(s => selectTop(s));
	const fresh = proof !== undefined && !started.has(top.view) && top.cursor === 0;
	const at = proof?.hops.findIndex(h => h.status !== 'ok' || h.contradictsHolder === true) ?? -1;
	const row = at < 0 ? -1 : lines.findIndex(l => l.id === `hop:${at}`);
	useEffect(() => {
		if (proof === undefined || started.has(top.view)) return;
		started.add(top.view);
		if (top.cursor === 0 && row > 0) api.getState().setCursor(row);
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [proof]);
	return fresh && row > 0 ? row : cursor;
}

/** `t`: open the Path view, or say why there is none (the finding is about no one VIP). */
export function openPathView(state: AppState, ref: ViewRef | undefined): void {
	if (ref !== undefined) state.pushView(ref);
	else state.flash('info', 'This finding is not about one VIP: no packet path to prove.');
}
