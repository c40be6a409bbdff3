import type {
	OvnTrace,
	OvnTraceOutput,
	OvnTracePipeline,
	OvnTraceStage,
	ParseWarning,
	Parser,
} from '../../model/facts.js';
import {splitLines, warning} from './common.js';

/**
 * `ovn-trace --detailed --no-friendly-names DATAPATH MICROFLOW` (issue 22, the OVN path): the
 * logical pipelines the microflow went through, datapath by datapath (a logical switch's ingress
 * and egress, the router's, the next switch's — ovn-trace follows patch ports by itself), each
 * logical flow with its stage name (`ls_in_l2_lkup`, `lr_in_ip_routing`, `lr_in_arp_resolve`),
 * match and actions, the ports the packet leaves through (`/* output to "…", type "…" *\/`) and
 * where it stopped. Read as OVN 20.x–24.x print it; sections nest by four spaces of indentation
 * (copies a multicast, clone or ARP action makes).
 *
 * Not a trace: ovn-trace prints its refusals on stdout with exit 0 (`unknown datapath "…"`,
 * `error parsing flow: …`) — kept as `error`. The `--summary` and `--minimal` forms and a trace cut
 * off in the middle (the last line continues to a stage that is not there) are errors too, naming
 * the line: a cut trace would otherwise read as a drop.
 */

/** `ingress(dp="…", inport="…")` / `egress(dp="…", inport="…", outport="…")`. */
const PIPELINE = /^(ingress|egress)\((.*)\)$/;
const FIELD = /(\w+)="([^"]*)"/g;
const RULE = /^-{3,}$/;
/** ` 8. ls_in_acl (northd.c:6470): match, priority 2002, uuid acd0fe2e` (stage and source optional). */
const STAGE = /^(\d{1,3})\. (.*)$/;
const STAGE_HEAD =
	/^(?:([a-z][a-z0-9_]*)(?: \(([^)]*)\))?: )?(.*), priority (\d+)(?:, uuid ([0-9a-f]+))?$/;
const NO_MATCH = /^(?:([a-z][a-z0-9_]*): )?no match \(implicit drop\)$/;
const OUTPUT = /^\/\* output to "([^"]*)", type "([^"]*)" \*\/;?$/;
/** Actions after which the trace goes on (to the next stage, the egress, a ct continuation). */
/** Actions a trace really stops on (the ACL drop of OVN 22.x+, a drop, ovn-trace's own comments). */
const STOPS =
	/^(?:drop;|ct_commit \{ ct_mark\.blocked = 1; \};|reject\b.*|\/\* omitting output\b.*\*\/;?|.*ct_mark\.blocked = 1.*)$/;
const GOES_ON =
	/^(?:next(?:\(.*\))?;|output;|ct_next(?:\(.*\))?;|ct_lb\S*;|ct_dnat\S*;|ct_snat\S*;|.*\{)$/;

const indentOf = (line: string): number => line.length - line.trimStart().length;

type Section = {
	kind: 'ingress' | 'egress' | 'other';
	fields: Record<string, string>;
	depth: number;
	line: number;
	stages: OvnTraceStage[];
};

export function parseOvnTrace(text: string): {facts: OvnTrace; warnings: ParseWarning[]} {
	const lines = splitLines(text);
	const warnings: ParseWarning[] = [];
	let flow: string | undefined;
	const sections: Section[] = [];
	const outputs: OvnTraceOutput[] = [];
	let current: Section | undefined;
	let stage: {s: OvnTraceStage; actions: string[]; indent: number} | undefined;
	let last: Last = {kind: 'header', text: '', line: 0};
	let dropStage: DropAt | undefined;
	const close = (): void => {
		if (stage === undefined) return;
		(stage.s as {actions: readonly string[]}).actions = stage.actions;
		stage = undefined;
	};
	for (const [i, raw] of lines.entries()) {
		const n = i + 1;
		const t = raw.trim();
		if (t === '') continue;
		if (n === 1 && t.startsWith('# ')) {
			flow = t.slice(2);
			continue;
		}
		const next = lines[i + 1]?.trim() ?? '';
		if (RULE.test(next) && !RULE.test(t)) {
			close();
			const m = PIPELINE.exec(t);
			const fields: Record<string, string> = {};
			if (m !== null) for (const f of (m[2] ?? '').matchAll(FIELD)) fields[f[1] ?? ''] = f[2] ?? '';
			current = {
				kind: m === null ? 'other' : (m[1] as 'ingress' | 'egress'),
				fields,
				depth: Math.floor(indentOf(raw) / 4),
				line: n,
				stages: [],
			};
			sections.push(current);
			last = {kind: 'header', text: t, line: n};
			continue;
		}
		if (RULE.test(t)) {
			last = {kind: 'rule', text: t, line: n};
			continue;
		}
		const out = OUTPUT.exec(t);
		if (out !== null) {
			const dp = [...sections]
				.reverse()
				.find(s => s.kind !== 'other' && s.depth <= (current?.depth ?? 0));
			outputs.push({
				port: out[1] ?? '',
				type: out[2] ?? '',
				depth: current?.depth ?? 0,
				datapath: dp?.fields['dp'] ?? '',
				line: n,
			});
			stage?.actions.push(t);
			last = {kind: 'output', text: t, line: n};
			continue;
		}
		const st = STAGE.exec(t);
		if (
			st !== null &&
			current !== undefined &&
			(stage === undefined || indentOf(raw) < stage.indent)
		) {
			close();
			const rest = st[2] ?? '';
			const nm = NO_MATCH.exec(rest);
			const head = nm === null ? STAGE_HEAD.exec(rest) : null;
			if (nm === null && head === null) {
				warnings.push(warning(n, 'not a logical flow line of ovn-trace --detailed', raw));
				continue;
			}
			const s: OvnTraceStage =
				nm !== null
					? {table: Number(st[1]), stage: nm[1] ?? '', actions: [], noMatch: true, line: n}
					: {
							table: Number(st[1]),
							stage: head?.[1] ?? '',
							match: head?.[3] ?? '',
							priority: Number(head?.[4]),
							...(head?.[5] === undefined ? {} : {uuid: head[5]}),
							actions: [],
							line: n,
						};
			current.stages.push(s);
			stage = {s, actions: [], indent: indentOf(raw) + 1};
			if (nm !== null && dropStage === undefined && current.depth === 0)
				dropStage = {section: current, stage: s, reason: 'no match (implicit drop)', line: n};
			last = {kind: 'stage', text: t, line: n};
			continue;
		}
		if (stage !== undefined) {
			stage.actions.push(t);
			if (/^drop;$/.test(t) && dropStage === undefined && current?.depth === 0)
				dropStage = {section: current, stage: stage.s, reason: 'drop;', line: n};
			last = {kind: 'action', text: t, line: n};
			continue;
		}
		if (current?.kind === 'other') {
			// the body of an action's own section (`arp` lists the ARP it builds): no flow of its own
			last = {kind: 'action', text: t, line: n};
			continue;
		}
		warnings.push(warning(n, 'not part of an ovn-trace --detailed trace', raw));
	}
	close();
	return {
		facts: finish({
			flow,
			sections,
			outputs,
			last,
			dropStage,
			lines,
			endsWithNewline: text.endsWith('\n'),
		}),
		warnings,
	};
}

/** Pipelines with the stages of the continuation sections (ct_next, arp …) at their depth folded in. */
function fold(sections: readonly Section[]): OvnTracePipeline[] {
	const out: OvnTracePipeline[] = [];
	const open = new Map<number, {p: OvnTracePipeline; stages: OvnTraceStage[]}>();
	for (const s of sections) {
		if (s.kind === 'other') {
			const owner = open.get(s.depth);
			if (owner !== undefined) owner.stages.push(...s.stages);
			continue;
		}
		const stages = [...s.stages];
		const p: OvnTracePipeline = {
			pipeline: s.kind,
			datapath: s.fields['dp'] ?? '',
			...(s.fields['inport'] === undefined ? {} : {inport: s.fields['inport']}),
			...(s.fields['outport'] === undefined ? {} : {outport: s.fields['outport']}),
			depth: s.depth,
			stages,
			line: s.line,
		};
		(p as {stages: readonly OvnTraceStage[]}).stages = stages;
		open.set(s.depth, {p, stages});
		out.push(p);
	}
	return out;
}

export const ovnTraceParser: Parser<'ovn-trace'> = {
	kind: 'ovn-trace',
	title: 'OVN logical packet trace (ovn-trace --detailed)',
	reads: ['ovn-trace --detailed --no-friendly-names DATAPATH MICROFLOW'],
	parse(text) {
		const {facts, warnings} = parseOvnTrace(text);
		return {kind: 'ovn-trace', facts, warnings};
	},
};

type Last = {kind: 'output' | 'stage' | 'action' | 'header' | 'rule'; text: string; line: number};
type DropAt = {section: Section; stage: OvnTraceStage; reason: string; line: number};

/** The trace read: its error when it is none or was cut, else where the packet left or stopped. */
function finish(r: {
	flow: string | undefined;
	sections: readonly Section[];
	outputs: readonly OvnTraceOutput[];
	last: Last;
	dropStage: DropAt | undefined;
	lines: readonly string[];
	endsWithNewline: boolean;
}): OvnTrace {
	const {flow, sections, outputs, last, dropStage, lines, endsWithNewline} = r;
	const pipelines = fold(sections);
	const base = {...(flow === undefined ? {} : {flow}), pipelines, outputs};
	const flooded = (): {flood?: true} =>
		outputs.some(o => o.depth > 0 && o.type !== 'patch') &&
		!outputs.some(o => o.depth === 0 && o.type !== 'patch')
			? {flood: true}
			: {};
	if (pipelines.length === 0) {
		// Empty output is the empty facts of the kind (as every parser); the reader of a trace
		// capture (src/diagnostics/path-ovn-nb.ts readOvnTrace) names it as no trace.
		if (flow === undefined && lines.every(l => l.trim() === '')) return base;
		const first = lines.map(l => l.trim()).find(l => l !== '' && !l.startsWith('# '));
		const summary = lines.some(l => /^(ingress|egress)\(.*\) \{$/.test(l.trim()));
		const error = summary
			? 'the --summary form of ovn-trace, not --detailed (no stage names to read)'
			: first !== undefined && /^(?:ingress|egress)\(/.test(first)
				? `truncated ovn-trace output: ends on a section header without its flows ("${first.slice(0, 80)}")`
				: first !== undefined && !first.includes('(')
					? first
					: first !== undefined
						? `not an ovn-trace --detailed trace (line 1: "${first.slice(0, 120)}")`
						: flow !== undefined
							? 'truncated ovn-trace output: the microflow line and no trace after it'
							: 'no trace in the output';
		return {...base, error};
	}
	// A complete trace ends on an output, a drop, or a stage whose actions stop there.
	const lastOut = outputs.at(-1);
	const cut =
		last.kind === 'header' || last.kind === 'rule'
			? `ends on a section header without its flows (line ${last.line}: "${last.text.slice(0, 80)}")`
			: last.kind === 'action' && GOES_ON.test(last.text)
				? `ends after "${last.text.slice(0, 60)}" (line ${last.line}), which continues to a stage that is not there`
				: last.kind === 'action' && !STOPS.test(last.text)
					? `ends after "${last.text.slice(0, 60)}" (line ${last.line}), an action that neither continues nor stops the packet`
					: last.kind === 'stage' && dropStage?.line !== last.line
						? `ends on a logical flow without its actions (line ${last.line})`
						: last.kind === 'output' && lastOut?.type === 'patch' && lastOut.depth === 0
							? `ends on the output to patch port ${lastOut.port} (line ${last.line}), before the next datapath`
							: !endsWithNewline
								? `the last line (${last.line}) is cut`
								: undefined;
	if (cut !== undefined) return {...base, error: `truncated ovn-trace output: ${cut}`};
	const top = outputs.filter(o => o.depth === 0 && o.type !== 'patch');
	// copies to a multicast group (`outport = "_MC_flood…"`): every member's egress nests one level down
	const flood = top.length === 0 && outputs.some(o => o.depth > 0 && o.type !== 'patch');
	let drop = dropStage;
	if (drop === undefined && top.length === 0 && !flood) {
		// the packet's own pipeline ended without an output: the last stage at depth 0 stopped it
		const section = [...sections].reverse().find(s => s.depth === 0 && s.stages.length > 0);
		const s = section?.stages.at(-1);
		if (section !== undefined && s !== undefined)
			drop = {
				section,
				stage: s,
				reason:
					s.actions.at(-1)?.startsWith('/*') === true
						? (s.actions.at(-1) ?? '').replace(/^\/\*\s*|\s*\*\/;?$/g, '')
						: `the actions end without next or output: ${s.actions.join(' ').slice(0, 120)}`,
				line: s.line,
			};
	}
	if (drop === undefined) return {...base, ...flooded()};
	const owner = [...sections]
		.slice(0, sections.indexOf(drop.section) + 1)
		.reverse()
		.find(s => s.kind !== 'other' && s.depth === 0);
	return {
		...base,
		drop: {
			datapath: owner?.fields['dp'] ?? '',
			stage: drop.stage.stage,
			table: drop.stage.table,
			reason: drop.reason,
			line: drop.line,
		},
	};
}
