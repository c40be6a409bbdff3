import {T} from '../components/T.js';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useTheme} from '../context.js';
import {Browser, type BrowserRow} from './Browser.js';
import {oneRow, pad, seconds, shortNs, bytes} from '../text.js';
import {captureErrors, commandResult, selectFindings, vrrpMembers} from '../../state/selectors.js';
import type {NodeId} from '../../model/ids.js';
import type {Snapshot} from '../../model/snapshot.js';
import type {Finding} from '../../diagnostics/types.js';
import type {TimelineEntry} from '../../state/store.js';

type Props = {readonly node?: NodeId; readonly height: number; readonly width: number};

const nodesOf = (snapshot: Snapshot, node: NodeId | undefined): string[] =>
	Object.keys(snapshot.nodes)
		.filter(n => node === undefined || n === node)
		.sort();

const at = (capture: string, line: number) =>
	({kind: 'capture', capture, line, lines: [line]}) as const;

/** A neighbour entry a finding cites, by rule: the marker shown (text, so NO_COLOR shows it). */
const NEIGH_MARK: Readonly<Record<string, string>> = {
	'dvr/stale-permanent-arp': 'STALE',
	'dvr/arp-divergence': 'DIVERGENT',
	'dvr/arp-unknown-mac': 'UNKNOWN-MAC',
	'dvr/arp-missing': 'MISSING',
};

/** Neighbour (ARP) entries of every namespace; PERMANENT bold; entries a finding cites marked. */
export function NeighScreen({node, height, width}: Props): ReactNode {
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const cited = useMemo(() => {
		// capture|line → the findings citing it, with their excerpt: `ip -j` prints every entry
		// on one line, so the entry must also be in the excerpt (its IP and MAC).
		const map = new Map<string, {finding: Finding; excerpt: string}[]>();
		for (const f of findings)
			for (const ev of f.evidence)
				for (const line of ev.lines) {
					const key = `${ev.capture}|${line}`;
					const list = map.get(key) ?? [];
					list.push({finding: f, excerpt: ev.excerpt.toLowerCase()});
					map.set(key, list);
				}
		return map;
	}, [findings]);
	const citing = (key: string, dst: string, mac: string | undefined): Finding | undefined => {
		const rank = {critical: 0, warning: 1, info: 2} as const;
		let best: Finding | undefined;
		const ip = new RegExp(
			`(^|[^0-9a-f.:])${dst.toLowerCase().replaceAll('.', '\\.')}($|[^0-9a-f.:])`,
		);
		for (const c of cited.get(key) ?? [])
			if (ip.test(c.excerpt) && (mac === undefined || c.excerpt.includes(mac.toLowerCase())))
				if (best === undefined || rank[c.finding.severity] < rank[best.severity]) best = c.finding;
		return best;
	};
	const rows = useMemo((): BrowserRow[] => {
		if (snapshot === undefined) return [];
		const out: BrowserRow[] = [];
		for (const n of nodesOf(snapshot, node)) {
			for (const [ns, neigh] of Object.entries(snapshot.nodes[n]?.facts.neigh ?? {}).sort()) {
				for (const e of neigh.data) {
					const line = e.line + neigh.lineOffset;
					const permanent = e.states.includes('PERMANENT');
					const finding = citing(`${neigh.capture}|${line}`, e.dst, e.lladdr);
					// The owner's own (dynamic) entry is evidence too, but not the stale one.
					const mark =
						finding === undefined
							? ''
							: finding.ruleId === 'dvr/stale-permanent-arp' && !permanent
								? 'EVIDENCE'
								: (NEIGH_MARK[finding.ruleId] ?? finding.severity.toUpperCase());
					out.push({
						key: `${n}|${ns}|${e.dst}|${line}`,
						text: `${pad(mark === '' ? '' : `✗ ${mark}`, 13)} ${pad(n, 12)} ${pad(shortNs(ns === '' ? 'host' : ns), 20)} ${pad(e.dst, 16)} ${pad(e.lladdr ?? '—', 17)} ${pad(e.states.join(','), 10)} ${e.dev ?? ''}`,
						bold: permanent || finding !== undefined,
						color:
							finding !== undefined
								? theme.severity[finding.severity]
								: e.states.includes('FAILED')
									? theme.warn
									: undefined,
						open: at(neigh.capture, line),
						hay: `${ns} ${mark}`,
					});
				}
			}
		}
		return out;
		// eslint-disable-next-line react-hooks/exhaustive-deps -- citing reads cited
	}, [snapshot, node, theme, cited]);
	const marked = rows.filter(r => r.text.startsWith('✗')).length;
	return (
		<Browser
			title={`Neighbours${node === undefined ? '' : ` on ${node}`}${marked === 0 ? '' : ` · ✗ ${marked} entr${marked === 1 ? 'y' : 'ies'} cited by findings (/✗ shows only those)`}`}
			columns={`${pad('finding', 13)} ${pad('node', 12)} ${pad('namespace', 20)} ${pad('IP', 16)} ${pad('MAC', 17)} ${pad('state', 10)} dev`}
			rows={rows}
			height={height}
			width={width}
			empty="No neighbour captures in this capture set."
		/>
	);
}

/** Network namespaces per node with what each holds. */
export function NamespacesScreen({node, height, width}: Props): ReactNode {
	const snapshot = useAppStore(s => s.snapshot);
	const rows = useMemo((): BrowserRow[] => {
		if (snapshot === undefined) return [];
		const out: BrowserRow[] = [];
		for (const n of nodesOf(snapshot, node)) {
			const facts = snapshot.nodes[n]?.facts;
			const names = new Set<string>([
				...(facts?.netns?.data.map(e => e.name) ?? []),
				...Object.keys(facts?.neigh ?? {}).filter(x => x !== ''),
				...Object.keys(facts?.addr ?? {}).filter(x => x !== ''),
			]);
			for (const ns of [...names].sort()) {
				const kind = /^(qrouter|snat|qdhcp|fip|amphora-haproxy)/.exec(ns)?.[1] ?? 'other';
				const neigh = facts?.neigh?.[ns];
				const addrs = facts?.addr?.[ns]?.data ?? [];
				// Loopback is in every namespace and says nothing about it.
				const ips = addrs.flatMap(i =>
					i.addresses
						.filter(a => a.family === 'inet' && !a.local.startsWith('127.'))
						.map(a => a.local),
				);
				const entry = facts?.netns?.data.find(e => e.name === ns);
				out.push({
					key: `${n}|${ns}`,
					text: `${pad(n, 12)} ${pad(kind, 8)} ${pad(shortNs(ns), 22)} ${pad(`${neigh?.data.length ?? 0} neigh`, 9)} ${ips.slice(0, 3).join(' ')}`,
					hay: ns,
					...(neigh !== undefined
						? {open: {kind: 'neigh', node: n} as const}
						: entry !== undefined && facts?.netns !== undefined
							? {open: at(facts.netns.capture, entry.line + facts.netns.lineOffset)}
							: {}),
				});
			}
		}
		return out;
	}, [snapshot, node]);
	return (
		<Browser
			title={`Namespaces${node === undefined ? '' : ` on ${node}`}`}
			columns={`${pad('node', 12)} ${pad('kind', 8)} ${pad('namespace', 22)} ${pad('entries', 9)} IPv4`}
			rows={rows}
			height={height}
			width={width}
			empty="No namespace captures in this capture set."
		/>
	);
}

/** keepalived instances and Neutron L3-HA state per router. */
/** A keepalived.conf by its directory (`…/ha_confs/<router>/keepalived.conf` → the router's 8). */
function confLabel(path: string): string {
	const dir = path.split('/').slice(-2, -1)[0] ?? path;
	return /^[0-9a-f]{8}-/.test(dir) ? dir.slice(0, 8) : dir.slice(0, 10);
}

export function KeepalivedScreen({node, height, width}: Props): ReactNode {
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const rows = useMemo((): BrowserRow[] => {
		if (snapshot === undefined) return [];
		const out: BrowserRow[] = [];
		for (const n of nodesOf(snapshot, node)) {
			const facts = snapshot.nodes[n]?.facts;
			for (const [router, st] of Object.entries(facts?.haState ?? {}).sort()) {
				const primary = st.data.state === 'primary';
				out.push({
					key: `${n}|ha|${router}`,
					text: `${primary ? HOLDER : ' '} ${pad(n, 12)} ${pad(`router ${router.slice(0, 8)}`, 18)} ${pad('L3-HA', 10)} ${pad('—', 10)} ${pad(primary ? 'PRIMARY' : st.data.state.toUpperCase(), 12)} state file says "${st.data.raw.trim()}"`,
					bold: primary,
					color: primary ? theme.ok : st.data.state === 'fault' ? theme.bad : undefined,
					open: at(st.capture, 1 + st.lineOffset),
				});
			}
		}
		for (const m of vrrpMembers(snapshot, findings)) {
			if (node !== undefined && m.node !== node) continue;
			const holds = m.live === 'holds VIP';
			out.push({
				key: `${m.node}|${m.path}|${m.instance}|${m.line}`,
				// Who (member), how it is configured and what it is now: the configured state of
				// every peer is usually BACKUP (nopreempt) and says nothing about who is master.
				text: `${holds ? HOLDER : ' '} ${pad(m.node, 12)} ${pad(m.member, 18)} ${pad(`${m.instance} ${m.vrid ?? '?'}`, 10)} ${pad(m.configured, 10)} ${pad(holds ? 'HOLDS VIP' : m.live === 'unknown' ? 'unknown' : 'not holder', 12)} prio ${m.priority ?? '?'} ${m.vips.join(' ')} · ${confLabel(m.path)}`,
				bold: holds,
				color: holds ? theme.ok : undefined,
				open: at(m.capture, m.line),
				hay: `${m.path} ${m.member}`,
			});
		}
		return out;
	}, [snapshot, node, theme, findings]);
	return (
		<Browser
			title={`keepalived / L3-HA${node === undefined ? '' : ` on ${node}`} · ${HOLDER} = holds the VIP now (live), configured = keepalived.conf state`}
			columns={`  ${pad('node', 12)} ${pad('member', 18)} ${pad('inst vrid', 10)} ${pad('configured', 10)} ${pad('live', 12)} details`}
			rows={rows}
			height={height}
			width={width}
			empty="No keepalived configs or L3-HA state files in this capture set."
		/>
	);
}

/** Marks the VRRP member (or L3-HA router) that holds the VIP now; text, so NO_COLOR shows it. */
const HOLDER = '◆';

/** Every command that ran (lazygit's command log): node, argv, exit, duration, failure. */
export function CommandLogScreen({height, width}: Props): ReactNode {
	const theme = useTheme();
	const commands = useAppStore(s => s.collection.commands);
	const loaded = useAppStore(s => s.snapshot?.captures);
	const errors = useAppStore(s => captureErrors(s.snapshot));
	const rows = useMemo(
		(): BrowserRow[] =>
			commands.map((c, i) => {
				// A capture whose output could not be parsed is UNREADABLE, not "exit 0".
				const result = commandResult(c, errors);
				// Multi-line argv (`sh -c` batches) on one row: newlines shown as \n.
				return {
					key: `${i}|${c.captureId}`,
					text: oneRow(
						`${pad(c.node ?? 'cloud', 12)} ${pad(result.status, 11)} ${pad(seconds(c.durationMs), 7)} ${pad(bytes(c.stdoutBytes), 8)} ${c.argv.join(' ')}${result.problem === undefined ? '' : ` — ${result.problem}`}`,
					),
					color:
						result.level === 'bad' ? theme.bad : result.level === 'warn' ? theme.warn : undefined,
					hay: c.captureId,
					...(loaded?.[c.captureId] === undefined
						? {}
						: {open: {kind: 'capture', capture: c.captureId} as const}),
				};
			}),
		[commands, loaded, errors, theme],
	);
	return (
		<Browser
			title="Command log — every command dvrscope ran or loaded (read-only)"
			columns={`${pad('node', 12)} ${pad('result', 11)} ${pad('took', 7)} ${pad('stdout', 8)} command`}
			rows={rows}
			height={height}
			width={width}
			empty="No commands yet."
		/>
	);
}

/** The change column: a word even without colour (NO_COLOR): STALE, VERDICT, CHANGED, same. */
const markOf = (e: TimelineEntry): string =>
	e.stale === true
		? 'STALE   '
		: e.kind === 'verdict'
			? 'VERDICT '
			: e.kind === 'node'
				? 'UNREAD  '
				: e.changed
					? 'CHANGED '
					: 'same    ';

/**
 * Watch mode's timeline: the verdict and the last round's cost always on top, then every row
 * (newest first) with the time its data was read, STALE entries and verdict changes marked.
 */
export function WatchScreen({height, width}: Props): ReactNode {
	const theme = useTheme();
	const watch = useAppStore(s => s.watch);
	const verdict = useAppStore(s => s.diagnosis?.verdict);
	const rows = useMemo(
		(): BrowserRow[] =>
			watch.timeline
				.map((e, i) => {
					const color =
						e.level === 'critical' || e.stale === true
							? theme.bad
							: e.level === 'incomplete' || e.level === 'warning'
								? theme.warn
								: e.level === 'ok'
									? theme.ok
									: e.changed
										? theme.warn
										: undefined;
					return {
						key: String(i),
						text: `${e.at.slice(11, 19)} #${pad(String(e.round), 3)} ${pad(e.vip, 15)} ${pad(e.node ?? '', 12)} ${markOf(e)}${e.text}`,
						color,
						bold: e.changed || e.stale === true,
					};
				})
				.reverse(),
		[watch.timeline, theme],
	);
	const last = watch.last;
	const shown = (last?.verdict ?? verdict)?.toUpperCase();
	const verdictColor =
		shown === 'CRITICAL'
			? theme.bad
			: shown === 'OK'
				? theme.ok
				: shown === undefined
					? undefined
					: theme.warn;
	return (
		<>
			<T wrap="truncate" color={watch.active ? theme.accent : undefined}>
				{watch.active
					? `WATCHING every ${watch.intervalS}s · round ${watch.round}`
					: 'Watch is off — press w to start (live collection only)'}
				{watch.lastAt === undefined ? '' : ` · last ${watch.lastAt.slice(11, 19)}`}
				{last === undefined
					? ''
					: ` · ${last.kind} round ${last.durationMs} ms, ${last.execs} exec(s), ${(last.bytes / 1024).toFixed(1)} KiB`}
				{watch.dropped === undefined || watch.dropped === 0
					? ''
					: ` · ${watch.dropped} old rows dropped`}
			</T>
			<T wrap="truncate" color={verdictColor} bold>
				{shown === undefined
					? 'Verdict: —'
					: `Verdict: ${shown}${last === undefined ? '' : ` (${last.critical} critical, ${last.warning} warning)${last.unread.length === 0 ? '' : ` · not read: ${last.unread.map(u => u.node).join(', ')}`}`}`}
			</T>
			<Browser
				title="Timeline (newest first; times are when the data was read)"
				columns={`${pad('time', 8)} ${pad('rnd', 4)} ${pad('VIP', 15)} ${pad('node', 12)} change`}
				rows={rows}
				height={height - 2}
				width={width}
				empty="No rounds yet."
			/>
		</>
	);
}
