import {describe, expect, it} from 'vitest';
import {ipRuleParser} from '../../../src/collectors/parsers/ip-rule.js';
import {fixture} from './fixture.js';

describe('ip-rule parser', () => {
	it.each([
		['ip rule show', 'gen-ip-rule-show-qrouter.txt'],
		['ip -j rule show', 'gen-ip-j-rule-show-qrouter.json'],
	])('Given %s with only the default rules, then three rules come out', (_l, file) => {
		const {facts, warnings} = ipRuleParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(facts.map(r => [r.priority, r.from, r.table])).toEqual([
			[0, 'all', 'local'],
			[32766, 'all', 'main'],
			[32767, 'all', 'default'],
		]);
	});

	it.each([
		['ip rule show', 'iproute2-local/ip-rule-show.txt'],
		['ip -j rule show', 'iproute2-local/ip-j-rule-show.json'],
	])('Given real %s with DVR rules and actions, then text and JSON agree', (_l, file) => {
		const {facts, warnings} = ipRuleParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		const strip = facts.map(rule => {
			const {line, ...rest} = rule;
			expect(line).toBeGreaterThan(0);
			return rest;
		});
		expect(strip).toEqual([
			{priority: 0, from: 'all', table: 'local'},
			{
				priority: 100,
				from: 'all',
				to: '10.7.0.0/16',
				iif: 'qr-aaaa1111-11',
				fwmark: '0x10/0xff',
				action: 'blackhole',
			},
			{priority: 200, from: 'all', oif: 'rfp-4d7928a0-4', action: 'unreachable'},
			{priority: 32766, from: 'all', table: 'main'},
			{priority: 32767, from: 'all', table: 'default'},
			{priority: 32768, from: '10.0.0.5', table: '16'},
			{priority: 167772161, from: '10.0.0.1/24', table: '167772161'},
		]);
	});

	it('Given a malformed line, then it is a warning with its line number', () => {
		const {facts, warnings} = ipRuleParser.parse(
			'0:\tfrom all lookup local\nfrom all lookup main\n',
		);
		expect(facts).toHaveLength(1);
		expect(warnings).toMatchObject([{line: 2}]);
	});
});
