/**
 * The packet-path proof on ml2/ovn (issue 22): one `ovn-trace` of the client's ping to the address,
 * run where the southbound DB answers, read into hops — the client's logical switch (port security,
 * L2 lookup to the router port), the logical router (lr_in_ip_routing: out of which router port;
 * lr_in_arp_resolve: the MAC it puts on the frame, from the VIP's virtual port binding or a
 * MAC_Binding row — the OVN black-hole hop), the VIP's logical switch (L2 lookup, ACLs, the output
 * port), the chassis the output port is bound to (SB Port_Binding), and the Neutron port there —
 * then compared with the VIP's holder from the chassis' port-security counters
 * (src/diagnostics/ovn-holder.ts), exactly as the OVS path compares with its holder.
 *
 * OVN runs the whole logical pipeline on the chassis the packet enters, so the switch and router
 * hops are named on the client's chassis; the trace itself reads only the SB DB (a simulation: no
 * packet, no write). Pure and replayable like the OVS path: the trace is planned from the catalog
 * and looked up in the capture set by node and argv; a missing read is an unread hop naming it.
 */
import {LSP_NAME, ovnMicroflow} from '../collectors/ovn-microflow.js';
import type {Capture} from '../model/capture.js';
import type {OsPort, OvnRow, OvnTrace, OvnTracePipeline} from '../model/facts.js';
import type {Snapshot} from '../model/snapshot.js';
import {normalizeMac, sameIp, sameMac} from './net.js';
import {lspMac, map, str, strings, type OvnModel, type OvnVip} from './ovn.js';
import {unanswered, type Unanswered} from './ovn-holder.js';
import {
	chassisNode,
	datapathOf,
	datapathRow,
	linesOf,
	lspIps,
	lspWords,
	readOvnTrace,
	resolvedMac,
	routerPortOn,
	ovnName,
	routerWords,
	segments,
	stageIn,
	stageLines,
	switchOf,
	switchOfIp,
	switchWords,
} from './path-ovn-nb.js';
import {plugOf, portWords, resolveHolder, traceEvidence, type Client} from './path-node.js';
import {holderMac, verdictOf, Walk} from './path-walk.js';
import type {Evidence, PathCommand, PathHolder, PathProof} from './types.js';

/** The client on OVN: a Neutron port (API) or an LSP, its switch, and the chassis it is bound to. */
type OvnClient = Client & {readonly lsp: OvnRow; readonly lspName: string; readonly ls: OvnRow};

function resolveOvnClient(snapshot: Snapshot, ovn: OvnModel, from: string): OvnClient | string {
	const ports = snapshot.cloud.ports?.data ?? [];
	const port: OsPort | undefined = ports.find(
		p =>
			p.id === from ||
			(p.name !== undefined && p.name !== '' && p.name === from) ||
			p.deviceId === from ||
			p.fixedIps.some(f => sameIp(f.ip, from)),
	);
	const lsp =
		port !== undefined
			? ovn.lsp(port.id)
			: ovn
					.rows('nb', 'Logical_Switch_Port')
					.find(
						r =>
							str(r['type']) === undefined &&
							(r['name'] === from ||
								str(map(r['external_ids'])['neutron:port_name']) === from ||
								lspIps(r).some(ip => sameIp(ip, from))),
					);
	if (lsp === undefined)
		return port === undefined
			? `--from ${from}: no Neutron port, VM or OVN logical switch port with that id, name or IP in the capture set`
			: `--from ${from}: ${portWords(port)} has no Logical_Switch_Port in the OVN northbound DB read`;
	const lspName = str(lsp['name']) ?? '';
	const ls = switchOf(ovn, lsp);
	if (ls === undefined) return `--from ${from}: no logical switch in the NB has port ${lspName}`;
	const ip = port?.fixedIps.find(f => !f.ip.includes(':'))?.ip ?? lspIps(lsp)[0];
	const mac = port?.mac ?? lspMac(lsp);
	if (ip === undefined || mac === undefined)
		return `--from ${from}: the port's IPv4 address or MAC is unknown (neither the API nor the NB addresses give them)`;
	const binding = ovn.rows('sb', 'Port_Binding').find(b => b['logical_port'] === lspName);
	const chassis = binding === undefined ? undefined : ovn.chassis(str(binding['chassis']) ?? '');
	const plug = plugOf(snapshot, i => i.ifaceId === lspName);
	const node = plug?.node ?? chassisNode(snapshot, chassis);
	if (node === undefined)
		return `--from ${from}: ${lspWords(snapshot, ovn, lspName)} is bound to no chassis the capture set has (SB Port_Binding chassis ${str(binding?.['chassis']) ?? 'none'})`;
	return {
		ip,
		mac: normalizeMac(mac),
		node,
		tap: plug?.iface.name ?? lspName,
		label: lspWords(snapshot, ovn, lspName),
		...(port === undefined ? {} : {port}),
		lsp,
		lspName,
		ls,
	};
}

/** Who holds `to` on OVN: the OVN VIP's live holder (counters or node data), else a plain port. */
function resolveOvnHolder(
	snapshot: Snapshot,
	ovn: OvnModel,
	to: string,
): {holder: PathHolder; ovip?: OvnVip} {
	const ovip = ovn.vips.find(v => sameIp(v.ip, to));
	if (ovip === undefined) return resolveHolder(snapshot, to);
	const owner = ovip.owner;
	if (owner === undefined || owner.configuredOnly)
		return {
			holder: {
				known: false,
				reason: `who holds ${to} is unknown (${owner?.configuredOnly === true ? "only Octavia's configured role, which does not follow failovers" : (ovip.ownerUnknownReason ?? 'no source of live ownership in the capture set')})`,
			},
			ovip,
		};
	const mac = normalizeMac(owner.mac);
	const lsp = ovn.lspByMac(mac);
	const label =
		owner.carrier?.label ??
		(lsp !== undefined ? lspWords(snapshot, ovn, str(lsp['name']) ?? '') : `MAC ${mac}`);
	return {
		holder: {
			known: true,
			mac,
			label: `${label}${owner.observation.node === undefined ? '' : ` on ${owner.observation.node}`}`,
			basis: `holder ${mac} (${label}) — ${owner.observation.detail}`,
		},
		ovip,
	};
}

/** Where the router's MAC for the VIP comes from in the SB: the virtual port's parent or a MAC_Binding. */
function arpSource(
	snapshot: Snapshot,
	ovn: OvnModel,
	ovip: OvnVip | undefined,
	mac: string,
): {words: string; evidence: Evidence[]} {
	const b = ovip?.vipBinding;
	const parent = b === undefined ? undefined : str(b['virtual_parent']);
	if (b !== undefined && parent !== undefined) {
		const chassis = ovn.chassis(str(b['chassis']) ?? '');
		const where =
			chassis === undefined
				? ''
				: ` on chassis ${str(chassis['hostname']) ?? str(chassis['name']) ?? ''}`;
		const parentMac = ovn.lsp(parent);
		const same = parentMac !== undefined && lspMac(parentMac) === mac;
		return {
			words: `the SB binds the VIP's virtual port ${lspWords(snapshot, ovn, str(b['logical_port']) ?? '', true).replace(/^port /, '')} to virtual_parent ${lspWords(snapshot, ovn, parent, true).replace(/^port /, '')}${where}${same ? " (northd resolves the VIP to the parent's MAC)" : ''}`,
			evidence: [
				ovn.evidence(
					'sb',
					b,
					`SB Port_Binding of the VIP's virtual port: virtual_parent ${parent}`,
				),
			],
		};
	}
	const row = ovip?.macBindings.find(r => normalizeMac(str(r['mac']) ?? '') === mac);
	if (row !== undefined)
		return {
			words: `SB MAC_Binding ${str(row['ip']) ?? ''} → ${mac} learnt on ${str(row['logical_port']) ?? '?'}`,
			evidence: [ovn.evidence('sb', row, `SB MAC_Binding for ${str(row['ip']) ?? ''}`)],
		};
	return {words: 'a static entry from the port addresses in the NB', evidence: []};
}

/**
 * The port with `mac` keeps getting traffic for the VIP but stopped sending from it (the chassis'
 * port-security counters, src/diagnostics/ovn-holder.ts): it does not answer for the VIP any more.
 * Only asked when the holder is unknown: frames that land there are lost whoever holds it now.
 */
function silentAt(ovip: OvnVip | undefined, mac: string): Unanswered | undefined {
	return unanswered(ovip?.speakers.find(sp => sameMac(sp.mac, mac)));
}

const silentWords = (u: Unanswered, to: string): string =>
	`it gets traffic for ${to} but has not sent from it for ${u.silentS} s (OVN port-security counters on ${u.speaker.node}: ${u.speaker.lines}): it no longer answers for ${to}`;

/** Prove the path on ml2/ovn. A string is a usage error. */
export function proveOvnPath(
	snapshot: Snapshot,
	ovn: OvnModel,
	from: string,
	to: string,
): PathProof | string {
	const client = resolveOvnClient(snapshot, ovn, from);
	if (typeof client === 'string') return client;
	const {holder, ovip} = resolveOvnHolder(snapshot, ovn, to);
	const w = new Walk(snapshot, client, to, holder, ovip?.vip);
	const toLs = switchOfIp(ovn, to);
	const l2 = toLs !== undefined && toLs === client.ls;
	const sbNode = snapshot.captures[ovn.sb.capture]?.node;
	const c = client;
	const here = `${switchWords(c.ls, '?')} on ${c.node}`;
	let ethDst: string | undefined;
	// same subnet: the MAC the client's ARP gets — the switch's ARP responder answers for a normal
	// port that has the address (LAB-OVN.md: the CIDR allowed-address-pair case), a virtual port's
	// address is answered by whoever holds it
	const responder =
		ovip?.vipLsp !== undefined && str(ovip.vipLsp['type']) === undefined
			? lspMac(ovip.vipLsp)
			: undefined;
	if (l2) ethDst = responder ?? holderMac(w);
	else
		ethDst = (() => {
			const rp = routerPortOn(ovn, c.ls);
			const m = rp === undefined ? undefined : str(rp.lrp['mac']);
			return m === undefined ? undefined : normalizeMac(m);
		})();
	const title0 = l2
		? `${here}: ${lspWords(snapshot, ovn, c.lspName, true)} → ${ethDst ?? '?'} (same subnet, no router${responder !== undefined ? ", the switch's ARP responder's MAC" : ''})`
		: `${here}: ${lspWords(snapshot, ovn, c.lspName, true)} → its router port`;
	const datapath = datapathOf(c.ls);
	const missing =
		ethDst === undefined
			? l2
				? `who holds ${to} is unknown, so the MAC the client's ARP gets cannot be named: ${holder.known ? '' : holder.reason}`
				: `${switchWords(c.ls, '?')} has no logical router port in the NB: nothing routes ${c.ip} to ${to}`
			: sbNode === undefined
				? 'no node of the capture set has the OVN southbound DB (the ovn-db role): nowhere to run ovn-trace'
				: datapath === undefined
					? `the logical switch's name and UUID are not legal ovn-trace datapaths`
					: !LSP_NAME.test(c.lspName)
						? `the client's logical port name "${c.lspName.slice(0, 60)}" is not one dvrscope traces with`
						: undefined;
	if (
		missing !== undefined ||
		ethDst === undefined ||
		sbNode === undefined ||
		datapath === undefined
	) {
		w.hop({
			kind: 'ovn-switch',
			node: c.node,
			title: title0,
			status: 'unread',
			detail: missing ?? '',
			evidence: [],
		});
		return finish(w, c, l2);
	}
	const microflow = ovnMicroflow({
		inport: c.lspName,
		ethSrc: c.mac,
		ip4Src: c.ip,
		ethDst,
		ip4Dst: to,
	});
	const got = w.read(sbNode, 'trace.ovn', {datapath, microflow}, 'ovn-switch', title0);
	if (got === undefined) return finish(w, c, l2);
	const trace = readOvnTrace(got.capture);
	if (trace.error !== undefined) {
		w.hop({
			kind: 'ovn-switch',
			node: c.node,
			title: title0,
			status: 'unread',
			detail: `ovn-trace did not trace (exit ${got.capture.exitCode ?? '?'}): ${trace.error}`,
			evidence: [],
			command: got.command,
		});
		return finish(w, c, l2);
	}
	walkTrace(w, ovn, ovip, c, trace, got, l2);
	return finish(w, c, l2);
}

/** What the segments of one trace share. */
type Ctx = {
	readonly w: Walk;
	readonly ovn: OvnModel;
	readonly ovip: OvnVip | undefined;
	readonly c: OvnClient;
	readonly trace: OvnTrace;
	readonly got: {capture: Capture; command: PathCommand};
	readonly l2: boolean;
	readonly ev: (lines: readonly number[], note: string) => Evidence;
	readonly dropIn: (dp: string) => boolean;
	readonly dropWords: () => string;
};
type Segment = {datapath: string; pipelines: OvnTracePipeline[]};

function walkTrace(
	w: Walk,
	ovn: OvnModel,
	ovip: OvnVip | undefined,
	c: OvnClient,
	trace: OvnTrace,
	got: {capture: Capture; command: PathCommand},
	l2: boolean,
): void {
	const x: Ctx = {
		w,
		ovn,
		ovip,
		c,
		trace,
		got,
		l2,
		ev: (lines, note) => traceEvidence(got.capture, lines, note),
		dropIn: dp => trace.drop !== undefined && trace.drop.datapath === dp,
		dropWords: () =>
			trace.drop === undefined
				? ''
				: `dropped in ${trace.drop.stage || 'table'} (table ${trace.drop.table}): ${trace.drop.reason}`,
	};
	const segs = segments(trace);
	for (const [i, seg] of segs.entries()) {
		const dp = datapathRow(ovn, seg.datapath);
		const on =
			dp?.kind === 'router'
				? routerSegment(x, seg, dp.row)
				: switchSegment(x, seg, dp?.row, i, i === segs.length - 1);
		if (!on) return;
	}
}

/** The logical router: lr_in_ip_routing (out of which port) and lr_in_arp_resolve (which MAC). */
function routerSegment(x: Ctx, seg: Segment, row: OvnRow): boolean {
	const {w, ovn, ovip, c, trace, ev, dropIn, dropWords} = x;
	const snapshot = w.snapshot;
	const name = routerWords(row, seg.datapath);
	const routing = stageIn(seg.pipelines, 'lr_in_ip_routing');
	const out = routing?.actions.map(a => /^outport = "([^"]+)";$/.exec(a)?.[1]).find(Boolean);
	const lrp =
		out === undefined
			? undefined
			: ovn.rows('nb', 'Logical_Router_Port').find(r => r['name'] === out);
	const t1 = `${name} on ${c.node}: lr_in_ip_routing, the route to ${w.to}`;
	if (routing === undefined || out === undefined) {
		w.hop({
			kind: 'ovn-router',
			node: c.node,
			title: t1,
			status: 'break',
			detail: dropIn(seg.datapath) ? dropWords() : `no route to ${w.to} in ${name}`,
			evidence: [ev(linesOf(seg.pipelines, trace), t1)],
		});
		return false;
	}
	w.hop({
		kind: 'ovn-router',
		node: c.node,
		title: t1,
		status: 'ok',
		detail: `logical router ${ovnName(row, seg.datapath)}: ${routing.match ?? ''} → out of ${out}${lrp === undefined ? '' : ` (${strings(lrp['networks']).join(', ')}, ${str(lrp['mac']) ?? ''})`}`,
		evidence: [ev(stageLines(routing), t1)],
	});
	const arp = stageIn(seg.pipelines, 'lr_in_arp_resolve');
	const t2 = `${name} on ${c.node}: lr_in_arp_resolve, the MAC for ${w.to}`;
	if (arp === undefined) {
		w.hop({
			kind: 'ovn-router',
			node: c.node,
			title: t2,
			status: dropIn(seg.datapath) ? 'break' : 'unread',
			detail: dropIn(seg.datapath) ? dropWords() : 'the trace shows no lr_in_arp_resolve stage',
			evidence: [ev(linesOf(seg.pipelines, trace), t2)],
		});
		return false;
	}
	const r = resolvedMac(arp);
	if (r.mac === undefined) {
		w.hop({
			kind: 'ovn-router',
			node: c.node,
			title: t2,
			status: 'unread',
			detail: `${r.how}: the router sends an ARP request for ${w.to} (the trace floods it); who answers is not in a trace — read SB MAC_Binding ip=${w.to} after a ping`,
			evidence: [ev(stageLines(arp), t2)],
		});
		return false;
	}
	const hm = holderMac(w);
	const silent = hm === undefined ? silentAt(ovip, r.mac) : undefined;
	const contradicts = (hm !== undefined && !sameMac(r.mac, hm)) || silent !== undefined;
	const src = arpSource(snapshot, ovn, ovip, r.mac);
	const who = ovn.lspByMac(r.mac);
	w.hop({
		kind: 'ovn-router',
		node: c.node,
		title: t2,
		status: contradicts ? 'break' : 'ok',
		detail: `${w.to} → ${r.mac} (${who === undefined ? 'no known port' : lspWords(snapshot, ovn, str(who['name']) ?? '', true)}): ${src.words}${silent !== undefined ? `; ${silentWords(silent, w.to)} — frames go to the old master` : contradicts ? `; the holder is ${hm} (${w.holder.known ? w.holder.label : ''}): frames go to the old master` : ''}`,
		evidence: [ev(stageLines(arp), t2), ...src.evidence, ...(silent?.speaker.evidence ?? [])],
		...(contradicts ? {contradictsHolder: true as const} : {}),
	});
	return true;
}

/** A logical switch: the client's (to its router port) or the destination's (to the output port). */
function switchSegment(
	x: Ctx,
	seg: Segment,
	row: OvnRow | undefined,
	i: number,
	isLast: boolean,
): boolean {
	const {w, ovn, ovip, c, trace, l2, ev, dropIn, dropWords} = x;
	const snapshot = w.snapshot;
	const command = i === 0 ? {command: x.got.command} : {};
	const sw = switchWords(row, seg.datapath);
	const ingress = seg.pipelines.find(p => p.pipeline === 'ingress');
	const outport =
		seg.pipelines.find(p => p.pipeline === 'egress')?.outport ??
		ingress?.stages
			.flatMap(s => s.actions)
			.map(a => /^outport = "([^"]+)";$/.exec(a)?.[1])
			.find(Boolean);
	const inport = ingress?.inport ?? '?';
	const first = i === 0;
	const t = `${sw} on ${c.node}: ${first ? lspWords(snapshot, ovn, c.lspName, true) : `from ${lspWords(snapshot, ovn, inport, true)}`} → ${outport === undefined ? '?' : lspWords(snapshot, ovn, outport, true)}`;
	const portSec =
		stageIn(seg.pipelines, 'ls_in_check_port_sec') ?? stageIn(seg.pipelines, 'ls_in_port_sec_l2');
	const lkup = stageIn(seg.pipelines, 'ls_in_l2_lkup');
	if (dropIn(seg.datapath) || (outport === undefined && !trace.flood)) {
		w.hop({
			kind: 'ovn-switch',
			node: c.node,
			title: t,
			status: 'break',
			detail: trace.drop !== undefined ? dropWords() : `no output port in ${sw}`,
			evidence: [ev(linesOf(seg.pipelines, trace), t)],
			...command,
		});
		return false;
	}
	if (trace.flood && isLast) {
		const ports = trace.outputs
			.filter(o => o.depth > 0 && o.type !== 'patch')
			.map(o => lspWords(snapshot, ovn, o.port));
		w.hop({
			kind: 'ovn-switch',
			node: c.node,
			title: t,
			status: 'drift',
			detail: `floods to ${ports.join(', ')}: ${sw} has no port with ${l2 ? (holderMac(w) ?? '?') : 'the destination MAC'}`,
			evidence: [ev(linesOf(seg.pipelines, trace), t)],
			...command,
		});
		return false;
	}
	const parts = [
		`logical switch ${ovnName(row, seg.datapath)}`,
		first && portSec !== undefined
			? `port security lets ${c.mac} ${c.ip} in (${portSec.stage})`
			: undefined,
		lkup !== undefined ? `${lkup.stage} ${lkup.match ?? ''} → ${outport ?? '?'}` : undefined,
		isLast
			? `the egress pipeline (ACLs, port security) outputs to ${outport ?? '?'}`
			: 'into the logical router',
	].filter((x): x is string => x !== undefined);
	w.hop({
		kind: 'ovn-switch',
		node: c.node,
		title: t,
		status: 'ok',
		detail: parts.join('; '),
		evidence: [ev(linesOf(seg.pipelines, trace), t)],
		...command,
	});
	if (isLast && outport !== undefined) land(w, ovn, ovip, outport);
	return true;
}

/** The output port: its chassis (SB Port_Binding) and its Neutron port, compared with the holder. */
function land(w: Walk, ovn: OvnModel, ovip: OvnVip | undefined, lspName: string): void {
	const snapshot = w.snapshot;
	const binding = ovn.rows('sb', 'Port_Binding').find(b => b['logical_port'] === lspName);
	const label = lspWords(snapshot, ovn, lspName);
	const chassisRef = binding === undefined ? undefined : str(binding['chassis']);
	const chassis = chassisRef === undefined ? undefined : ovn.chassis(chassisRef);
	const node = chassisNode(snapshot, chassis);
	const host =
		chassis === undefined ? undefined : (str(chassis['hostname']) ?? str(chassis['name']));
	const tc = `chassis ${host ?? chassisRef ?? '?'}: binding of ${label}`;
	if (binding === undefined) {
		w.hop({
			kind: 'chassis',
			title: tc,
			status: 'unread',
			detail: `the SB read has no Port_Binding for ${lspName}`,
			evidence: [],
		});
		return;
	}
	if (chassisRef === undefined) {
		w.hop({
			kind: 'chassis',
			title: tc,
			status: 'break',
			detail: `${label} is bound to no chassis: nothing receives the frames OVN sends to it`,
			evidence: [ovn.evidence('sb', binding, `SB Port_Binding of ${lspName}: no chassis`)],
			contradictsHolder: true,
		});
		return;
	}
	w.hop({
		kind: 'chassis',
		...(node === undefined ? {} : {node}),
		title: tc,
		status: 'ok',
		detail: `${label} is bound to chassis ${host ?? chassisRef}${node === undefined ? ' (not a node of the capture set)' : ` (${node})`}: the frames cross the Geneve tunnel to it`,
		evidence: [
			ovn.evidence('sb', binding, `SB Port_Binding of ${lspName}`),
			...(chassis === undefined ? [] : [ovn.evidence('sb', chassis, `SB Chassis ${host ?? ''}`)]),
		],
	});
	const lsp = ovn.lsp(lspName);
	const api = snapshot.cloud.ports?.data.find(p => p.id === lspName);
	const mac = api?.mac ?? (lsp === undefined ? undefined : lspMac(lsp));
	const where = node ?? host ?? chassisRef;
	const plug = plugOf(snapshot, i => i.ifaceId === lspName);
	w.landing = {
		node: where,
		port: plug?.iface.name ?? lspName,
		...(mac === undefined ? {} : {mac: normalizeMac(mac)}),
		label: `${label}${api?.deviceId ? `, device ${api.deviceId.slice(0, 8)}` : ''}`,
	};
	const title = `${where}: ${plug?.iface.name ?? lspName} → ${w.landing.label}`;
	const hm = holderMac(w);
	const silent = hm === undefined && mac !== undefined ? silentAt(ovip, mac) : undefined;
	if (silent !== undefined) {
		w.hop({
			kind: 'port',
			node: where,
			title,
			status: 'break',
			detail: `lands on ${w.landing.label}: ${silentWords(silent, w.to)}; ${w.holder.known ? '' : w.holder.reason}`,
			evidence: [...silent.speaker.evidence],
			contradictsHolder: true,
		});
		return;
	}
	if (hm === undefined || mac === undefined) {
		w.hop({
			kind: 'port',
			node: where,
			title,
			status: 'unread',
			detail:
				mac === undefined
					? `the MAC of ${lspName} is unknown (no API port, no NB addresses)`
					: `who holds ${w.to} is unknown: ${w.holder.known ? '' : w.holder.reason} — read on every member's chassis, while clients reach ${w.to}: ovs-ofctl -t 10 dump-flows br-int (the OVN port-security counters)`,
			evidence: [],
		});
		return;
	}
	const ok = sameMac(mac, hm);
	w.hop({
		kind: 'port',
		node: where,
		title,
		status: ok ? 'ok' : 'break',
		detail: ok
			? `ends on the holder of ${w.to}: ${w.holder.known ? w.holder.label : ''}`
			: `lands on ${w.landing.label}, which does not hold ${w.to}; the holder is ${hm} (${w.holder.known ? w.holder.label : ''})`,
		evidence: [],
		...(ok ? {} : {contradictsHolder: true as const}),
	});
}

function finish(w: Walk, c: OvnClient, l2: boolean): PathProof {
	const requests = w.hops.flatMap(h =>
		h.status === 'unread' && h.command !== undefined ? [h.command] : [],
	);
	return {
		from: {ip: c.ip, mac: c.mac, node: c.node, tap: c.tap, label: c.label},
		to: w.to,
		l2,
		holder: w.holder,
		hops: w.hops,
		...(w.landing === undefined ? {} : {landing: w.landing}),
		...verdictOf(w),
		requests,
	};
}

/**
 * The client of an OVN VIP finding's proof: a VM port (a bound, normal LSP that is no member of the
 * VIP) on another logical switch behind the router of the VIP's switch — its ping is routed, so the
 * router's lr_in_arp_resolve (the hop an OVN black hole breaks at) is on its path — else on the
 * VIP's own switch. Deterministic: the lowest address. Undefined when the NB/SB have none.
 */
export function ovnProofClient(snapshot: Snapshot, ovn: OvnModel, vip: string): string | undefined {
	const vipLs = switchOfIp(ovn, vip);
	if (vipLs === undefined) return undefined;
	const ovip = ovn.vips.find(v => sameIp(v.ip, vip));
	const members = new Set([
		...(ovip?.allowed ?? []).map(r => str(r['name'])),
		...(ovip?.parents ?? []),
		str(ovip?.vipLsp?.['name']),
	]);
	/** The logical router a switch's router port belongs to. */
	const lrOf = (ls: OvnRow): string | undefined => {
		const rp = routerPortOn(ovn, ls);
		const u = rp === undefined ? undefined : str(rp.lrp['_uuid']);
		const lr = ovn
			.rows('nb', 'Logical_Router')
			.find(r => u !== undefined && strings(r['ports']).includes(u));
		return lr === undefined ? undefined : str(lr['_uuid']);
	};
	const vipRouter = lrOf(vipLs);
	const routed = (ls: OvnRow): boolean => vipRouter !== undefined && lrOf(ls) === vipRouter;
	const bound = new Set(
		ovn
			.rows('sb', 'Port_Binding')
			.filter(b => str(b['chassis']) !== undefined)
			.map(b => str(b['logical_port'])),
	);
	const candidates = ovn
		.rows('nb', 'Logical_Switch_Port')
		.filter(
			r =>
				str(r['type']) === undefined && bound.has(str(r['name'])) && !members.has(str(r['name'])),
		)
		.flatMap(r => {
			const ls = switchOf(ovn, r);
			const ip = lspIps(r)[0];
			if (ls === undefined || ip === undefined) return [];
			const rank = ls !== vipLs && routed(ls) ? 0 : ls === vipLs ? 1 : 2;
			return rank === 2 ? [] : [{ip, rank}];
		})
		.sort((a, b) => a.rank - b.rank || a.ip.localeCompare(b.ip, 'en', {numeric: true}));
	return candidates[0]?.ip;
}
