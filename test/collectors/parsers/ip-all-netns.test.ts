import {describe, expect, it} from 'vitest';
import {ipAllNetnsParser} from '../../../src/collectors/parsers/ip-all-netns.js';
import {parseSections} from '../../../src/collectors/parsers/index.js';
import {fixture} from './fixture.js';

describe('ip-all-netns parser', () => {
	it('Given real ip -all netns exec ip neigh show, then one section per namespace with its start line', () => {
		const text = fixture('iproute2-local/ip-all-netns-exec-ip-neigh-show.txt');
		const {facts, warnings} = ipAllNetnsParser.parse(text);
		expect(warnings).toEqual([]);
		expect(facts.map(s => [s.namespace, s.startLine])).toEqual([
			['dvrsc-h2a', 3],
			['dvrsc-h2b', 13],
		]);
		expect(facts[1]?.text).toBe('10.0.0.1 dev tap-bbbb lladdr 46:51:c3:c7:6b:e0 REACHABLE \n');
		// The blank separator line is not part of the previous section.
		expect(facts[0]?.text.endsWith('PERMANENT \n')).toBe(true);
		const lines = text.split('\n');
		const first = facts[0]!;
		expect(lines[first.startLine - 1]).toBe(first.text.split('\n')[0]);
	});

	it('Given sections parsed with the inner kind, then lines refer to the whole capture', () => {
		const text = fixture('iproute2-local/ip-all-netns-exec-ip-neigh-show.txt');
		const sections = parseSections('ip-neigh', ipAllNetnsParser.parse(text).facts);
		const a = sections[0]!;
		expect(a.namespace).toBe('dvrsc-h2a');
		const permanent = a.result.facts.find(n => n.dst === '10.0.0.13');
		expect(permanent?.line).toBe(4);
		expect(text.split('\n')[3]).toContain('10.0.0.13');
		expect(sections[1]?.result.facts[0]).toMatchObject({dst: '10.0.0.1', line: 13});
	});

	it('Given JSON output per namespace, then each section parses as JSON', () => {
		const text = fixture('iproute2-local/ip-all-netns-exec-ip-j-rule-show.txt');
		const sections = parseSections('ip-rule', ipAllNetnsParser.parse(text).facts);
		expect(
			sections.map(s => [s.namespace, s.result.facts.length, s.result.warnings.length]),
		).toEqual([
			['dvrsc-h2a', 7, 0],
			['dvrsc-h2b', 3, 0],
		]);
	});

	it('Given a namespace whose command printed nothing, then its section is empty', () => {
		const {facts} = ipAllNetnsParser.parse('\nnetns: a\n\nnetns: b\nx\n');
		expect(facts).toEqual([
			{namespace: 'a', startLine: 3, text: ''},
			{namespace: 'b', startLine: 5, text: 'x\n'},
		]);
	});

	it('Given state files without a trailing newline (cat via -all), then each section still splits', () => {
		// What `ip -all netns exec cat state` prints: printf("\nnetns: %s\n") after "primary" with no newline.
		const {facts, warnings} = ipAllNetnsParser.parse(
			'\nnetns: qrouter-a\nprimary\nnetns: qrouter-b\nbackup',
		);
		expect(warnings).toEqual([]);
		expect(facts).toEqual([
			{namespace: 'qrouter-a', startLine: 3, text: 'primary\n'},
			{namespace: 'qrouter-b', startLine: 5, text: 'backup\n'},
		]);
	});

	it('Given real output of `ip -all netns exec printf primary`, then every namespace reads as primary', () => {
		const text = fixture('iproute2-local/ip-all-netns-exec-printf-state.txt');
		const sections = parseSections('neutron-ha-state', ipAllNetnsParser.parse(text).facts);
		expect(sections.map(s => [s.namespace, s.result.facts.state, s.result.warnings])).toEqual([
			['dvrsc-h2d', 'primary', []],
			['dvrsc-h2c', 'primary', []],
			['dvrlab-ul', 'primary', []],
		]);
	});

	it('Given output without separators (not -all), then it is a warning with the line', () => {
		const {facts, warnings} = ipAllNetnsParser.parse('10.0.0.1 dev x FAILED\n');
		expect(facts).toEqual([]);
		expect(warnings).toMatchObject([{line: 1}]);
	});
});
