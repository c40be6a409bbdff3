/**
 * The packet-path proof (issue 22): "this packet from this VM goes through these flows, this router
 * entry, this tunnel, and lands on that port" — hop by hop across nodes, from read-only captures
 * (`trace.ovs`, `trace.route-get`) and the node state already collected (OVSDB, qrouter addresses
 * and neighbours), then compared with the VIP's holder from the model.
 *
 * Pure and replayable: every hop's command is planned from the catalog and looked up in the
 * capture set by node and argv. A hop whose capture is not there is `unread` and names the command
 * that would read it (a live run executes those and proves again; saved data says INCOMPLETE). The
 * next round's inputs come from the previous hop (the remote node needs the tunnel id and the MAC).
 */
import type {Capture} from '../model/capture.js';
import type {OvsTrace, OvsdbNeutronPort} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import {lineEvidence, neighFocus} from './evidence.js';
import {readBackend} from './backend.js';
import {getModel} from './model.js';
import {getOvn} from './ovn.js';
import {proveOvnPath} from './path-ovn.js';
import {normalizeMac, sameIp, sameMac} from './net.js';
import {holderMac, stepLines, verdictOf, Walk, whoIs} from './path-walk.js';
import {
	legFor,
	nodeWithTunnelIp,
	ovsInterfaces,
	portWords,
	readRoute,
	resolveFrom,
	resolveHolder,
	routerLegs,
	traceEvidence,
	tunnelIpOf,
	type Leg,
} from './path-node.js';
import type {PathCommand, PathProof} from './types.js';

export type {HopKind, HopStatus, PathCommand, PathHop} from './types.js';

export type {PathProof, PathVerdict} from './types.js';

const MAX_TUNNEL_HOPS = 2;

/** Follow a trace's exit: a local port (landing), a tunnel (remote round), or a drop/flood. */
function follow(
	w: Walk,
	node: NodeId,
	got: {trace: OvsTrace; capture: Capture; command: PathCommand},
	packet: {dlSrc: string; dlDst: string; routed: boolean},
	title: string,
	depth: number,
): void {
	const {trace, capture, command} = got;
	const ifaces = ovsInterfaces(w.snapshot, node);
	const evidence = [traceEvidence(capture, stepLines(trace), title)];
	if (trace.drop !== undefined || trace.outputs.length === 0) {
		w.hop({
			kind: 'ovs',
			node,
			title,
			status: 'break',
			detail: `dropped in ${trace.drop?.bridge ?? '?'} table ${trace.drop?.table ?? '?'}: ${trace.drop?.reason ?? 'no exit'}`,
			evidence,
			command,
		});
		return;
	}
	const isTunnel = (port: string): boolean =>
		trace.outputs.some(o => o.port === port && o.tunnel !== undefined) ||
		['vxlan', 'geneve', 'gre'].includes(ifaces.find(i => i.name === port)?.type ?? '');
	// Where the destination MAC lives: a local tap, else the tunnel towards the node that hosts it.
	const local = trace.outputs.find(o =>
		ifaces.some(i => i.name === o.port && sameMac(i.attachedMac, packet.dlDst)),
	);
	const exit = local ?? trace.outputs.find(o => isTunnel(o.port)) ?? trace.outputs[0];
	const drift: string[] = [];
	if (trace.flood)
		drift.push(
			`floods (${trace.outputs.map(o => o.port).join(', ')}): no learned port for ${packet.dlDst}`,
		);
	if (exit === undefined) return;
	if (/^\d+$/.test(exit.port)) {
		w.hop({
			kind: 'ovs',
			node,
			title,
			status: 'unread',
			detail: `exit ${exit.port} is a port number (trace without --names): cannot tell which port`,
			evidence,
			command,
		});
		return;
	}
	if (!isTunnel(exit.port)) {
		w.hop({
			kind: 'ovs',
			node,
			title,
			status: drift.length > 0 ? 'drift' : 'ok',
			detail: [`leaves through ${exit.port}`, ...drift].join('; '),
			evidence,
			command,
		});
		land(w, node, exit.port, ifaces);
		return;
	}
	const src = [...trace.rewrites].reverse().find(r => r.field === 'eth_src')?.value ?? packet.dlSrc;
	if (packet.routed && depth === 0 && !/^fa:16:3f/.test(src) && src === packet.dlSrc)
		drift.push(
			`no DVR source-MAC rewrite: the router MAC ${packet.dlSrc} leaves ${node} unchanged`,
		);
	const rewrite = trace.rewrites
		.filter(r => r.field === 'eth_src')
		.map(r => `${r.bridge} table ${r.table} rewrites the source MAC to ${r.value}`);
	w.hop({
		kind: 'ovs',
		node,
		title,
		status: drift.length > 0 ? 'drift' : 'ok',
		detail: [`leaves through tunnel port ${exit.port}`, ...rewrite, ...drift].join('; '),
		evidence,
		command,
	});
	tunnel(w, node, exit.port, exit.tunnel, trace.tunId, {...packet, dlSrc: src}, depth);
}

function land(w: Walk, node: NodeId, port: string, ifaces: readonly OvsdbNeutronPort[]): void {
	const iface = ifaces.find(i => i.name === port);
	const neutron =
		iface?.ifaceId === undefined
			? undefined
			: w.snapshot.cloud.ports?.data.find(p => p.id === iface.ifaceId);
	const mac = neutron?.mac ?? iface?.attachedMac;
	const label =
		neutron !== undefined
			? `${portWords(neutron)}${neutron.deviceId ? `, device ${neutron.deviceId.slice(0, 8)}` : ''}`
			: iface?.ifaceId !== undefined
				? `Neutron port ${iface.ifaceId} (not in the API data)`
				: `${port} (no Neutron port: not a VM interface)`;
	w.landing = {node, port, ...(mac === undefined ? {} : {mac: normalizeMac(mac)}), label};
	const title = `${node}: ${port} → ${label}`;
	const hm = holderMac(w);
	if (hm === undefined || mac === undefined) {
		w.hop({
			kind: 'port',
			node,
			title,
			status: 'unread',
			detail:
				mac === undefined
					? `the MAC behind ${port} is unknown (no attached-mac in OVSDB, no API port)`
					: `who holds ${w.to} is unknown: ${w.holder.known ? '' : w.holder.reason}`,
			evidence: [],
		});
		return;
	}
	const ok = sameMac(mac, hm);
	w.hop({
		kind: 'port',
		node,
		title,
		status: ok ? 'ok' : 'break',
		detail: ok
			? `ends on the holder of ${w.to}: ${w.holder.known ? w.holder.label : ''}`
			: `lands on ${label}, which does not hold ${w.to}; the holder is ${hm} (${w.holder.known ? w.holder.label : ''})`,
		evidence: [],
		...(ok ? {} : {contradictsHolder: true as const}),
	});
}

function tunnel(
	w: Walk,
	node: NodeId,
	port: string,
	info: {remoteIp?: string; tunId?: string} | undefined,
	traceTunId: string | undefined,
	packet: {dlSrc: string; dlDst: string; routed: boolean},
	depth: number,
): void {
	const iface = ovsInterfaces(w.snapshot, node).find(i => i.name === port);
	// The kernel datapath may not print the remote IP: read the port's options:remote_ip.
	const remoteIp = info?.remoteIp ?? iface?.options['remote_ip'];
	const tunId = info?.tunId ?? traceTunId;
	const title = `${node}: tunnel ${port}${remoteIp === undefined ? '' : ` → ${remoteIp}`}${tunId === undefined ? '' : `, tun_id ${tunId}`}`;
	const remote = remoteIp === undefined ? undefined : nodeWithTunnelIp(w.snapshot, remoteIp);
	const localIp = tunnelIpOf(w.snapshot, node);
	const missing =
		remoteIp === undefined
			? `the remote IP of ${port} is unknown (not in the trace, no options:remote_ip in OVSDB)`
			: tunId === undefined
				? 'the trace set no tun_id (a remote trace without it is dropped in br-tun table 4)'
				: remote === undefined
					? `no node in the capture set has tunnel IP ${remoteIp}: collect it`
					: localIp === undefined
						? `the tunnel IP of ${node} is unknown (no local_ip on its tunnel ports)`
						: undefined;
	if (
		missing !== undefined ||
		remote === undefined ||
		localIp === undefined ||
		tunId === undefined
	) {
		w.hop({kind: 'tunnel', node, title, status: 'unread', detail: missing ?? '', evidence: []});
		return;
	}
	const hosts = ovsInterfaces(w.snapshot, remote).some(i => sameMac(i.attachedMac, packet.dlDst));
	w.hop({
		kind: 'tunnel',
		node,
		title: `${title} (${remote})`,
		status: hosts ? 'ok' : 'drift',
		detail: hosts
			? `to ${remote}, which hosts ${packet.dlDst}`
			: `to ${remote}, which hosts no port with MAC ${packet.dlDst}`,
		evidence: [],
	});
	if (depth + 1 > MAX_TUNNEL_HOPS) return;
	const inPort = ovsInterfaces(w.snapshot, remote).find(i => i.options['remote_ip'] === localIp);
	if (inPort === undefined) {
		w.hop({
			kind: 'ovs',
			node: remote,
			title: `${remote} br-tun`,
			status: 'unread',
			detail: `${remote} has no tunnel port to ${localIp} (${node})`,
			evidence: [],
		});
		return;
	}
	const rtitle = `${remote} br-tun from ${inPort.name} (tun_id ${tunId}) → ${packet.dlDst}`;
	const got = w.trace(
		remote,
		'br-tun',
		{
			inPort: inPort.name,
			tunId,
			dlSrc: packet.dlSrc,
			dlDst: packet.dlDst,
			nwSrc: w.client.ip,
			nwDst: w.to,
		},
		rtitle,
	);
	if (got === undefined) return;
	const learning = got.trace.steps.some(s => s.bridge === 'br-tun' && s.table === 10);
	if (learning && packet.routed && /^fa:16:3f/.test(packet.dlSrc))
		w.hop({
			kind: 'ovs',
			node: remote,
			title: `${remote}: DVR MAC of ${node}`,
			status: 'drift',
			detail: `${remote}'s br-tun does not know ${node}'s DVR MAC ${packet.dlSrc} (no table 9 match): inbound took the learning path (table 10) instead of the DVR path — a missed dvr_mac_address_update`,
			evidence: [
				traceEvidence(
					got.capture,
					got.trace.steps.filter(s => s.table === 10).map(s => s.line),
					'learning path',
				),
			],
		});
	follow(w, remote, got, packet, rtitle, depth + 1);
}

/** The routed part: client → qr leg → qrouter route and entry → OVS from the egress leg. */
function routed(w: Walk, legs: readonly Leg[]): void {
	const c = w.client;
	const inLeg = legFor(legs, c.ip);
	if (inLeg === undefined || inLeg.mac === undefined) {
		w.hop({
			kind: 'route',
			node: c.node,
			title: `${c.node}: router leg for ${c.ip}`,
			status: 'unread',
			detail: `no qrouter- namespace on ${c.node} has a qr- leg on ${c.ip}'s subnet (addresses of the router namespaces not read, or no router)`,
			evidence: [],
		});
		return;
	}
	const ns = inLeg.namespace;
	const t1 = `${c.node} br-int: ${c.tap} → ${inLeg.dev} (${inLeg.mac})`;
	const first = w.trace(
		c.node,
		'br-int',
		{inPort: c.tap, dlSrc: c.mac, dlDst: inLeg.mac, nwSrc: c.ip, nwDst: w.to},
		t1,
	);
	if (first !== undefined) {
		const reaches = first.trace.outputs.some(o => o.port === inLeg.dev);
		w.hop({
			kind: 'ovs',
			node: c.node,
			title: t1,
			status: !reaches ? 'break' : first.trace.flood ? 'drift' : 'ok',
			detail: reaches
				? `reaches the router leg ${inLeg.dev}${first.trace.flood ? ' but floods' : ''}`
				: `does not reach ${inLeg.dev}: ${first.trace.drop?.reason ?? `leaves through ${first.trace.outputs.map(o => o.port).join(', ')}`}`,
			evidence: [traceEvidence(first.capture, stepLines(first.trace), t1)],
			command: first.command,
		});
		if (!reaches) return;
	}
	// The kernel's route: the egress leg (predicted from the addresses while the route is unread).
	const t2 = `${c.node} ${ns}: route to ${w.to} from ${c.ip} iif ${inLeg.dev}`;
	const route = w.read(
		c.node,
		'trace.route-get',
		{namespace: ns, ip: w.to, sourceIp: c.ip, device: inLeg.dev},
		'route',
		t2,
	);
	let outLeg = legFor(legs, w.to, ns);
	if (route !== undefined) {
		const entry = readRoute(route.capture);
		const dev = entry?.dev;
		outLeg = legs.find(l => l.namespace === ns && l.dev === dev) ?? outLeg;
		const bad = entry === undefined || dev === undefined || entry.gateway !== undefined;
		w.hop({
			kind: 'route',
			node: c.node,
			title: t2,
			status: bad ? 'break' : 'ok',
			detail:
				entry === undefined
					? `no route (${route.capture.stderr.trim() || 'empty output'})`
					: entry.gateway !== undefined
						? `via gateway ${entry.gateway} dev ${dev ?? '?'}: ${w.to} is not on a subnet of this router`
						: `out of ${dev ?? '?'} (directly connected)`,
			evidence: [traceEvidence(route.capture, [1], t2)],
			command: route.command,
		});
		if (bad) return;
	}
	if (outLeg === undefined || outLeg.mac === undefined) {
		w.hop({
			kind: 'route',
			node: c.node,
			title: t2,
			status: 'unread',
			detail: `no leg of ${ns} on ${w.to}'s subnet`,
			evidence: [],
		});
		return;
	}
	const model = getModel(w.snapshot);
	const t3 = `${c.node} ${ns}: neighbour entry for ${w.to}`;
	const obs = model.neigh(c.node, ns).filter(o => sameIp(o.entry.dst, w.to));
	const o = obs.find(x => x.entry.dev === outLeg.dev) ?? obs[0];
	const read = w.snapshot.nodes[c.node]?.facts.neigh?.[ns] !== undefined;
	if (o === undefined || o.entry.lladdr === undefined) {
		w.hop({
			kind: 'neigh',
			node: c.node,
			title: t3,
			status: !read ? 'unread' : o === undefined ? 'unread' : 'break',
			detail: !read
				? `${ns}'s neighbour table was not read: run on ${c.node}: ip -n ${ns} -j neigh show`
				: o === undefined
					? `no entry for ${w.to}: the kernel would ARP for it, which a trace does not show`
					: `entry ${o.entry.states.join(' ')} without a MAC: the kernel has nowhere to send ${w.to}`,
			evidence:
				o === undefined
					? []
					: [lineEvidence(w.snapshot, c.node, o.sourced, [o.entry.line], t3, neighFocus(w.to))],
		});
		return;
	}
	const mac = normalizeMac(o.entry.lladdr);
	const hm = holderMac(w);
	const contradicts = hm !== undefined && !sameMac(mac, hm);
	w.hop({
		kind: 'neigh',
		node: c.node,
		title: t3,
		status: contradicts ? 'break' : 'ok',
		detail: `${w.to} lladdr ${mac} ${o.entry.states.join(' ')} on ${o.entry.dev ?? outLeg.dev} → ${whoIs(w, mac)}${contradicts ? `; the holder is ${hm} (${w.holder.known ? w.holder.label : ''}): frames go to the old MAC` : ''}`,
		evidence: [lineEvidence(w.snapshot, c.node, o.sourced, [o.entry.line], t3, neighFocus(w.to))],
		...(contradicts ? {contradictsHolder: true as const} : {}),
	});
	const t4 = `${c.node} br-int: ${outLeg.dev} (${outLeg.mac}) → ${mac}`;
	const fields = {inPort: outLeg.dev, dlSrc: outLeg.mac, dlDst: mac, nwSrc: c.ip, nwDst: w.to};
	const got = w.trace(c.node, 'br-int', fields, t4);
	if (got !== undefined)
		follow(w, c.node, got, {dlSrc: outLeg.mac, dlDst: mac, routed: true}, t4, 0);
}

/** Prove the path of one packet from `from` (VM, port id or IP) to `to`. A string is a usage error. */
export function provePath(snapshot: Snapshot, from: string, to: string): PathProof | string {
	// ml2/ovn: one ovn-trace against the southbound DB (src/diagnostics/path-ovn.ts)
	const ovn = getOvn(snapshot);
	if (ovn !== undefined && readBackend(snapshot).backend !== 'ml2/ovs')
		return proveOvnPath(snapshot, ovn, from, to);
	const client = resolveFrom(snapshot, from);
	if (typeof client === 'string') return client;
	const {holder, vip} = resolveHolder(snapshot, to);
	const w = new Walk(snapshot, client, to, holder, vip);
	const legs = routerLegs(snapshot, client.node);
	const subnet = getModel(snapshot).subnetOf(client.ip);
	const l2 =
		subnet !== undefined
			? getModel(snapshot).subnetOf(to)?.cidr === subnet.cidr
			: legFor(legs, client.ip) === legFor(legs, to) && legFor(legs, to) !== undefined;
	if (l2) {
		const hm = holderMac(w);
		const title = `${client.node} br-int: ${client.tap} → ${hm ?? '?'} (same subnet, no router)`;
		if (hm === undefined)
			w.hop({
				kind: 'ovs',
				node: client.node,
				title,
				status: 'unread',
				detail: `who holds ${to} is unknown, so the MAC the client's ARP gets cannot be named: ${holder.known ? '' : holder.reason}`,
				evidence: [],
			});
		else {
			const got = w.trace(
				client.node,
				'br-int',
				{inPort: client.tap, dlSrc: client.mac, dlDst: hm, nwSrc: client.ip, nwDst: to},
				title,
			);
			if (got !== undefined)
				follow(w, client.node, got, {dlSrc: client.mac, dlDst: hm, routed: false}, title, 0);
		}
	} else routed(w, legs);
	const requests = w.hops.flatMap(h =>
		h.status === 'unread' && h.command !== undefined ? [h.command] : [],
	);
	return {
		from: {ip: client.ip, mac: client.mac, node: client.node, tap: client.tap, label: client.label},
		to,
		l2,
		holder,
		hops: w.hops,
		...(w.landing === undefined ? {} : {landing: w.landing}),
		...verdictOf(w),
		requests,
	};
}
