import {describe, expect, it} from 'vitest';
import {runRule} from '../../src/diagnostics/engine.js';
import type {Rule, Severity} from '../../src/diagnostics/types.js';
import type {Snapshot} from '../../src/model/snapshot.js';

export type ValidCase = {readonly name: string; readonly snapshot: () => Snapshot};

export type ExpectedFinding = {
	readonly messageId: string;
	readonly severity?: Severity;
	readonly nodes?: readonly string[];
	readonly vip?: string;
	/** Substrings the message must contain. */
	readonly messageIncludes?: readonly string[];
	/** Substrings some evidence note must contain. */
	readonly evidenceNotes?: readonly string[];
	/** Substrings some remediation line must contain. */
	readonly remediationIncludes?: readonly string[];
};

export type InvalidCase = ValidCase & {readonly findings: readonly ExpectedFinding[]};

/**
 * ESLint RuleTester, dvrscope style: `valid` snapshots must produce no finding (outcome pass or
 * skipped when `skipped` is listed), `invalid` ones exactly the findings listed, in order. Every
 * finding must carry evidence with a capture and an excerpt.
 */
export function ruleTester(
	rule: Rule,
	cases: {
		readonly valid: readonly ValidCase[];
		readonly invalid: readonly InvalidCase[];
		readonly skipped?: readonly ValidCase[];
	},
): void {
	describe(rule.id, () => {
		it.each(cases.valid.map(c => [c.name, c] as const))('valid: %s', (_name, c) => {
			// Given a snapshot without the problem, When the rule runs, Then it passes.
			const outcome = runRule(c.snapshot(), rule);
			expect(
				outcome.status,
				JSON.stringify(outcome.status === 'fail' ? outcome.findings.map(f => f.message) : outcome),
			).toBe('pass');
		});
		it.each((cases.skipped ?? []).map(c => [c.name, c] as const))('skipped: %s', (_name, c) => {
			const outcome = runRule(c.snapshot(), rule);
			expect(outcome.status).toBe('skipped');
		});
		it.each(cases.invalid.map(c => [c.name, c] as const))('invalid: %s', (_name, c) => {
			// Given a snapshot with the problem, When the rule runs, Then it reports exactly these findings.
			const outcome = runRule(c.snapshot(), rule);
			expect(outcome.status, outcome.status === 'error' ? outcome.error : '').toBe('fail');
			if (outcome.status !== 'fail') return;
			expect(outcome.findings.map(f => f.messageId)).toEqual(c.findings.map(f => f.messageId));
			outcome.findings.forEach((finding, i) => {
				const want = c.findings[i];
				if (want === undefined) return;
				if (want.severity !== undefined) expect(finding.severity).toBe(want.severity);
				if (want.nodes !== undefined) expect(finding.nodes).toEqual([...want.nodes].sort());
				if (want.vip !== undefined) expect(finding.vip).toBe(want.vip);
				for (const s of want.messageIncludes ?? []) expect(finding.message).toContain(s);
				for (const s of want.evidenceNotes ?? [])
					expect(
						finding.evidence.some(e => (e.note ?? '').includes(s)),
						`evidence note containing ${s}`,
					).toBe(true);
				for (const s of want.remediationIncludes ?? [])
					expect(
						(finding.remediation ?? []).some(line => line.includes(s)),
						`remediation containing ${s}`,
					).toBe(true);
				expect(finding.message).not.toMatch(/\{\{/);
				expect(finding.evidence.length).toBeGreaterThan(0);
				for (const e of finding.evidence) {
					expect(e.capture).not.toBe('');
					expect(e.excerpt).not.toBe('');
				}
			});
		});
	});
}
