import type {Finding, Fix, FixStep} from '../types.js';
import {fixBlocks, fixOf} from './fix-steps.js';

/**
 * How reports show a finding's fix (contract B): the holder evidence it was derived from, each
 * step with where it runs (one command per line, never wrapped, for pasting), and the predicted
 * result; a check-first fix says why no command that changes anything is printed. Findings
 * without a typed fix fall back to their legacy `remediation` lines. Pure.
 */

type Paint = (style: 'dim' | 'green' | 'bold' | 'yellow', text: string) => string;

const whereText = (step: FixStep): string =>
	step.where === 'node'
		? `on ${step.node ?? '<node>'} (node shell, as root)`
		: 'cloud (openstack CLI, admin credentials)';

function stepLines(steps: readonly FixStep[]): {head: string; command: string}[] {
	return steps.map((step, i) => ({
		head: `${i + 1}. ${whereText(step)}${step.note !== undefined ? ` — ${step.note}` : ''}`,
		command: step.command,
	}));
}

/** The "What to do" block of the text report. */
export function fixTextLines(f: Finding, paint: Paint): string[] {
	const fix = f.fix;
	if (fix === undefined) {
		if (f.remediation === undefined || f.remediation.length === 0) return [];
		return [
			'',
			'  What to do (printed for you to run; dvrscope never runs them):',
			...f.remediation.map(r =>
				r.startsWith('#') ? paint('dim', `    ${r}`) : `    ${paint('green', r)}`,
			),
		];
	}
	const out: string[] = [''];
	if (fix.kind === 'check-first') {
		out.push(
			paint('yellow', `  No fix printed: ${fix.basis}`),
			'  Check first (read-only; dvrscope never runs them):',
		);
	} else {
		out.push(
			'  What to do (printed for you to run; dvrscope never runs them):',
			paint('dim', `    Derived from: ${fix.basis}`),
		);
	}
	for (const {head, command} of stepLines(fix.steps))
		out.push(paint('dim', `    ${head}`), `       ${paint('green', command)}`);
	if (fix.prediction !== undefined)
		out.push(`    ${paint('bold', 'Predicted')} (applied to the model): ${fix.prediction.summary}`);
	return out;
}

/**
 * A fix's commands laid out as the console's Fix panel: per block the place it runs on its own
 * line, then the commands in one fence, one per line (never a trailing `# on node`).
 */
function markdownBlocks(f: Finding, fence: (body: string) => string): string[] {
	const view = fixOf(f);
	const out: string[] = [];
	for (const block of fixBlocks(view)) {
		out.push(`On \`${block.place}\`:`, '');
		const lines: string[] = [];
		let lastNote: string | undefined;
		for (const step of block.steps) {
			if (step.note !== undefined && step.note !== lastNote) lines.push(`# ${step.note}`);
			lastNote = step.note;
			lines.push(step.command);
		}
		const body = lines.join('\n');
		const f3 = fence(body);
		out.push(`${f3}sh`, body, f3, '');
	}
	for (const note of view.notes) out.push(`- ${note}`);
	if (view.notes.length > 0) out.push('');
	return out;
}

/** The "What to do" section of the markdown report. */
export function fixMarkdownLines(f: Finding, fence: (body: string) => string): string[] {
	const fix: Fix | undefined = f.fix;
	if (fix === undefined) {
		const blocks = markdownBlocks(f, fence);
		if (blocks.length === 0) return [];
		return ['**What to do** (for a human to run; dvrscope never runs them)', '', ...blocks];
	}
	const out: string[] = [];
	if (fix.kind === 'check-first')
		out.push(`**No fix printed:** ${fix.basis}`, '', '**Check first** (read-only)', '');
	else
		out.push(
			'**What to do** (for a human to run; dvrscope never runs them)',
			'',
			`Derived from: ${fix.basis}`,
			'',
		);
	out.push(...markdownBlocks(f, fence));
	if (fix.prediction !== undefined)
		out.push(`**Predicted** (applied to the model): ${fix.prediction.summary}`, '');
	return out;
}
