import {T} from '../components/T.js';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useTheme} from '../context.js';
import {Browser, type BrowserRow} from './Browser.js';
import {pad, seconds, shortNs, bytes} from '../text.js';
import type {NodeId} from '../../model/ids.js';
import type {Snapshot} from '../../model/snapshot.js';

type Props = {readonly node?: NodeId; readonly height: number; readonly width: number};

const nodesOf = (snapshot: Snapshot, node: NodeId | undefined): string[] =>
	Object.keys(snapshot.nodes)
		.filter(n => node === undefined || n === node)
		.sort();

const at = (capture: string, line: number) =>
	({kind: 'capture', capture, line, lines: [line]}) as const;

/** Neighbour (ARP) entries of every namespace; PERMANENT entries bold. */
export function NeighScreen({node, height, width}: Props): ReactNode {
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const rows = useMemo((): BrowserRow[] => {
		if (snapshot === undefined) return [];
		const out: BrowserRow[] = [];
		for (const n of nodesOf(snapshot, node)) {
			for (const [ns, neigh] of Object.entries(snapshot.nodes[n]?.facts.neigh ?? {}).sort()) {
				for (const e of neigh.data) {
					const line = e.line + neigh.lineOffset;
					const permanent = e.states.includes('PERMANENT');
					out.push({
						key: `${n}|${ns}|${e.dst}|${line}`,
						text: `${pad(n, 12)} ${pad(shortNs(ns === '' ? 'host' : ns), 20)} ${pad(e.dst, 16)} ${pad(e.lladdr ?? '—', 17)} ${pad(e.states.join(','), 10)} ${e.dev ?? ''}`,
						bold: permanent,
						color: e.states.includes('FAILED') ? theme.warn : undefined,
						open: at(neigh.capture, line),
						hay: ns,
					});
				}
			}
		}
		return out;
	}, [snapshot, node, theme]);
	return (
		<Browser
			title={`Neighbours${node === undefined ? '' : ` on ${node}`}`}
			columns={`${pad('node', 12)} ${pad('namespace', 20)} ${pad('IP', 16)} ${pad('MAC', 17)} ${pad('state', 10)} dev`}
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
	const rows = useMemo((): BrowserRow[] => {
		if (snapshot === undefined) return [];
		const out: BrowserRow[] = [];
		for (const n of nodesOf(snapshot, node)) {
			const facts = snapshot.nodes[n]?.facts;
			for (const [router, st] of Object.entries(facts?.haState ?? {}).sort())
				out.push({
					key: `${n}|ha|${router}`,
					text: `${pad(n, 12)} ${pad('L3-HA state', 14)} ${pad(router.slice(0, 13), 20)} ${pad(st.data.state.toUpperCase(), 8)} (file says "${st.data.raw.trim()}")`,
					color:
						st.data.state === 'primary'
							? theme.ok
							: st.data.state === 'fault'
								? theme.bad
								: undefined,
					open: at(st.capture, 1 + st.lineOffset),
				});
			for (const [path, conf] of Object.entries(facts?.keepalived ?? {}).sort())
				for (const inst of conf.data.instances)
					out.push({
						key: `${n}|${path}|${inst.name}|${inst.line}`,
						// Which config: two VRRP peers on one node differ only by it (and priority).
						text: `${pad(n, 12)} ${pad(inst.name, 14)} ${pad(`${confLabel(path)} vrid ${inst.virtualRouterId ?? '?'}`, 20)} ${pad(inst.state ?? '?', 8)} prio ${inst.priority ?? '?'} ${inst.virtualIpaddress.map(v => v.address).join(' ')}`,
						color: inst.state === 'MASTER' ? theme.ok : undefined,
						open: at(conf.capture, inst.line + conf.lineOffset),
						hay: path,
					});
		}
		return out;
	}, [snapshot, node, theme]);
	return (
		<Browser
			title={`keepalived / L3-HA${node === undefined ? '' : ` on ${node}`} (instance state: as configured; L3-HA state: now)`}
			columns={`${pad('node', 12)} ${pad('instance', 14)} ${pad('config / vrid', 20)} ${pad('state', 8)} details`}
			rows={rows}
			height={height}
			width={width}
			empty="No keepalived configs or L3-HA state files in this capture set."
		/>
	);
}

/** Every command that ran (lazygit's command log): node, argv, exit, duration, failure. */
export function CommandLogScreen({height, width}: Props): ReactNode {
	const theme = useTheme();
	const commands = useAppStore(s => s.collection.commands);
	const loaded = useAppStore(s => s.snapshot?.captures);
	const rows = useMemo(
		(): BrowserRow[] =>
			commands.map((c, i) => {
				const status =
					c.failure !== undefined ? c.failure.kind.toUpperCase() : `exit ${c.exitCode ?? '?'}`;
				const bad = c.failure !== undefined || (c.exitCode ?? 0) !== 0;
				return {
					key: `${i}|${c.captureId}`,
					text: `${pad(c.node ?? 'cloud', 12)} ${pad(status, 11)} ${pad(seconds(c.durationMs), 7)} ${pad(bytes(c.stdoutBytes), 8)} ${c.argv.join(' ')}${c.failure === undefined ? '' : ` — ${c.failure.message}`}${c.truncated === true ? ' (truncated)' : ''}`,
					color: c.failure !== undefined ? theme.bad : bad ? theme.warn : undefined,
					hay: c.captureId,
					...(loaded?.[c.captureId] === undefined
						? {}
						: {open: {kind: 'capture', capture: c.captureId} as const}),
				};
			}),
		[commands, loaded, theme],
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

/** Watch mode's per-VIP timeline: what changed between rounds, and what did not. */
export function WatchScreen({height, width}: Props): ReactNode {
	const theme = useTheme();
	const watch = useAppStore(s => s.watch);
	const rows = useMemo(
		(): BrowserRow[] =>
			watch.timeline
				.map((e, i) => ({
					key: String(i),
					text: `${e.at.slice(11, 19)} #${pad(String(e.round), 3)} ${pad(e.vip, 15)} ${pad(e.node ?? '', 12)} ${e.changed ? 'CHANGED ' : 'same    '}${e.text}`,
					color: e.changed ? theme.warn : undefined,
					bold: e.changed,
				}))
				.reverse(),
		[watch.timeline, theme],
	);
	return (
		<>
			<T wrap="truncate" color={watch.active ? theme.accent : undefined}>
				{watch.active
					? `WATCHING every ${watch.intervalS}s · round ${watch.round}`
					: 'Watch is off — press w to start (live collection only)'}
				{watch.lastAt === undefined ? '' : ` · last ${watch.lastAt.slice(11, 19)}`}
			</T>
			<Browser
				title="Timeline (newest first)"
				columns={`${pad('time', 8)} ${pad('rnd', 4)} ${pad('VIP', 15)} ${pad('node', 12)} change`}
				rows={rows}
				height={height - 1}
				width={width}
				empty="No rounds yet."
			/>
		</>
	);
}
