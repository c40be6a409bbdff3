import {existsSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {rules} from '../../src/diagnostics/registry.js';

describe('rule documentation', () => {
	it.each(rules.map(r => r.id))('docs/rules/%s.md exists with the sections on-call needs', id => {
		const file = `docs/rules/${id}.md`;
		expect(existsSync(file), file).toBe(true);
		const text = readFileSync(file, 'utf8');
		expect(text.startsWith(`# ${id}`)).toBe(true);
		for (const section of [
			'## Why',
			'## False positives',
			'## The printed fix: its evidence and its predicted result',
		])
			expect(text, `${file}: ${section}`).toContain(section);
	});

	it.each(rules.map(r => [r.id, r] as const))(
		'%s has meta.docs and a docs reference',
		(_id, rule) => {
			expect(rule.meta.docs.explanation.length).toBeGreaterThan(40);
			expect(rule.meta.docs.remediation.length).toBeGreaterThan(20);
		},
	);
});
