import type {Snapshot} from '../../model/snapshot.js';
import {GAP_LABEL, verdictHeadline} from '../coverage.js';
import type {Diagnosis} from '../index.js';
import type {Severity} from '../types.js';
import {fixMarkdownLines} from './fix.js';
import {findingPathMarkdown} from './path.js';
import {docsPathOf} from './json.js';

const LABEL: Readonly<Record<Severity, string>> = {
	critical: 'CRITICAL',
	warning: 'WARNING',
	info: 'INFO',
};

/** Escape text for a Markdown table cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Longest run of backticks in `text` + 1, at least 3 (so excerpts can't close the fence). */
const fence = (text: string): string =>
	'`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map(m => m[0].length + 1)));

/** Markdown report for tickets and runbooks (pure). */
export function renderMarkdown(
	diagnosis: Diagnosis,
	options: {snapshot?: Snapshot; path?: string} = {},
): string {
	const out: string[] = [];
	const s = diagnosis.summary;
	const verdict = diagnosis.verdict.toUpperCase();
	// The verdict, naming what is missing, is the first line of the ticket.
	out.push(
		`# ${verdictHeadline(diagnosis.verdict, diagnosis.coverage, s, diagnosis.backend?.backend)}`,
		'',
	);
	out.push('dvrscope diagnosis', '');
	if (options.snapshot !== undefined) {
		const m = options.snapshot.manifest;
		out.push(
			`- Capture set: ${options.path !== undefined ? `\`${options.path}\` — ` : ''}${m.description ?? m.source}`,
			`- Taken: ${m.createdAt}; nodes: ${Object.keys(options.snapshot.nodes).sort().join(', ')}`,
		);
	}
	if (diagnosis.backend !== undefined) out.push(`- Neutron backend: ${diagnosis.backend.summary}`);
	out.push(
		`- **Verdict: ${verdict}** — ${s.critical} critical, ${s.warning} warning, ${s.info} info (rules: ${s.rules.pass} pass, ${s.rules.fail} fail, ${s.rules.skipped} skipped, ${s.rules.error} error)`,
		'',
	);
	if (!diagnosis.coverage.complete) {
		out.push(
			'## Not checked',
			'',
			'What dvrscope could not see or check; the verdict cannot be OK until these are supplied.',
			'',
			'| What | Missing | Why | How to supply it |',
			'|---|---|---|---|',
		);
		for (const g of diagnosis.coverage.gaps)
			out.push(
				`| ${cell(GAP_LABEL[g.kind] ?? g.kind)} | \`${cell(g.subject)}\` | ${cell(g.reason)} | ${cell(g.remedy ?? '')} |`,
			);
		out.push('');
	}
	if (diagnosis.findings.length > 0) {
		out.push('| Severity | Rule | VIP | Nodes |', '|---|---|---|---|');
		for (const f of diagnosis.findings)
			out.push(
				`| ${LABEL[f.severity]} | \`${f.ruleId}\` | ${cell(f.vip ?? '—')} | ${cell(f.nodes.join(', ') || '—')} |`,
			);
		out.push('');
	}
	diagnosis.findings.forEach((f, i) => {
		out.push(
			`## ${i + 1}. ${LABEL[f.severity]} — \`${f.ruleId}\`${f.vip !== undefined ? ` — VIP ${f.vip}` : ''}`,
			'',
		);
		out.push(`*${f.title}*`, '', f.message, '');
		if (f.evidence.length > 0) {
			out.push('**Evidence**', '');
			for (const e of f.evidence) {
				const lines =
					e.lines.length > 0 ? `, line${e.lines.length > 1 ? 's' : ''} ${e.lines.join(', ')}` : '';
				out.push(
					`- \`${e.node ?? 'cloud'}\` · capture \`${e.capture}\`${lines}${e.note !== undefined ? ` — ${e.note}` : ''}`,
				);
				const f3 = fence(e.excerpt);
				out.push('', `  ${f3}`, ...e.excerpt.split('\n').map(l => `  ${l}`), `  ${f3}`, '');
			}
		}
		if (f.path !== undefined) out.push(...findingPathMarkdown(f.path));
		out.push(...fixMarkdownLines(f, fence));
		out.push(`Docs: \`${docsPathOf(f.ruleId)}\``, '');
	});
	out.push('## Rules', '', '| Rule | Status | Note |', '|---|---|---|');
	for (const o of diagnosis.outcomes) {
		const note =
			o.status === 'fail'
				? `${o.findings.length} finding(s)`
				: o.status === 'skipped'
					? o.notApplicable !== undefined
						? `not applicable: ${o.notApplicable}`
						: `${(o.reasons ?? []).join('; ')}${(o.reasons?.length ?? 0) > 0 ? ' — ' : ''}needs ${o.needs.join('; ')}`
					: o.status === 'error'
						? `crashed: ${o.error}`
						: '';
		out.push(`| \`${o.ruleId}\` | ${o.status} | ${cell(note)} |`);
	}
	if (diagnosis.captureErrors.length > 0) {
		out.push('', '## Capture problems', '');
		for (const e of diagnosis.captureErrors)
			out.push(`- \`${e.node ?? 'cloud'}\` · \`${e.capture}\`: ${e.message}`);
	}
	return `${out.join('\n')}\n`;
}
