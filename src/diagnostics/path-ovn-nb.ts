/**
 * NB/SB look-ups and trace reading of the OVN packet-path proof (src/diagnostics/path-ovn.ts): the
 * Neutron names of logical switches, routers and ports, a port's switch and chassis, the router
 * port on a switch, and the stages of a parsed `ovn-trace`. Pure.
 */
import {parseCapture} from '../collectors/parsers/index.js';
import {DATAPATH} from '../collectors/ovn-microflow.js';
import type {Capture} from '../model/capture.js';
import type {OvnRow, OvnTrace, OvnTracePipeline, OvnTraceStage} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import {cidrContains, normalizeMac, sameIp} from './net.js';
import {map, portText, str, strings, type OvnModel} from './ovn.js';
import {portWords} from './path-node.js';

export const words = (v: OvnRow[string] | undefined): string[] =>
	strings(v).flatMap(e => e.split(/\s+/).filter(Boolean));

/** The IPv4 addresses an LSP's `addresses` list (after its MAC). */
export const lspIps = (row: OvnRow): string[] =>
	words(row['addresses'])
		.slice(1)
		.filter(w => /^\d+\.\d+\.\d+\.\d+$/.test(w));

/** The NB Logical_Switch that has this LSP. */
export function switchOf(ovn: OvnModel, lsp: OvnRow): OvnRow | undefined {
	const uuid = str(lsp['_uuid']);
	return ovn
		.rows('nb', 'Logical_Switch')
		.find(ls => uuid !== undefined && strings(ls['ports']).includes(uuid));
}

/** `network netA` (Neutron's name), else `logical switch <OVN name>`; `ovnName` for the detail. */
export function switchWords(ls: OvnRow | undefined, fallback: string): string {
	const name = ls === undefined ? undefined : str(map(ls['external_ids'])['neutron:network_name']);
	return name !== undefined ? `network ${name}` : `logical switch ${ovnName(ls, fallback)}`;
}

/** `router r1` (Neutron's name), else `logical router <OVN name>`. */
export function routerWords(lr: OvnRow | undefined, fallback: string): string {
	const name = lr === undefined ? undefined : str(map(lr['external_ids'])['neutron:router_name']);
	return name !== undefined ? `router ${name}` : `logical router ${ovnName(lr, fallback)}`;
}

/** The OVN name of a switch or router row (`neutron-<id>`), else its UUID. */
export const ovnName = (row: OvnRow | undefined, fallback: string): string =>
	(row === undefined ? undefined : (str(row['name']) ?? str(row['_uuid']))) ?? fallback;

/** A datapath as ovn-trace prints it (NB UUID with --no-friendly-names, or its name): the NB row. */
export function datapathRow(
	ovn: OvnModel,
	dp: string,
): {kind: 'switch' | 'router'; row: OvnRow} | undefined {
	const hit = (r: OvnRow): boolean => r['_uuid'] === dp || r['name'] === dp;
	const ls = ovn.rows('nb', 'Logical_Switch').find(hit);
	if (ls !== undefined) return {kind: 'switch', row: ls};
	const lr = ovn.rows('nb', 'Logical_Router').find(hit);
	return lr !== undefined ? {kind: 'router', row: lr} : undefined;
}

/**
 * The Neutron words of a logical port: a router interface by its address, else the API port
 * (`port vm1 (d7c70c6a), 198.19.0.11, fa:16:3e:…`), else the LSP's `neutron:port_name`, else its name.
 * `short`: name and id only.
 */
export function lspWords(snapshot: Snapshot, ovn: OvnModel, name: string, short = false): string {
	const row = ovn.lsp(name);
	if (row !== undefined && str(row['type']) === 'router') {
		const lrpName = str(map(row['options'])['router-port']);
		const lrp = ovn.rows('nb', 'Logical_Router_Port').find(r => r['name'] === lrpName);
		const nets = lrp === undefined ? '' : strings(lrp['networks']).join(', ');
		return `router interface ${nets === '' ? (lrpName ?? name) : nets} (${name.slice(0, 8)})`;
	}
	const port = snapshot.cloud.ports?.data.find(p => p.id === name);
	if (port !== undefined) return short ? portText(snapshot, name) : portWords(port);
	const pn = row === undefined ? undefined : str(map(row['external_ids'])['neutron:port_name']);
	return pn !== undefined ? `port ${pn} (${name.slice(0, 8)})` : `logical port ${name}`;
}

/** The dvrscope node of a SB Chassis row: its hostname or name, by node id (short names match). */
export function chassisNode(snapshot: Snapshot, chassis: OvnRow | undefined): NodeId | undefined {
	if (chassis === undefined) return undefined;
	const names = [str(chassis['hostname']), str(chassis['name'])].filter(
		(n): n is string => n !== undefined,
	);
	const short = (s: string): string => s.split('.')[0] ?? s;
	return Object.keys(snapshot.nodes).find(id =>
		names.some(n => n === id || short(n) === short(id)),
	);
}

/** The switch whose ports or router port's networks hold `ip`. */
export function switchOfIp(ovn: OvnModel, ip: string): OvnRow | undefined {
	const lsp = ovn.rows('nb', 'Logical_Switch_Port').find(r => lspIps(r).some(a => sameIp(a, ip)));
	const ls = lsp === undefined ? undefined : switchOf(ovn, lsp);
	if (ls !== undefined) return ls;
	const lrp = ovn
		.rows('nb', 'Logical_Router_Port')
		.find(r => strings(r['networks']).some(n => cidrContains(n, ip)));
	const name = lrp === undefined ? undefined : str(lrp['name']);
	const peer = ovn
		.rows('nb', 'Logical_Switch_Port')
		.find(r => str(r['type']) === 'router' && str(map(r['options'])['router-port']) === name);
	return peer === undefined ? undefined : switchOf(ovn, peer);
}

/** The router port on a switch: its LSP (type router) and the NB Logical_Router_Port it peers. */
export function routerPortOn(ovn: OvnModel, ls: OvnRow): {lsp: OvnRow; lrp: OvnRow} | undefined {
	const uuids = strings(ls['ports']);
	for (const lsp of ovn.rows('nb', 'Logical_Switch_Port')) {
		if (str(lsp['type']) !== 'router' || !uuids.includes(str(lsp['_uuid']) ?? '')) continue;
		const name = str(map(lsp['options'])['router-port']);
		const lrp = ovn.rows('nb', 'Logical_Router_Port').find(r => r['name'] === name);
		if (lrp !== undefined) return {lsp, lrp};
	}
	return undefined;
}

/** The datapath word ovn-trace gets for a switch: its name when legal, else its UUID. */
export function datapathOf(ls: OvnRow): string | undefined {
	const name = str(ls['name']);
	if (name !== undefined && DATAPATH.test(name)) return name;
	const uuid = str(ls['_uuid']);
	return uuid !== undefined && DATAPATH.test(uuid) ? uuid : undefined;
}

export const stageIn = (p: readonly OvnTracePipeline[], name: string): OvnTraceStage | undefined =>
	p.flatMap(x => x.stages).find(s => s.stage === name);

export const linesOf = (p: readonly OvnTracePipeline[], trace: OvnTrace): number[] => {
	const stageLines = p.flatMap(x => x.stages.flatMap(s => [s.line]));
	const dps = new Set(p.map(x => x.datapath));
	const outs = trace.outputs.filter(o => o.depth === 0 && dps.has(o.datapath)).map(o => o.line);
	return [...p.map(x => x.line), ...stageLines, ...outs];
};

/** Lines of a stage and its actions (the actions follow the stage line). */
export const stageLines = (s: OvnTraceStage): number[] => [
	s.line,
	...s.actions.map((_, i) => s.line + 1 + i),
];

/** The packet's pipelines (depth 0) grouped by datapath, in order. */
export function segments(trace: OvnTrace): {datapath: string; pipelines: OvnTracePipeline[]}[] {
	const out: {datapath: string; pipelines: OvnTracePipeline[]}[] = [];
	for (const p of trace.pipelines.filter(x => x.depth === 0)) {
		const last = out.at(-1);
		if (last !== undefined && last.datapath === p.datapath && p.pipeline === 'egress')
			last.pipelines.push(p);
		else out.push({datapath: p.datapath, pipelines: [p]});
	}
	return out;
}

/** Read the trace capture (its error when OVN printed one instead of a trace). */
export function readOvnTrace(capture: Capture): OvnTrace {
	const out = parseCapture('ovn-trace', capture.stdout).facts;
	if (capture.stdout.trim() === '' && capture.stderr.trim() === '')
		return {...out, error: `no trace in the output (exit ${capture.exitCode ?? '?'})`};
	if (capture.stdout.trim() === '' && capture.stderr.trim() !== '') {
		const lines = capture.stderr.trim().split('\n');
		return {
			...out,
			error: (lines.find(l => /WARN|ERR|ovn-trace:/.test(l)) ?? lines[0] ?? '').trim(),
		};
	}
	return out;
}

/** The MAC lr_in_arp_resolve puts on the frame, and how it says so. */
export function resolvedMac(stage: OvnTraceStage): {mac?: string; how: string} {
	for (const a of stage.actions) {
		const set = /^eth\.dst = ([0-9a-f:]{17});$/.exec(a);
		if (set?.[1] !== undefined) return {mac: normalizeMac(set[1]), how: `eth.dst = ${set[1]}`};
		const bound = /MAC binding to ([0-9a-f:]{17})/i.exec(a);
		if (bound?.[1] !== undefined)
			return {mac: normalizeMac(bound[1]), how: `get_arp: MAC binding to ${bound[1]}`};
		if (/No MAC binding/i.test(a)) return {how: 'get_arp: no MAC binding'};
	}
	return {how: stage.actions.join(' ')};
}
