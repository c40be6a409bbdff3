import {describe, expect, it} from 'vitest';
import {interpolate, runRules, sortFindings} from '../../src/diagnostics/engine.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {defineRule, type Finding} from '../../src/diagnostics/types.js';
import {neigh, qrouterNeighCapture, snapshotOf} from '../helpers/capture-set.js';

const snapshot = () =>
	snapshotOf([
		qrouterNeighCapture('cmp-1', neigh([['10.0.0.11', 'fa:16:3e:11:11:11', 'PERMANENT']])),
	]);

const throwing = defineRule({
	id: 'test/throws',
	meta: {
		title: 'throws',
		severity: 'critical',
		requires: [],
		messages: {m: 'x'},
		docs: {explanation: '', remediation: ''},
	},
	check() {
		throw new Error('boom in rule');
	},
});
const reporting = defineRule({
	id: 'test/reports',
	meta: {
		title: 'reports',
		severity: 'warning',
		requires: ['node.neigh'],
		messages: {found: '{{count}} entries on {{node}}; {{unknown}} stays'},
		docs: {explanation: '', remediation: ''},
	},
	check(context) {
		for (const node of context.nodes) {
			const n = context.node(node)?.neigh ?? {};
			const count = Object.values(n).reduce((sum, s) => sum + s.data.length, 0);
			context.report({
				messageId: 'found',
				nodes: [node],
				data: {count, node},
				evidence: [{node, capture: 'x', lines: [1], excerpt: 'y'}],
			});
		}
	},
});
const needsPorts = defineRule({
	id: 'test/needs-ports',
	meta: {
		title: 'needs',
		severity: 'warning',
		requires: ['cloud.ports', 'node.neigh'],
		messages: {m: 'x'},
		docs: {explanation: '', remediation: ''},
	},
	check(context) {
		context.report({messageId: 'm'});
	},
});
const passing = defineRule({
	id: 'test/passes',
	meta: {
		title: 'passes',
		severity: 'info',
		requires: ['node.neigh'],
		messages: {m: 'x'},
		docs: {explanation: '', remediation: ''},
	},
	check() {
		/* nothing to report */
	},
});

describe('runRules', () => {
	it('reports a throwing rule as error and still runs the others', () => {
		// Given a rule that throws between two healthy ones
		// When the engine runs them
		const outcomes = runRules(snapshot(), [passing, throwing, reporting]);
		// Then the crash is an error outcome with its message, and the others ran
		expect(outcomes.map(o => o.status)).toEqual(['pass', 'error', 'fail']);
		const error = outcomes[1];
		expect(error?.status === 'error' ? error.error : '').toBe('boom in rule');
	});

	it('skips a rule whose inputs are missing and says which captures would provide them', () => {
		const [outcome] = runRules(snapshot(), [needsPorts]);
		expect(outcome?.status).toBe('skipped');
		if (outcome?.status === 'skipped') {
			expect(outcome.missing).toEqual(['cloud.ports']);
			expect(outcome.needs[0]).toContain('openstack port');
		}
	});

	it('interpolates messages and leaves unknown placeholders visible', () => {
		const [outcome] = runRules(snapshot(), [reporting]);
		expect(outcome?.status === 'fail' ? outcome.findings[0]?.message : '').toBe(
			'1 entries on cmp-1; {{unknown}} stays',
		);
		expect(interpolate('{{a}}-{{ b }}', {a: 1, b: 'x'})).toBe('1-x');
	});

	it('diagnose: exit code follows the worst severity; errors do not hide results', () => {
		// With the API's data in the set, nothing is missing: 0 / 1 by severity.
		const withApi = () =>
			snapshotOf([
				qrouterNeighCapture('cmp-1', neigh([['10.0.0.11', 'fa:16:3e:11:11:11', 'PERMANENT']])),
				{id: 'ports', kind: 'openstack-ports', stdout: '[]\n'},
			]);
		expect(diagnose(withApi(), [passing]).exitCode).toBe(0);
		expect(diagnose(withApi(), [passing]).verdict).toBe('ok');
		expect(diagnose(withApi(), [reporting]).exitCode).toBe(1);
		const d = diagnose(withApi(), [throwing, reporting]);
		expect(d.summary.rules).toEqual({pass: 0, fail: 1, skipped: 0, error: 1});
		expect(d.summary.warning).toBe(1);
		// A crashed rule's result is unknown: the verdict cannot be OK or a plain WARNING.
		expect(d.verdict).toBe('incomplete');
		expect(d.exitCode).toBe(4);
		expect(d.coverage.gaps).toContainEqual(
			expect.objectContaining({kind: 'rule-error', subject: 'test/throws'}),
		);
	});

	it('diagnose: no API data at all is INCOMPLETE (exit 4), never OK', () => {
		const d = diagnose(snapshot(), [passing]);
		expect(d.verdict).toBe('incomplete');
		expect(d.exitCode).toBe(4);
		expect(d.coverage.gaps.map(g => g.kind)).toContain('api-not-configured');
	});
});

describe('sortFindings', () => {
	const f = (
		ruleId: `${string}/${string}`,
		severity: Finding['severity'],
		vip?: string,
	): Finding => ({
		ruleId,
		severity,
		title: '',
		messageId: 'm',
		message: '',
		nodes: [],
		...(vip !== undefined ? {vip} : {}),
		data: {},
		evidence: [],
	});
	it('sorts by severity and keeps findings of one VIP together', () => {
		const sorted = sortFindings([
			f('a/x', 'warning', '10.0.0.9'),
			f('b/y', 'info'),
			f('c/z', 'warning', '10.0.0.5'),
			f('d/w', 'critical', '10.0.0.5'),
		]);
		expect(sorted.map(s => `${s.ruleId}@${s.vip ?? '-'}`)).toEqual([
			'd/w@10.0.0.5',
			'c/z@10.0.0.5',
			'a/x@10.0.0.9',
			'b/y@-',
		]);
	});
});
