import type {Snapshot} from '../../model/snapshot.js';
import {GAP_LABEL, verdictHeadline} from '../coverage.js';
import type {Diagnosis} from '../index.js';
import type {Finding, Severity} from '../types.js';
import {fixTextLines} from './fix.js';
import {findingPathText} from './path.js';
import {docsPathOf} from './json.js';

export type TextOptions = {
	/** ANSI colour (callers decide: TTY and no NO_COLOR). */
	readonly color: boolean;
	/** Wrap width for prose. */
	readonly width?: number;
	readonly snapshot?: Snapshot;
	readonly path?: string;
	/** Show every evidence line (default: at most 6 excerpts per finding). */
	readonly verbose?: boolean;
};

const ANSI = {
	reset: '\u001b[0m',
	bold: '\u001b[1m',
	dim: '\u001b[2m',
	red: '\u001b[31m',
	yellow: '\u001b[33m',
	cyan: '\u001b[36m',
	green: '\u001b[32m',
} as const;

type Paint = (style: keyof typeof ANSI, text: string) => string;

const LABEL: Readonly<Record<Severity, string>> = {
	critical: 'CRITICAL',
	warning: 'WARNING',
	info: 'INFO',
};
const COLOUR: Readonly<Record<Severity, keyof typeof ANSI>> = {
	critical: 'red',
	warning: 'yellow',
	info: 'cyan',
};

/** Greedy word wrap; keeps words longer than the width whole. */
export function wrap(text: string, width: number, indent: string): string[] {
	const out: string[] = [];
	for (const paragraph of text.split('\n')) {
		let line = '';
		for (const word of paragraph.split(/\s+/).filter(Boolean)) {
			if (line !== '' && indent.length + line.length + 1 + word.length > width) {
				out.push(indent + line);
				line = word;
			} else line = line === '' ? word : `${line} ${word}`;
		}
		out.push(indent + line);
	}
	return out;
}

function renderFinding(f: Finding, paint: Paint, width: number, verbose: boolean): string[] {
	const out: string[] = [];
	const where = [
		f.vip !== undefined ? `VIP ${f.vip}` : undefined,
		f.router !== undefined ? `router ${f.router}` : undefined,
	]
		.filter(Boolean)
		.join(' · ');
	out.push(
		`${paint('bold', paint(COLOUR[f.severity], LABEL[f.severity].padEnd(8)))}  ${paint('bold', f.ruleId)}${where ? `  ${where}` : ''}`,
	);
	out.push(...wrap(f.title, width, '  ').map(l => paint('dim', l)));
	out.push('');
	out.push(...wrap(f.message, width, '  '));
	if (f.nodes.length > 0) out.push('', `  Nodes: ${f.nodes.join(', ')}`);
	if (f.evidence.length > 0) {
		out.push('', '  Evidence:');
		const shown = verbose ? f.evidence : f.evidence.slice(0, 10);
		for (const e of shown) {
			const lines =
				e.lines.length > 0 ? ` line${e.lines.length > 1 ? 's' : ''} ${e.lines.join(',')}` : '';
			out.push(
				`    ${e.node ?? 'cloud'} · ${e.capture}${lines}${e.note !== undefined ? ` — ${e.note}` : ''}`,
			);
			const excerpt = e.excerpt.split('\n');
			for (const l of excerpt.slice(0, verbose ? excerpt.length : 6))
				out.push(paint('dim', `      │ ${l}`));
			if (!verbose && excerpt.length > 6)
				out.push(paint('dim', `      │ … ${excerpt.length - 6} more line(s)`));
		}
		if (shown.length < f.evidence.length)
			out.push(
				paint(
					'dim',
					`    … ${f.evidence.length - shown.length} more evidence item(s) (--verbose or --json)`,
				),
			);
	}
	if (f.path !== undefined) out.push(...findingPathText(f.path));
	out.push(...fixTextLines(f, paint));
	out.push(`  Docs: ${docsPathOf(f.ruleId)}`);
	return out;
}

/** Human text report (pure: colour is decided by the caller). */
export function renderText(diagnosis: Diagnosis, options: TextOptions): string {
	const width = options.width ?? 100;
	const paint: Paint = options.color
		? (style, text) => `${ANSI[style]}${text}${ANSI.reset}`
		: (_s, text) => text;
	const out: string[] = [];
	const s = diagnosis.summary;
	const verdictColour: keyof typeof ANSI =
		diagnosis.verdict === 'critical' ? 'red' : diagnosis.verdict === 'ok' ? 'green' : 'yellow';
	// The verdict, naming what is missing, is the first line (`| head -1` is enough in a script).
	out.push(
		...wrap(
			verdictHeadline(diagnosis.verdict, diagnosis.coverage, s, diagnosis.backend?.backend),
			width,
			'',
		).map(l => paint('bold', paint(verdictColour, l))),
		'',
	);
	if (diagnosis.backend !== undefined)
		out.push(...wrap(`Neutron backend: ${diagnosis.backend.summary}`, width, ''), '');
	const snap = options.snapshot;
	if (snap !== undefined) {
		const desc = snap.manifest.description ?? snap.manifest.source;
		out.push(
			paint('bold', `dvrscope diagnose${options.path !== undefined ? ` ${options.path}` : ''}`),
			paint(
				'dim',
				`${desc} — ${Object.keys(snap.nodes).length} nodes, ${Object.keys(snap.captures).length} captures, taken ${snap.manifest.createdAt}`,
			),
			'',
		);
	}
	let group: string | undefined;
	for (const f of diagnosis.findings) {
		const key = f.vip !== undefined ? `VIP ${f.vip}` : 'Findings not tied to a VIP';
		if (key !== group) {
			group = key;
			out.push(paint('bold', `━━ ${key} ${'━'.repeat(Math.max(3, width - key.length - 4))}`), '');
		}
		out.push(...renderFinding(f, paint, width, options.verbose ?? false), '');
	}
	if (diagnosis.findings.length === 0)
		out.push(
			diagnosis.coverage.complete
				? paint('green', 'No findings: every applicable rule ran on complete data and passed.')
				: paint('yellow', 'No findings in what could be checked — see "Not checked" below.'),
			'',
		);

	const skipped = diagnosis.outcomes.filter(o => o.status === 'skipped');
	const errors = diagnosis.outcomes.filter(o => o.status === 'error');
	for (const o of errors)
		out.push(
			paint('red', `Rule ${o.ruleId} crashed (its result is unknown; other rules ran): ${o.error}`),
		);
	const notApplicable = skipped.filter(o => o.notApplicable !== undefined);
	const couldNot = skipped.filter(o => o.notApplicable === undefined);
	if (couldNot.length > 0) {
		out.push('Skipped (inputs missing, unreadable or partial):');
		for (const o of couldNot) {
			out.push(`  ${o.ruleId} — needs ${o.needs.join('; ')}`);
			for (const r of (o.reasons ?? []).slice(0, options.verbose === true ? undefined : 4))
				out.push(paint('dim', `      ${r}`));
			if (options.verbose !== true && (o.reasons?.length ?? 0) > 4)
				out.push(paint('dim', `      … ${(o.reasons?.length ?? 0) - 4} more (--verbose)`));
		}
	}
	if (notApplicable.length > 0) {
		out.push('Not applicable to what was seen:');
		for (const o of notApplicable) out.push(`  ${o.ruleId} — ${o.notApplicable ?? ''}`);
	}
	if (diagnosis.captureErrors.length > 0) {
		out.push('Capture problems:');
		for (const e of diagnosis.captureErrors)
			out.push(`  ${e.node ?? 'cloud'} · ${e.capture}: ${e.message}`);
	}
	const gaps = diagnosis.coverage.gaps.filter(g => g.kind !== 'rule-skipped');
	if (gaps.length > 0) {
		out.push(paint('yellow', 'Not checked (the verdict cannot be OK until these are supplied):'));
		for (const g of gaps) {
			out.push(`  ${GAP_LABEL[g.kind] ?? g.kind}: ${g.subject} — ${g.reason}`);
			if (g.remedy !== undefined) out.push(paint('dim', `      → ${g.remedy}`));
		}
	}
	const verdict = paint(verdictColour, paint('bold', diagnosis.verdict.toUpperCase()));
	out.push(
		'',
		`Verdict: ${verdict} — ${s.critical} critical, ${s.warning} warning, ${s.info} info · rules: ${s.rules.pass} pass, ${s.rules.fail} fail, ${s.rules.skipped} skipped, ${s.rules.error} error`,
	);
	return `${out.join('\n')}\n`;
}
