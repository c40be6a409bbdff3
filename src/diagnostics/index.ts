import type {CaptureError, Snapshot} from '../model/snapshot.js';
import {readBackend, type BackendReading} from './backend.js';
import {computeCoverage, type Coverage, type Verdict, VERDICT_EXIT, verdictOf} from './coverage.js';
import {runRules, sortFindings} from './engine.js';
import {rules as allRules} from './registry.js';
import {predictFixes} from './simulate.js';
import type {Finding, Rule, RuleOutcome, Severity} from './types.js';
import {withPathProofs} from './path-findings.js';

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

/**
 * Exit code of a diagnosis: 0 OK (every applicable check ran on complete data, nothing at warning
 * or above), 1 warnings, 2 critical, 4 INCOMPLETE (something applicable could not be checked).
 * Precedence: critical > incomplete > warning > ok. (3 is a usage or input error.)
 */
export type DiagnosisExitCode = 0 | 1 | 2 | 4;

export type Diagnosis = {
	readonly outcomes: readonly RuleOutcome[];
	/** Sorted by severity and grouped by VIP. */
	readonly findings: readonly Finding[];
	readonly summary: DiagnosisSummary;
	/** `critical` > `incomplete` > `warning` > `ok`; see {@link verdictOf}. */
	readonly verdict: Verdict;
	/** What could not be seen or checked; `complete` only when nothing is missing. */
	readonly coverage: Coverage;
	readonly exitCode: DiagnosisExitCode;
	/** Captures that could not be used (from the snapshot), so reports can say what is missing. */
	readonly captureErrors: readonly CaptureError[];
	/** The Neutron backend the set shows and why (ml2/ovs, ml2/ovn, tungstenfabric, unknown, conflicting). */
	readonly backend?: BackendReading;
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
	const outcomes = predictFixes(snapshot, runRules(snapshot, rules), rules);
	const findings = withPathProofs(
		snapshot,
		sortFindings(outcomes.flatMap(o => (o.status === 'fail' ? o.findings : []))),
	);
	const summary = summarize(outcomes, findings);
	const coverage = computeCoverage(snapshot, outcomes);
	const verdict = verdictOf(summary, coverage);
	const exitCode: DiagnosisExitCode = VERDICT_EXIT[verdict];
	return {
		outcomes,
		findings,
		summary,
		verdict,
		coverage,
		exitCode,
		captureErrors: snapshot.errors,
		backend: readBackend(snapshot),
	};
}

export {rules} from './registry.js';
export {runRules, runRule} from './engine.js';
export type {Coverage, CoverageGap, Verdict} from './coverage.js';
export {VERDICT_EXIT, verdictHeadline, missingSummary} from './coverage.js';
export type {Backend, BackendReading} from './backend.js';
export {BACKEND_LABEL, readBackend} from './backend.js';
export {proofPair, type ProofPair} from './path-findings.js';
export type {
	Finding,
	Rule,
	RuleOutcome,
	Severity,
	Evidence,
	Fix,
	FixStep,
	FixAction,
	FixPrediction,
} from './types.js';
