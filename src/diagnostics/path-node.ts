/**
 * Node look-ups of the packet-path proof (issue 22): a node's OVS interfaces (OVSDB), router legs
 * (qrouter addresses), tunnel endpoints, and the path captures (`trace.*`) already in a capture set.
 * Pure; reads the snapshot only.
 */
import {parseCapture} from '../collectors/parsers/index.js';
import type {Capture} from '../model/capture.js';
import type {OsPort, OvsdbNeutronPort, OvsTrace, RouteEntry} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import {cidrContains, normalizeMac, sameIp, sameMac} from './net.js';
import type {Evidence, PathHolder} from './types.js';
import {fixHolder} from './holder.js';
import {getModel, type Vip} from './model.js';

/** OVS interfaces of a node (OVSDB Interface table, Neutron's reading). */
export function ovsInterfaces(snapshot: Snapshot, node: NodeId): readonly OvsdbNeutronPort[] {
	const ovsdb = snapshot.nodes[node]?.facts.ovsdb;
	return ovsdb?.['Interface']?.data.neutron ?? [];
}

/** The OVSDB capture of a node's Interface table (for evidence). */
export function interfacesCapture(snapshot: Snapshot, node: NodeId): string | undefined {
	return snapshot.nodes[node]?.facts.ovsdb?.['Interface']?.capture;
}

/** Where a Neutron port is plugged: the node whose OVSDB has its `iface-id`. */
export function plugOf(
	snapshot: Snapshot,
	match: (i: OvsdbNeutronPort) => boolean,
): {node: NodeId; iface: OvsdbNeutronPort} | undefined {
	for (const node of Object.keys(snapshot.nodes))
		for (const iface of ovsInterfaces(snapshot, node)) if (match(iface)) return {node, iface};
	return undefined;
}

/** A router leg in a `qrouter-` namespace on a node: the interface holding `gateway`, or on `ip`'s prefix. */
export type Leg = {namespace: string; dev: string; mac?: string; address: string};

export function routerLegs(snapshot: Snapshot, node: NodeId): Leg[] {
	const legs: Leg[] = [];
	const addr = snapshot.nodes[node]?.facts.addr ?? {};
	for (const [namespace, sourced] of Object.entries(addr)) {
		if (!namespace.startsWith('qrouter-')) continue;
		for (const iface of sourced.data) {
			if (!iface.name.startsWith('qr-')) continue;
			for (const a of iface.addresses)
				legs.push({
					namespace,
					dev: iface.name,
					...(iface.mac === undefined ? {} : {mac: normalizeMac(iface.mac)}),
					address: `${a.local}/${a.prefixlen}`,
				});
		}
	}
	return legs;
}

/** The leg on `ip`'s subnet (its address's prefix contains `ip`), preferring `namespace`. */
export function legFor(legs: readonly Leg[], ip: string, namespace?: string): Leg | undefined {
	const on = legs.filter(l => cidrContains(l.address, ip));
	return on.find(l => l.namespace === namespace) ?? on[0];
}

/** The node whose tunnel ports use `ip` as their local address. */
export function nodeWithTunnelIp(snapshot: Snapshot, ip: string): NodeId | undefined {
	for (const node of Object.keys(snapshot.nodes))
		if (ovsInterfaces(snapshot, node).some(i => i.options['local_ip'] === ip)) return node;
	for (const [node, n] of Object.entries(snapshot.nodes))
		for (const iface of n.facts.addr?.['']?.data ?? [])
			if (iface.addresses.some(a => sameIp(a.local, ip))) return node;
	return undefined;
}

/** The node's own tunnel address (its tunnel ports' `local_ip`). */
export const tunnelIpOf = (snapshot: Snapshot, node: NodeId): string | undefined =>
	ovsInterfaces(snapshot, node).find(i => i.options['local_ip'] !== undefined)?.options['local_ip'];

/** A path capture already in the set: same node, same argv. The newest wins. */
export function findCapture(
	snapshot: Snapshot,
	node: NodeId,
	argv: readonly string[],
): Capture | undefined {
	let found: Capture | undefined;
	for (const capture of Object.values(snapshot.captures)) {
		if (capture.node !== node || !capture.catalogId?.startsWith('trace.')) continue;
		if (capture.argv.length !== argv.length || capture.argv.some((w, i) => w !== argv[i])) continue;
		if (found === undefined || capture.startedAt >= found.startedAt) found = capture;
	}
	return found;
}

/** Why a capture cannot be read, or undefined. A non-zero exit is data (OVS's refusal is read). */
export function unreadable(capture: Capture): string | undefined {
	if (capture.failure !== undefined) return `${capture.failure.kind}: ${capture.failure.message}`;
	if (capture.truncated === true) return 'output truncated at the size cap';
	return undefined;
}

export function readTrace(capture: Capture): OvsTrace {
	const out = parseCapture('ovs-trace', capture.stdout).facts;
	if (out.steps.length === 0 && out.error === undefined && capture.stderr.trim() !== '')
		return {...out, error: capture.stderr.trim().split('\n')[0] ?? ''};
	if (out.steps.length === 0 && out.error === undefined)
		return {...out, error: `no trace in the output (exit ${capture.exitCode ?? '?'})`};
	return out;
}

export function readRoute(capture: Capture): RouteEntry | undefined {
	return parseCapture('ip-route', capture.stdout).facts[0];
}

/** Evidence from some lines of a path capture. */
export function traceEvidence(capture: Capture, lines: readonly number[], note: string): Evidence {
	const text = capture.stdout.split('\n');
	const wanted = [...new Set(lines)].filter(l => l >= 1 && l <= text.length).sort((a, b) => a - b);
	return {
		...(capture.node === undefined ? {} : {node: capture.node}),
		capture: capture.id,
		lines: wanted,
		excerpt: wanted.map(l => (text[l - 1] ?? '').trimEnd()).join('\n'),
		note,
	};
}

/** A Neutron port's words: `port vm1 (e08aa042), 198.19.0.11, fa:16:3e:…`. */
export function portWords(port: OsPort): string {
	const ips = port.fixedIps.map(f => f.ip).join(', ');
	return `port ${port.name !== undefined && port.name !== '' ? `${port.name} ` : ''}(${port.id.slice(0, 8)})${ips === '' ? '' : `, ${ips}`}, ${port.mac}`;
}

/** The address the trace starts from: a Neutron port (API or OVSDB) plugged into a node's br-int. */
export type Client = {
	readonly ip: string;
	readonly mac: string;
	readonly node: NodeId;
	readonly tap: string;
	readonly label: string;
	readonly port?: OsPort;
};

export function resolveFrom(snapshot: Snapshot, from: string): Client | string {
	const ports = snapshot.cloud.ports?.data ?? [];
	const port = ports.find(
		p =>
			p.id === from ||
			(p.name !== undefined && p.name !== '' && p.name === from) ||
			p.deviceId === from ||
			p.fixedIps.some(f => sameIp(f.ip, from)),
	);
	let plug = plugOf(snapshot, i =>
		port !== undefined
			? i.ifaceId === port.id
			: i.ifaceId === from || i.vmUuid === from || i.name === from,
	);
	let ip = port?.fixedIps.find(f => !f.ip.includes(':'))?.ip;
	if (plug === undefined && port === undefined) {
		// No API: the IP's MAC from a router's PERMANENT entry, then the tap with that attached MAC.
		const model = getModel(snapshot);
		for (const node of Object.keys(snapshot.nodes))
			for (const ns of model.namespaces(node).filter(n => n.startsWith('qrouter-')))
				for (const o of model.neigh(node, ns))
					if (sameIp(o.entry.dst, from) && o.entry.lladdr !== undefined && plug === undefined) {
						const mac = o.entry.lladdr;
						plug = plugOf(snapshot, i => sameMac(i.attachedMac, mac));
						ip = from;
					}
	}
	if (plug === undefined)
		return port === undefined
			? `--from ${from}: no Neutron port, VM or OVS interface with that id, name or IP in the capture set`
			: `--from ${from}: ${portWords(port)} is not plugged into any node's br-int in the capture set (no OVSDB interface with iface-id ${port.id})`;
	const mac = port?.mac ?? plug.iface.attachedMac;
	if (ip === undefined || mac === undefined)
		return `--from ${from}: the port's IPv4 address or MAC is unknown (give its IP, or collect with the OpenStack API)`;
	return {
		ip,
		mac: normalizeMac(mac),
		node: plug.node,
		tap: plug.iface.name,
		label: port !== undefined ? portWords(port) : `${plug.iface.name} (${mac}) on ${plug.node}`,
		...(port === undefined ? {} : {port}),
	};
}

export function resolveHolder(snapshot: Snapshot, to: string): {holder: PathHolder; vip?: Vip} {
	const model = getModel(snapshot);
	const vip = model.vips.find(v => sameIp(v.ip, to));
	if (vip !== undefined) {
		const h = fixHolder(snapshot, vip);
		if (!h.known) return {holder: h, vip};
		return {
			holder: {known: true, mac: h.mac, label: h.carrier?.label ?? h.mac, basis: h.basis},
			vip,
		};
	}
	const port = snapshot.cloud.ports?.data.find(p => p.fixedIps.some(f => sameIp(f.ip, to)));
	if (port !== undefined)
		return {
			holder: {
				known: true,
				mac: normalizeMac(port.mac),
				label: portWords(port),
				basis: `Neutron port with fixed IP ${to}`,
			},
		};
	return {holder: {known: false, reason: `no VIP or Neutron port with ${to} in the capture set`}};
}

export type {HopKind, HopStatus, PathCommand, PathHolder, PathHop} from './types.js';
