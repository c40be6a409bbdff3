/** The walk of a packet-path proof: hops so far, and reading one hop's capture (src/diagnostics/path.ts). */
import {planCommand, type ParamValues} from '../collectors/catalog.js';
import {traceFlow, type TraceFlowFields} from '../collectors/trace-flow.js';
import type {Capture} from '../model/capture.js';
import type {OvsTrace} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';
import {shellQuote} from '../model/quote.js';
import type {Snapshot} from '../model/snapshot.js';
import {getModel, type Vip} from './model.js';
import {sameMac} from './net.js';
import {
	findCapture,
	portWords,
	readTrace,
	unreadable,
	type Client,
	type HopKind,
	type PathCommand,
	type PathHolder,
	type PathHop,
} from './path-node.js';
import type {PathProof} from './types.js';

/** Walk state: the hops so far. */
export class Walk {
	readonly hops: PathHop[] = [];
	landing: {node: NodeId; port: string; mac?: string; label: string} | undefined;
	constructor(
		readonly snapshot: Snapshot,
		readonly client: Client,
		readonly to: string,
		readonly holder: PathHolder,
		readonly vip: Vip | undefined,
	) {}

	hop(hop: PathHop): void {
		this.hops.push(hop);
	}

	/** Plan a catalog command; its capture when in the set. */
	read(
		node: NodeId,
		catalogId: 'trace.ovs' | 'trace.route-get' | 'trace.ovn',
		values: ParamValues,
		kind: HopKind,
		title: string,
	): {command: PathCommand; capture: Capture} | undefined {
		const plan = planCommand(catalogId, values);
		if (!plan.ok) {
			const r = plan.refusals[0];
			this.hop({
				kind,
				node,
				title,
				status: 'unread',
				detail: `not traced: the catalog refuses ${r?.param ?? '?'} "${r?.value ?? ''}" (${r?.reason ?? ''})`,
				evidence: [],
			});
			return undefined;
		}
		const argv = plan.command.argv;
		const command: PathCommand = {node, catalogId, argv, command: shellQuote(argv)};
		const capture = findCapture(this.snapshot, node, argv);
		const why = capture === undefined ? 'not in the capture set' : unreadable(capture);
		if (capture === undefined || why !== undefined) {
			this.hop({
				kind,
				node,
				title,
				status: 'unread',
				detail: `not read (${why ?? ''}): run on ${node}: ${command.command}`,
				evidence: [],
				command,
			});
			return undefined;
		}
		return {command, capture};
	}

	trace(node: NodeId, bridge: string, fields: TraceFlowFields, title: string) {
		const got = this.read(node, 'trace.ovs', {bridge, flow: traceFlow(fields)}, 'ovs', title);
		if (got === undefined) return undefined;
		const trace = readTrace(got.capture);
		if (trace.error !== undefined) {
			this.hop({
				kind: 'ovs',
				node,
				title,
				status: 'unread',
				detail: `OVS refused the trace (exit ${got.capture.exitCode ?? '?'}): ${trace.error}`,
				evidence: [],
				command: got.command,
			});
			return undefined;
		}
		return {...got, trace};
	}
}

export const holderMac = (w: Walk): string | undefined =>
	w.holder.known ? w.holder.mac : undefined;

/** Words for who is behind a MAC (the VIP's carriers first). */
export function whoIs(w: Walk, mac: string): string {
	if (w.vip !== undefined) {
		const who = getModel(w.snapshot).whoHasMac(w.vip, mac);
		if (who !== '') return who;
	}
	const port = w.snapshot.cloud.ports?.data.find(p => sameMac(p.mac, mac));
	return port !== undefined ? portWords(port) : 'no known port';
}

/** Steps and exits of a trace as evidence lines. */
export function stepLines(trace: OvsTrace): number[] {
	return [
		...trace.steps.map(s => s.line),
		...trace.outputs.map(o => o.line),
		...trace.rewrites.map(r => r.line),
		...(trace.drop === undefined ? [] : [trace.drop.line]),
	];
}

/** The verdict of a walk: the first break, else unread hops (INCOMPLETE), else drift, else OK. */
export function verdictOf(w: Walk): Pick<PathProof, 'verdict' | 'exitCode' | 'headline'> {
	const c = w.client;
	const where = (h: PathHop): string => h.title;
	const brk = w.hops.find(h => h.status === 'break');
	const unread = w.hops.filter(h => h.status === 'unread');
	const drift = w.hops.filter(h => h.status === 'drift');
	const path = `${c.label} → ${w.to}`;
	if (brk !== undefined)
		return {
			verdict: 'black-hole',
			exitCode: 2,
			headline: `BLACK HOLE: ${path} breaks at ${where(brk)}: ${brk.detail}`,
		};
	if (unread.length > 0 || w.landing === undefined)
		return {
			verdict: 'incomplete',
			exitCode: 4,
			headline: `INCOMPLETE: ${path}: ${unread.map(h => `${h.title}: ${h.detail}`).join(' | ') || 'the path has no last hop'}`,
		};
	if (drift.length > 0)
		return {
			verdict: 'drift',
			exitCode: 1,
			headline: `DRIFT: ${path} ends on the holder (${w.landing.label}) but ${drift.map(h => h.detail).join('; ')}`,
		};
	return {
		verdict: 'holder',
		exitCode: 0,
		headline: `OK: ${path} ends on the holder: ${w.landing.label} on ${w.landing.node}`,
	};
}
