import {Box} from 'ink';
import {T} from '../components/T.js';
import {useMemo, type ReactNode} from 'react';
import {useAppStore, useAppStoreApi, useTheme} from '../context.js';
import {selectFindings} from '../../state/selectors.js';
import {listVips, reconcileVip, type VipNodeRow, type VipView} from '../../state/vip.js';
import type {Theme} from '../theme.js';
import {pathViewRef} from '../../state/path-view.js';
import {useList} from '../hooks/use-list.js';
import {ListView, type ListRow} from '../components/ListView.js';
import {pad, shortNs} from '../text.js';

const VERDICT: Readonly<Record<VipNodeRow['verdict'], string>> = {
	ok: 'ok',
	stale: 'STALE ✗',
	missing: 'MISSING',
	unknown: '? owner unknown',
};

type Row = {
	readonly text: string;
	readonly color?: string | undefined;
	readonly bold?: boolean;
	readonly jump?: {capture: string; line: number};
};

/**
 * The reconciliation table for one VIP: who owns it now, the ports/amphorae carrying it, and on
 * every node hosting the router the PERMANENT entry's MAC, ARP-drop and ARP-responder flows.
 */
export function VipScreen({
	vip,
	height,
	width,
}: {
	readonly vip: string;
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const view = useMemo(
		() => (snapshot === undefined ? undefined : reconcileVip(snapshot, findings, vip)),
		[snapshot, findings, vip],
	);
	const rows = useMemo(
		(): Row[] => (view === undefined ? [] : vipTableRows(view, vip, theme)),
		[view, vip, theme],
	);
	const cursor = useList(rows.length, height - 1, {
		'view.path': () => {
			const ref = pathViewRef(vip);
			if (ref !== undefined) api.getState().pushView(ref);
		},
		'view.open': () => {
			const row = rows[cursor];
			if (row?.jump === undefined) {
				api.getState().flash('info', 'Rows with a node entry or a flow open their capture line.');
				return;
			}
			api.getState().pushView({
				kind: 'capture',
				capture: row.jump.capture,
				line: row.jump.line,
				lines: [row.jump.line],
			});
		},
	});
	if (snapshot === undefined) return <T>No data loaded yet.</T>;
	const stale = view?.nodes.filter(n => n.verdict === 'stale').length ?? 0;
	return (
		<Box flexDirection="column">
			<T wrap="truncate" bold color={stale > 0 ? theme.bad : theme.ok}>
				VIP {vip}:{' '}
				{stale > 0
					? `${stale} node(s) point the VIP at a MAC that is not the owner's`
					: `${view?.nodes.length ?? 0} qrouter entr(ies), no stale MAC seen`}
			</T>
			<ListView
				rows={rows.map((r, i) => ({
					key: String(i),
					text: r.text,
					color: r.color,
					bold: r.bold === true,
				}))}
				cursor={cursor}
				height={height - 1}
				width={width}
			/>
		</Box>
	);
}

/** The table's rows: owner, ports, each node's qrouter entry, OVS flows per node, findings. */
function vipTableRows(view: VipView, vip: string, theme: Theme): Row[] {
	return [
		{
			text:
				view.owner === undefined
					? 'Owner now: UNKNOWN (no source says who holds the VIP)'
					: `Owner now: ${view.owner.mac}${view.owner.label === undefined ? '' : ` (${view.owner.label})`} — from ${view.owner.source}`,
			bold: true,
		},
		{text: ''},
		...portRows(view, vip, theme),
		{text: ''},
		...qrouterRows(view, theme),
		{text: ''},
		...ovsRows(view, theme),
		...findingRows(view, theme),
	];
}

/** The Neutron ports (and amphorae) carrying the VIP; the owner's is marked. */
function portRows(view: VipView, vip: string, theme: Theme): Row[] {
	const out: Row[] = [{text: `Ports carrying ${vip}`, bold: true}];
	if (view.ports.length === 0) out.push({text: '  (no Neutron port data in this capture set)'});
	for (const p of view.ports) {
		const who =
			p.amphora === undefined
				? (p.name ?? p.portId.slice(0, 8))
				: `amphora ${p.amphora.id.slice(0, 8)} ${p.amphora.role ?? ''}`;
		const isOwner = view.owner?.mac === p.mac;
		out.push({
			text: `  ${pad(p.mac, 17)} ${pad(who, 22)} ${pad(p.how === 'allowed-address-pair' ? 'AAP' : 'fixed', 5)} host ${p.bindingHost ?? '(unbound)'}${p.vifType === undefined ? '' : ` ${p.vifType}`}${isOwner ? '  ← owner' : ''}`,
			color: isOwner ? theme.ok : undefined,
		});
	}
	return out;
}

/** Each node's qrouter PERMANENT entry for the VIP: its MAC, whose it is, the verdict. */
function qrouterRows(view: VipView, theme: Theme): Row[] {
	const nsW = 20;
	const out: Row[] = [
		{
			text: `  ${pad('node', 12)} ${pad('qrouter', nsW)} ${pad('PERMANENT MAC', 17)} ${pad('belongs to', 16)} verdict`,
			bold: true,
		},
	];
	if (view.nodes.length === 0)
		out.push({text: '  (no qrouter namespace with this VIP or its router in the capture set)'});
	for (const n of view.nodes) {
		const mac = n.entry?.mac ?? '—';
		const states =
			n.entry === undefined
				? ''
				: n.entry.states.includes('PERMANENT')
					? ''
					: ` (${n.entry.states.join(',')})`;
		out.push({
			text: `  ${pad(n.node, 12)} ${pad(shortNs(n.namespace), nsW)} ${pad(mac + states, 17)} ${pad(n.macOwner ?? '', 16)} ${VERDICT[n.verdict]}`,
			color:
				n.verdict === 'stale'
					? theme.bad
					: n.verdict === 'missing'
						? theme.warn
						: n.verdict === 'ok'
							? theme.ok
							: undefined,
			bold: n.verdict === 'stale',
			...(n.entry === undefined ? {} : {jump: {capture: n.entry.capture, line: n.entry.line}}),
		});
	}
	if (view.nodes.some(n => n.verdict === 'stale'))
		out.push({
			text: '  STALE: this qrouter sends routed traffic for the VIP to a MAC that is not the owner (LP#1774459)',
			color: theme.bad,
		});
	return out;
}

/** Per node (once each): the ARP-drop flows (first four) and ARP-responder flows for the VIP. */
function ovsRows(view: VipView, theme: Theme): Row[] {
	const out: Row[] = [
		{
			text: 'OVS per node: ARP-drop (t22/t1 prio 3) and ARP-responder (t21) for the VIP',
			bold: true,
		},
	];
	const seen = new Set<string>();
	for (const n of view.nodes) {
		if (seen.has(n.node)) continue;
		seen.add(n.node);
		out.push({
			text: `  ${n.node}: ${n.arpDrop.length} ARP-drop flow(s)${n.arpDrop.length === 0 ? ' — none: GARPs are not blocked here' : ''}`,
		});
		for (const f of n.arpDrop.slice(0, 4)) out.push({text: `     ${f.text}`, jump: f});
		for (const r of n.arpResponder)
			out.push({
				text: `     ARP responder: ${r.text}${view.owner !== undefined && r.mac !== view.owner.mac ? '  ✗ not the owner' : ''}`,
				color: view.owner !== undefined && r.mac !== view.owner.mac ? theme.bad : undefined,
				jump: r,
			});
	}
	return out;
}

/** The findings about this VIP, after a blank line (nothing when there are none). */
function findingRows(view: VipView, theme: Theme): Row[] {
	if (view.findings.length === 0) return [];
	return [
		{text: ''},
		{text: `Findings for this VIP (${view.findings.length}) — :findings to open`, bold: true},
		...view.findings.map(f => ({
			text: `  ${f.severity.toUpperCase()} ${f.title}`,
			color: theme.severity[f.severity],
		})),
	];
}

/** Every VIP with a one-line verdict; Enter opens its table. */
export function VipsScreen({
	height,
	width,
}: {
	readonly height: number;
	readonly width: number;
}): ReactNode {
	const api = useAppStoreApi();
	const theme = useTheme();
	const snapshot = useAppStore(s => s.snapshot);
	const findings = useAppStore(selectFindings);
	const views = useMemo(
		() =>
			snapshot === undefined
				? []
				: listVips(snapshot, findings).map(vip => reconcileVip(snapshot, findings, vip)),
		[snapshot, findings],
	);
	const cursor = useList(views.length, height - 1, {
		'view.open': () => {
			const v = views[cursor];
			if (v !== undefined) api.getState().pushView({kind: 'vip', vip: v.vip});
		},
		'view.path': () => {
			const ref = pathViewRef(views[cursor]?.vip);
			if (ref !== undefined) api.getState().pushView(ref);
		},
	});
	const rows: ListRow[] = views.map(v => {
		const stale = v.nodes.filter(n => n.verdict === 'stale').length;
		return {
			key: v.vip,
			text: `${pad(v.vip, 16)} ${pad(`${v.ports.length} port(s)`, 11)} ${pad(`${v.nodes.length} qrouter(s)`, 14)} owner ${v.owner?.mac ?? 'unknown'}${stale > 0 ? `  ${stale} STALE` : ''}`,
			color: stale > 0 ? theme.bad : undefined,
		};
	});
	return (
		<Box flexDirection="column">
			<T dimColor>
				VIPs: allowed-address-pair IPs and VIPs named by findings · Enter opens the reconciliation
				table
			</T>
			<ListView
				rows={rows}
				cursor={cursor}
				height={height - 1}
				width={width}
				empty={<T>No VIPs in this capture set.</T>}
			/>
		</Box>
	);
}
