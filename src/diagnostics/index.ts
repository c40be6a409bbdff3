import type {CaptureError, Snapshot} from '../model/snapshot.js';
import {runRules, sortFindings} from './engine.js';
import {rules as allRules} from './registry.js';
import type {Finding, Rule, RuleOutcome, Severity} from './types.js';

export type DiagnosisSummary = {
	readonly critical: number;
	readonly warning: number;
	readonly info: number;
	readonly rules: {
		readonly pass: number;
		readonly fail: number;
		readonly skipped: number;
		readonly error: number;
	};
};

/** Exit code of a diagnosis: 0 nothing at warning or above, 1 warnings, 2 critical. */
export type DiagnosisExitCode = 0 | 1 | 2;

export type Diagnosis = {
	readonly outcomes: readonly RuleOutcome[];
	/** Sorted by severity and grouped by VIP. */
	readonly findings: readonly Finding[];
	readonly summary: DiagnosisSummary;
	readonly exitCode: DiagnosisExitCode;
	/** Captures that could not be used (from the snapshot), so reports can say what is missing. */
	readonly captureErrors: readonly CaptureError[];
};

export function summarize(
	outcomes: readonly RuleOutcome[],
	findings: readonly Finding[],
): DiagnosisSummary {
	const count = (s: Severity): number => findings.filter(f => f.severity === s).length;
	const status = (s: RuleOutcome['status']): number => outcomes.filter(o => o.status === s).length;
	return {
		critical: count('critical'),
		warning: count('warning'),
		info: count('info'),
		rules: {
			pass: status('pass'),
			fail: status('fail'),
			skipped: status('skipped'),
			error: status('error'),
		},
	};
}

/** Run the rules over a snapshot and sum up (pure). */
export function diagnose(snapshot: Snapshot, rules: readonly Rule[] = allRules): Diagnosis {
	const outcomes = runRules(snapshot, rules);
	const findings = sortFindings(outcomes.flatMap(o => (o.status === 'fail' ? o.findings : [])));
	const summary = summarize(outcomes, findings);
	const exitCode: DiagnosisExitCode = summary.critical > 0 ? 2 : summary.warning > 0 ? 1 : 0;
	return {outcomes, findings, summary, exitCode, captureErrors: snapshot.errors};
}

export {rules} from './registry.js';
export {runRules, runRule} from './engine.js';
export type {Finding, Rule, RuleOutcome, Severity, Evidence} from './types.js';
