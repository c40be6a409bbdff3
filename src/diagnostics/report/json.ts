import type {Snapshot} from '../../model/snapshot.js';
import {verdictHeadline} from '../coverage.js';
import type {Diagnosis} from '../index.js';
import {FINDINGS_SCHEMA_ID, FINDINGS_SCHEMA_VERSION, type FindingsReport} from './schema.js';

export const docsPathOf = (ruleId: string): string => `docs/rules/${ruleId}.md`;

export type ReportContext = {
	readonly snapshot: Snapshot;
	readonly version: string;
	/** Capture-set path as given on the command line. */
	readonly path?: string;
};

/** The versioned JSON report object (validated by findingsReportSchema in tests). */
export function toFindingsReport(diagnosis: Diagnosis, ctx: ReportContext): FindingsReport {
	const {manifest} = ctx.snapshot;
	return {
		verdict: diagnosis.verdict,
		headline: verdictHeadline(
			diagnosis.verdict,
			diagnosis.coverage,
			diagnosis.summary,
			diagnosis.backend?.backend,
		),
		...(diagnosis.backend !== undefined
			? {
					backend: {
						name: diagnosis.backend.backend,
						summary: diagnosis.backend.summary,
						clues: diagnosis.backend.clues.map(c => ({...c})),
					},
				}
			: {}),
		schema: FINDINGS_SCHEMA_ID,
		schemaVersion: FINDINGS_SCHEMA_VERSION,
		tool: {name: 'dvrscope', version: ctx.version},
		captureSet: {
			...(ctx.path !== undefined ? {path: ctx.path} : {}),
			...(manifest.description !== undefined ? {description: manifest.description} : {}),
			source: manifest.source,
			createdAt: manifest.createdAt,
			nodes: Object.keys(ctx.snapshot.nodes).sort(),
			captures: Object.keys(ctx.snapshot.captures).length,
		},
		exitCode: diagnosis.exitCode,
		coverage: {
			complete: diagnosis.coverage.complete,
			gaps: diagnosis.coverage.gaps.map(g => ({...g})),
		},
		summary: diagnosis.summary,
		findings: diagnosis.findings.map(({remediation, fix, path, ...f}) => ({
			...f,
			nodes: [...f.nodes],
			data: {...f.data},
			evidence: f.evidence.map(e => ({...e, lines: [...e.lines]})),
			...(remediation !== undefined ? {remediation: [...remediation]} : {}),
			...(fix !== undefined
				? {fix: JSON.parse(JSON.stringify(fix)) as FindingsReport['findings'][number]['fix']}
				: {}),
			...(path !== undefined
				? {path: JSON.parse(JSON.stringify(path)) as FindingsReport['findings'][number]['path']}
				: {}),
			docs: docsPathOf(f.ruleId),
		})),
		rules: diagnosis.outcomes.map(o => ({
			ruleId: o.ruleId,
			title: o.title,
			status: o.status,
			findings: o.status === 'fail' ? o.findings.length : 0,
			...(o.status === 'skipped' ? {missing: [...o.missing], needs: [...o.needs]} : {}),
			...(o.status === 'skipped' && o.reasons !== undefined ? {reasons: [...o.reasons]} : {}),
			...(o.status === 'skipped' && o.notApplicable !== undefined
				? {notApplicable: o.notApplicable}
				: {}),
			...(o.status === 'fail' && o.unchecked !== undefined ? {unchecked: [...o.unchecked]} : {}),
			...(o.status === 'error' ? {error: o.error} : {}),
		})),
		captureErrors: diagnosis.captureErrors.map(e => ({
			capture: e.capture,
			...(e.node !== undefined ? {node: e.node} : {}),
			message: e.message,
			...(e.warnings !== undefined
				? {
						warnings: e.warnings.map(w => ({
							line: w.line,
							message: w.message,
							...(w.text !== undefined ? {text: w.text} : {}),
						})),
					}
				: {}),
		})),
	};
}

export function renderJson(diagnosis: Diagnosis, ctx: ReportContext): string {
	return `${JSON.stringify(toFindingsReport(diagnosis, ctx), null, 2)}\n`;
}
