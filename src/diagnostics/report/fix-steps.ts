import type {NodeId} from '../../model/ids.js';
import type {Finding} from '../types.js';

/**
 * The commands of a finding's fix as the console's Fix panel and the markdown report show them:
 * one line each, the node it runs on as its own field (never a trailing `# on node` comment).
 *
 * Contract B (docs: /work/shared CONTRACTS): findings gain `fix.steps`; until every rule has them
 * the legacy `remediation` strings are parsed here — `<command>   # on <node>` is a node step, a
 * line that is only a `# comment` is the note of the steps after it, anything else runs from a
 * host with cloud credentials. Pure: the console's selector and the markdown reporter share it.
 */
export type FixStepView = {
	readonly node?: NodeId;
	readonly where: 'cloud' | 'node';
	/** One line, pasteable as is. */
	readonly command: string;
	readonly note?: string;
};

export type FixView = {
	readonly steps: readonly FixStepView[];
	/** Comments not tied to one command (a hint for all, where the durable fix is documented). */
	readonly notes: readonly string[];
	/** The holder evidence in words (typed fixes only). */
	readonly basis?: string;
};

const EMPTY: FixView = {steps: [], notes: []};

/** One line, no raw newlines or trailing blanks (a paste must run exactly what is shown). */
const oneLine = (command: string): string => command.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** The fix of a finding: typed `fix.steps` when the rule gives them, else parsed `remediation`. */
export function fixOf(finding: Finding): FixView {
	const typed = finding.fix;
	if (typed !== undefined && typed.steps.length > 0)
		return {
			steps: typed.steps.map(s => ({
				where: s.where,
				command: oneLine(s.command),
				...(s.node === undefined ? {} : {node: s.node}),
				...(s.note === undefined ? {} : {note: s.note}),
			})),
			notes: [],
			basis: typed.basis,
		};
	return parseRemediation(finding.remediation ?? []);
}

const ON_NODE = /^(?<command>.*?)\s+#\s*on\s+(?<node>[^\s#]+)\s*$/;

/** Legacy `remediation` strings → steps (see {@link fixOf}). */
export function parseRemediation(lines: readonly string[]): FixView {
	if (lines.length === 0) return EMPTY;
	const steps: FixStepView[] = [];
	const notes: string[] = [];
	let pending: string[] = [];
	for (const raw of lines) {
		const line = raw.trim();
		if (line === '') continue;
		if (line.startsWith('#')) {
			pending.push(line.replace(/^#+\s*/, ''));
			continue;
		}
		const match = ON_NODE.exec(line);
		const node = match?.groups?.['node'];
		const command = oneLine(match?.groups?.['command'] ?? line);
		// The comment right above a command is its note; earlier ones are general notes.
		const note = pending.at(-1);
		notes.push(...pending.slice(0, -1));
		pending = [];
		steps.push({
			where: node === undefined ? 'cloud' : 'node',
			command,
			...(node === undefined ? {} : {node}),
			...(note === undefined ? {} : {note}),
		});
	}
	return {steps, notes: [...notes, ...pending]};
}

/** Label of the place a step runs: the node, or the cloud API host. */
export const stepPlace = (step: FixStepView): string =>
	step.node ?? (step.where === 'node' ? 'each affected node' : 'cloud (openstack CLI)');

/**
 * Consecutive steps that run on the same place, in order: the Fix panel's and the script's
 * blocks (one `# on <node>` header each).
 */
export function fixBlocks(
	fix: FixView,
): {readonly place: string; readonly steps: readonly FixStepView[]}[] {
	const blocks: {place: string; steps: FixStepView[]}[] = [];
	for (const step of fix.steps) {
		const place = stepPlace(step);
		const last = blocks.at(-1);
		if (last?.place === place) last.steps.push(step);
		else blocks.push({place, steps: [step]});
	}
	return blocks;
}

/** All the fix's commands as a shell script: one `# on <node>` header per block, notes as comments. */
export function fixScript(fix: FixView, title?: string): string {
	const out: string[] = ['#!/bin/sh'];
	if (title !== undefined) out.push(`# ${oneLine(title)}`);
	out.push('# dvrscope never runs these; read each before running it where the header says.');
	for (const block of fixBlocks(fix)) {
		out.push('', `# on ${block.place}`);
		let lastNote: string | undefined;
		for (const step of block.steps) {
			if (step.note !== undefined && step.note !== lastNote) out.push(`# ${step.note}`);
			lastNote = step.note;
			out.push(step.command);
		}
	}
	for (const note of fix.notes) out.push(`# ${note}`);
	return `${out.join('\n')}\n`;
}
