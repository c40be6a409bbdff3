import {describe, expect, it} from 'vitest';
import {neutronHaStateParser} from '../../../src/collectors/parsers/neutron-ha-state.js';
import {fixture} from './fixture.js';

describe('neutron-ha-state parser', () => {
	it.each([
		['primary', 'primary'],
		['master', 'primary'],
		['primary\n', 'primary'],
		['  backup \n', 'backup'],
		['backup', 'backup'],
		['fault', 'fault'],
		['MASTER', 'primary'],
	] as const)('Given the state file %j, then the state is %s with no warning', (text, state) => {
		const {facts, warnings} = neutronHaStateParser.parse(text);
		expect(facts.state).toBe(state);
		expect(facts.raw).toBe(text.trim());
		expect(warnings).toEqual([]);
	});

	it.each([
		['', 'empty state file'],
		['   \n', 'empty state file'],
		['active', 'not a Neutron HA state'],
		['constructor', 'not a Neutron HA state'],
		['__proto__', 'not a Neutron HA state'],
		['\n\x00\x01garbage', 'not a Neutron HA state'],
	])('Given %j, then the state is unknown with a warning', (text, message) => {
		const {facts, warnings} = neutronHaStateParser.parse(text);
		expect(facts.state).toBe('unknown');
		expect(warnings[0]?.message).toContain(message);
	});

	it.each([
		['state-primary', 'primary'],
		['state-master-ussuri', 'primary'],
		['state-backup', 'backup'],
	])('Given the state file %s (no trailing newline), then it reads as %s', (file, state) => {
		const text = fixture(`neutron-ha-state/${file}`);
		expect(text.endsWith('\n')).toBe(false);
		expect(neutronHaStateParser.parse(text)).toEqual({
			kind: 'neutron-ha-state',
			facts: {state, raw: text},
			warnings: [],
		});
	});

	it('Given garbage after a blank first line, then the warning cites line 2', () => {
		expect(neutronHaStateParser.parse('\nwhat\n').warnings[0]?.line).toBe(2);
	});
});
