import type {
	FlowAction,
	OvsTrace,
	OvsTraceOutput,
	OvsTraceRewrite,
	OvsTraceStep,
	ParseWarning,
	Parser,
} from '../../model/facts.js';
import {unquote} from '../flows/format.js';
import {parseFlowActions} from './ovs-flows.js';
import {splitLines, warning} from './common.js';

/**
 * `ovs-appctl ofproto/trace BRIDGE --names FLOW` (issue 22): the tables visited per bridge (the
 * trace follows patch ports by itself), each flow's actions in the flow parser's vocabulary, the
 * ports the packet leaves through (a tunnel port with its remote IP when OVS prints it), header
 * rewrites, the tunnel id, flooding and drops. Read as OVS 2.x/3.x print it for the userspace
 * and the kernel datapath; an error message instead of a trace (unknown port, no such bridge,
 * prerequisites not met) is kept as `error`.
 */

const BRIDGE = /^\s*bridge\("([^"]+)"\)\s*$/;
const RULE = /^\s*-{4,}\s*$/;
/** ` 0. in_port=…, priority 100, cookie 0x…` / `25. priority 0` / ` 4. No match.` */
const STEP = /^\s*(\d{1,3})\. (.*)$/;
const NOTE = /^\s*(->|>>|>>>>)\s?(.*)$/;
const TUNNEL_TO = /tunneling to (\S+) via/;
const DP_TUNNEL_DST = /(?:tnl_push\(|set\(tunnel\()[^)]*?\bdst=([0-9a-fA-F.:]+)/;
const DP_TUNNEL_ID = /tun_id=(0x[0-9a-f]+)/;

function readStepHead(rest: string): {match: string; priority?: number; cookie?: string} {
	if (/^No match\.?$/.test(rest.trim())) return {match: 'No match'};
	let match = rest;
	let priority: number | undefined;
	let cookie: string | undefined;
	const c = /,? ?cookie (0x[0-9a-f]+)\s*$/.exec(match);
	if (c !== null) {
		cookie = c[1];
		match = match.slice(0, c.index);
	}
	const p = /(?:^|, )priority (\d+)\s*$/.exec(match);
	if (p !== null) {
		priority = Number(p[1]);
		match = match.slice(0, p.index);
	}
	return {
		match: match.trim(),
		...(priority === undefined ? {} : {priority}),
		...(cookie === undefined ? {} : {cookie}),
	};
}

const isTunnelField = (field: string): boolean =>
	field === 'tun_id' || field === 'tunnel_id' || field.startsWith('NXM_NX_TUN_ID');

type Mutable<T> = {-readonly [K in keyof T]: T[K]};
type StepBuild = Omit<Mutable<OvsTraceStep>, 'actions' | 'notes'> & {
	actions: FlowAction[];
	notes: string[];
};

const indentOf = (raw: string): number => raw.length - raw.trimStart().length;

/** Datapath action words that are not ports. */
const DP_KEYWORDS = new Set(['drop', 'pop_vlan', 'pop_eth', 'pop_mpls', 'pop_nsh', 'ct_clear']);

/** Top-level comma-separated items of a datapath action list (commas inside parentheses kept). */
function topLevelItems(text: string): string[] {
	const items: string[] = [];
	let depth = 0;
	let start = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (c === '(') depth++;
		else if (c === ')') depth--;
		else if (c === ',' && depth === 0) {
			items.push(text.slice(start, i));
			start = i + 1;
		}
	}
	items.push(text.slice(start));
	return items.map(x => x.trim()).filter(x => x !== '');
}

/**
 * Ports named in the datapath actions, not the tunnel's own datapath port or underlay after a
 * `tnl_push(…)` (userspace) or `set(tunnel(…))` (kernel datapath).
 */
function datapathPorts(text: string): string[] {
	const ports: string[] = [];
	let afterPush = false;
	for (const item of topLevelItems(text)) {
		if (item.startsWith('tnl_push(') || item.startsWith('set(tunnel(')) afterPush = true;
		else if (/^[A-Za-z0-9_.-]+$/.test(item) && !DP_KEYWORDS.has(item)) {
			if (!afterPush) ports.push(unquote(item));
			afterPush = false;
		}
	}
	return ports;
}

type Build = {
	steps: StepBuild[];
	bridges: string[];
	outputs: Mutable<OvsTraceOutput>[];
	rewrites: OvsTraceRewrite[];
	result: Mutable<Partial<OvsTrace>>;
	flood: boolean;
	tunId?: string;
	/** Bridges the packet entered as tunnel underlay (after `output to native tunnel`). */
	underlay: Set<string>;
};

function readAction(b: Build, action: FlowAction, step: StepBuild, line: number): void {
	if (action.type === 'output') {
		const port = unquote(action.port);
		// A patch port's peer bridge follows in the trace: not where the packet leaves.
		if (!/^patch-/.test(port) && !b.underlay.has(step.bridge))
			b.outputs.push({bridge: step.bridge, port, line});
	} else if (action.type === 'set_field' || action.type === 'load') {
		if (isTunnelField(action.field)) b.tunId = action.value;
		b.rewrites.push({
			bridge: step.bridge,
			table: step.table,
			field: action.field,
			value: action.decoded ?? action.value,
			line,
		});
	}
}

function readNote(b: Build, raw: string, step: StepBuild): void {
	const n = NOTE.exec(raw);
	const note = (n?.[2] ?? '').trim();
	step.notes.push(`${n?.[1] ?? ''} ${note}`);
	if (/flooding/.test(note)) b.flood = true;
	const to = TUNNEL_TO.exec(note);
	const last = b.outputs.at(-1);
	if (to !== null && last !== undefined) last.tunnel = {...last.tunnel, remoteIp: to[1] ?? ''};
	if (/output to (?:native|kernel) tunnel/.test(note) && last !== undefined)
		last.tunnel = {...last.tunnel};
}

/** Parse ofproto/trace output. Pure; never throws. */
export function parseOvsTrace(text: string): {facts: OvsTrace; warnings: ParseWarning[]} {
	const warnings: ParseWarning[] = [];
	const b: Build = {
		steps: [],
		bridges: [],
		outputs: [],
		rewrites: [],
		result: {},
		flood: false,
		underlay: new Set(),
	};
	const {result} = b;
	/** Bridge headers in effect, by indentation (nested sections are indented deeper). */
	const headers: {indent: number; name: string}[] = [];
	/** The step whose actions are indented at `base + 4`, by base. */
	const stepAt = new Map<number, StepBuild>();
	let sawTrace = false;
	let tunnelPending = false;
	splitLines(text).forEach((raw, idx) => {
		const line = idx + 1;
		if (raw.trim() === '' || RULE.test(raw)) return;
		for (const [prefix, key] of [
			['Flow: ', 'flow'],
			['Final flow: ', 'finalFlow'],
		] as const)
			if (raw.startsWith(prefix)) {
				result[key] = raw.slice(prefix.length).trim();
				sawTrace = true;
				return;
			}
		if (raw.startsWith('Megaflow: ')) return;
		if (raw.startsWith('Datapath actions: ')) {
			result.datapathActions = {text: raw.slice(18).trim(), line};
			return;
		}
		const indent = indentOf(raw);
		const h = BRIDGE.exec(raw);
		if (h !== null) {
			const name = h[1] ?? '';
			while ((headers.at(-1)?.indent ?? -1) >= indent) headers.pop();
			headers.push({indent, name});
			if (!b.bridges.includes(name)) b.bridges.push(name);
			if (tunnelPending) b.underlay.add(name);
			tunnelPending = false;
			sawTrace = true;
			return;
		}
		const s = STEP.exec(raw);
		if (s !== null && headers.length > 0) {
			const base = raw.indexOf('.') - 2;
			while (headers.length > 1 && (headers.at(-1)?.indent ?? 0) > base) headers.pop();
			const step: StepBuild = {
				bridge: headers.at(-1)?.name ?? '',
				table: Number(s[1]),
				...readStepHead(s[2] ?? ''),
				actions: [],
				notes: [],
				line,
			};
			for (const key of [...stepAt.keys()]) if (key >= base) stepAt.delete(key);
			stepAt.set(base, step);
			b.steps.push(step);
			return;
		}
		if (NOTE.test(raw)) {
			const step = stepAt.get(indent - 5) ?? b.steps.at(-1);
			if (step !== undefined) {
				readNote(b, raw, step);
				if (/output to native tunnel/.test(raw)) tunnelPending = true;
				return;
			}
		}
		const owner = stepAt.get(indent - 4) ?? (sawTrace ? b.steps.at(-1) : undefined);
		if (owner === undefined) {
			// Not a trace line: an error message OVS printed instead of a trace.
			if (!sawTrace) {
				result.error = result.error === undefined ? raw.trim() : `${result.error} ${raw.trim()}`;
				return;
			}
			warnings.push(warning(line, 'not a line of an ofproto/trace', raw));
			return;
		}
		const actions = parseFlowActions(raw.trim());
		owner.actions.push(...actions);
		for (const action of actions) readAction(b, action, owner, line);
	});
	finish(b);
	const {steps, bridges, outputs, rewrites, flood, tunId} = b;
	return {
		facts: {
			...result,
			steps,
			bridges,
			outputs,
			rewrites,
			...(tunId === undefined ? {} : {tunId}),
			flood,
		},
		warnings,
	};
}

/** Outputs from the datapath actions (NORMAL), the tunnel's remote IP and id, the drop. */
function finish(b: Build): void {
	const {result, outputs, steps} = b;
	const dp = result.datapathActions;
	const lastReal = [...steps].reverse().find(s => !b.underlay.has(s.bridge));
	if (dp !== undefined) {
		for (const port of datapathPorts(dp.text))
			if (!outputs.some(o => o.port === port))
				outputs.push({bridge: lastReal?.bridge ?? b.bridges[0] ?? '', port, line: dp.line});
		const dst = DP_TUNNEL_DST.exec(dp.text);
		const tunnelOut = outputs.find(o => o.tunnel !== undefined);
		if (dst !== null && tunnelOut !== undefined && tunnelOut.tunnel?.remoteIp === undefined)
			tunnelOut.tunnel = {...tunnelOut.tunnel, remoteIp: dst[1] ?? ''};
		const id = DP_TUNNEL_ID.exec(dp.text);
		if (id !== null && b.tunId === undefined) b.tunId = id[1] ?? '';
	}
	if (b.tunId !== undefined)
		for (const o of outputs) if (o.tunnel !== undefined) o.tunnel = {...o.tunnel, tunId: b.tunId};
	if (outputs.length > 1) b.flood = true;
	if (outputs.length === 0 && (dp?.text === 'drop' || steps.length > 0)) {
		const last = lastReal;
		const dropNote = last?.notes.find(n => /drop/.test(n));
		result.drop = {
			bridge: last?.bridge ?? '',
			...(last === undefined ? {} : {table: last.table}),
			reason:
				last?.match === 'No match'
					? 'no flow matched'
					: last?.actions.some(a => a.type === 'drop') === true
						? `table ${last.table} drops it (${last.match === '' ? `priority ${last.priority ?? '?'}` : last.match})`
						: dropNote !== undefined
							? dropNote.replace(/^\S+ /, '')
							: 'datapath actions: drop',
			line: last?.line ?? dp?.line ?? 1,
		};
	}
}

export const ovsTraceParser: Parser<'ovs-trace'> = {
	kind: 'ovs-trace',
	title: 'OpenFlow packet trace (ofproto/trace)',
	reads: ['ovs-appctl ofproto/trace BRIDGE --names FLOW'],
	parse(text) {
		const {facts, warnings} = parseOvsTrace(text);
		return {kind: 'ovs-trace', facts, warnings};
	},
};
