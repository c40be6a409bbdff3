import {describe, expect, it} from 'vitest';
import {ipNetnsParser} from '../../../src/collectors/parsers/ip-netns.js';
import {fixture} from './fixture.js';

const QROUTER = 'qrouter-4d7928a0-4a3c-4b99-b01b-97da2f97e279';

describe('ip-netns parser', () => {
	it.each([
		['text with (id: N)', 'gen-ip-netns-list.txt'],
		['ip -j netns list', 'gen-ip-j-netns-list.json'],
	])('Given %s, when parsed, then names and ids come out', (_label, file) => {
		const {facts, warnings} = ipNetnsParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(facts.map(n => n.name)).toEqual([
			'fip-5f6a1c2d-3b4e-4f50-8a61-7b8c9d0e1f20',
			'rsvm-a',
			'qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141',
			'snat-4d7928a0-4a3c-4b99-b01b-97da2f97e279',
			QROUTER,
			'rsvm-b',
		]);
		expect(facts.find(n => n.name === QROUTER)?.id).toBe(0);
		expect(facts.find(n => n.name === 'rsvm-a')).not.toHaveProperty('id');
	});

	it('Given text output, then each entry cites its line', () => {
		const {facts} = ipNetnsParser.parse(fixture('gen-ip-netns-list.txt'));
		expect(facts[3]).toEqual({name: 'snat-4d7928a0-4a3c-4b99-b01b-97da2f97e279', id: 2, line: 4});
	});

	it('Given the Neutron docs form without ids, then no id is invented', () => {
		const {facts} = ipNetnsParser.parse(`${QROUTER}\nqdhcp-1\n`);
		expect(facts).toEqual([
			{name: QROUTER, line: 1},
			{name: 'qdhcp-1', line: 2},
		]);
	});

	it('Given ip netns list-id, then nsid and name are read', () => {
		const {facts, warnings} = ipNetnsParser.parse(fixture('gen-ip-netns-list-id.txt'));
		expect(warnings).toEqual([]);
		expect(facts[0]).toEqual({name: QROUTER, id: 0, line: 1});
	});

	it('Given a malformed line, then it is a warning with its line number and the rest still parses', () => {
		const {facts, warnings} = ipNetnsParser.parse('qrouter-a (id: 1)\nthis is not a namespace\n');
		expect(facts).toEqual([{name: 'qrouter-a', id: 1, line: 1}]);
		expect(warnings).toEqual([
			{line: 2, message: 'not a namespace line', text: 'this is not a namespace'},
		]);
	});

	it('Given truncated JSON, then a warning names the line', () => {
		const {facts, warnings} = ipNetnsParser.parse('[{"name":"a"},\n{"name":');
		expect(facts).toEqual([]);
		expect(warnings[0]?.line).toBe(2);
		expect(warnings[0]?.message).toMatch(/invalid JSON/);
	});
});
