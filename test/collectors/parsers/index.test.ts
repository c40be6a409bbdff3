import {describe, expect, it} from 'vitest';
import {
	emptyFacts,
	isEmptyFacts,
	parseCapture,
	parsers,
	shiftLines,
} from '../../../src/collectors/parsers/index.js';
import {PARSER_KINDS} from '../../../src/model/facts.js';

describe('parser registry', () => {
	it.each(PARSER_KINDS)('Given kind %s, then its parser is registered under its own name', kind => {
		const parser = parsers[kind];
		expect(parser.kind).toBe(kind);
		expect(parser.reads.length).toBeGreaterThan(0);
	});

	it.each(PARSER_KINDS)(
		'Given empty input for %s, then parseCapture returns that kind without throwing',
		kind => {
			const result = parseCapture(kind, '');
			expect(result.kind).toBe(kind);
			expect(isEmptyFacts(kind, result.facts)).toBe(true);
		},
	);

	it('Given facts with something in them, then they are not empty', () => {
		expect(isEmptyFacts('ip-netns', [{name: 'a', line: 1}])).toBe(false);
		expect(isEmptyFacts('neutron-ha-state', {state: 'backup', raw: 'backup'})).toBe(false);
		expect(isEmptyFacts('osdpl', emptyFacts('osdpl'))).toBe(true);
	});

	it('Given nested facts, then shiftLines moves every line and startLine', () => {
		expect(shiftLines({line: 1, a: [{line: 2, b: {startLine: 3, n: 4}}]}, 10)).toEqual({
			line: 11,
			a: [{line: 12, b: {startLine: 13, n: 4}}],
		});
	});
});
