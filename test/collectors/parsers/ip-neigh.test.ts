import {describe, expect, it} from 'vitest';
import {ipNeighParser} from '../../../src/collectors/parsers/ip-neigh.js';
import {fixture} from './fixture.js';

const QR = 'qr-102c4426-86';

describe('ip-neigh parser', () => {
	it.each([
		['ip neigh show', 'gen-ip-neigh-show-qrouter.txt'],
		['ip -s neigh show', 'gen-ip-s-neigh-show-qrouter.txt'],
		['ip -j neigh show', 'gen-ip-j-neigh-show-qrouter.json'],
	])('Given %s with a stale PERMANENT VIP entry, then entries are typed', (_l, file) => {
		const {facts, warnings} = ipNeighParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(facts).toHaveLength(7);
		expect(facts.find(n => n.dst === '10.0.0.100')).toMatchObject({
			dev: QR,
			lladdr: 'fa:16:3e:11:22:33',
			states: ['PERMANENT'],
			isRouter: false,
			isProxy: false,
		});
		expect(facts.find(n => n.dst === '10.0.0.77')?.states).toEqual(['STALE']);
		const failed = facts.find(n => n.dst === '10.0.0.99');
		expect(failed?.states).toEqual(['FAILED']);
		expect(failed).not.toHaveProperty('lladdr');
	});

	it('Given text output, then each entry cites its line (trailing space is not a token)', () => {
		const {facts} = ipNeighParser.parse(fixture('gen-ip-neigh-show-qrouter.txt'));
		expect(facts[5]).toEqual({
			dst: '169.254.106.115',
			dev: 'rfp-4d7928a0-4',
			lladdr: '8e:7c:c4:e5:e7:54',
			states: ['PERMANENT'],
			isRouter: false,
			isProxy: false,
			line: 6,
		});
	});

	it('Given ip neigh show dev X, then dev is absent and the rest is read', () => {
		const {facts, warnings} = ipNeighParser.parse(fixture('gen-ip-neigh-show-dev-qr.txt'));
		expect(warnings).toEqual([]);
		expect(facts[0]).toEqual({
			dst: '10.0.0.13',
			lladdr: 'fa:16:3e:11:22:33',
			states: ['PERMANENT'],
			isRouter: false,
			isProxy: false,
			line: 1,
		});
		expect(facts.every(n => n.dev === undefined)).toBe(true);
	});

	it('Given ip -4 neigh show nud permanent, then every entry is PERMANENT', () => {
		const {facts} = ipNeighParser.parse(fixture('gen-ip-neigh-show-nud-permanent-qrouter.txt'));
		expect(facts).toHaveLength(5);
		expect(facts.every(n => n.states.join() === 'PERMANENT')).toBe(true);
	});

	it.each([
		['ip neigh show nud all', 'iproute2-local/ip-neigh-show-nud-all.txt'],
		['ip -s neigh show nud all', 'iproute2-local/ip-s-neigh-show-nud-all.txt'],
		['ip -j neigh show nud all', 'iproute2-local/ip-j-neigh-show-nud-all.json'],
	])('Given real %s, then every NUD state and the router flag are read', (_l, file) => {
		const {facts, warnings} = ipNeighParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		const state = (dst: string): string | undefined =>
			facts.find(n => n.dst === dst && n.dev === 'qr-aaaa1111-11')?.states.join();
		expect(state('10.0.0.5')).toBe('REACHABLE');
		expect(state('10.0.0.13')).toBe('PERMANENT');
		expect(state('10.0.0.16')).toBe('STALE');
		expect(state('10.0.0.14')).toBe('NOARP');
		expect(state('10.0.0.17')).toBe('PROBE');
		expect(state('10.0.0.18')).toBe('FAILED');
		expect(state('10.0.0.99')).toBe('INCOMPLETE');
		expect(facts.find(n => n.dst === '10.0.0.99')).not.toHaveProperty('lladdr');
		expect(facts.find(n => n.dst === '10.0.0.15')).toMatchObject({
			isRouter: true,
			lladdr: 'fa:16:3e:11:22:55',
		});
		expect(facts.find(n => n.dst === 'fe80::1')).toMatchObject({
			isRouter: true,
			states: ['PERMANENT'],
		});
	});

	it('Given real ip -j -s neigh show (stats keys), then entries are read the same', () => {
		const {facts, warnings} = ipNeighParser.parse(fixture('iproute2-local/ip-j-s-neigh-show.json'));
		expect(warnings).toEqual([]);
		expect(facts.find(n => n.dst === '10.0.0.13')).toMatchObject({
			dev: 'qr-aaaa1111-11',
			lladdr: 'fa:16:3e:11:22:33',
			states: ['PERMANENT'],
		});
		expect(facts.find(n => n.dst === '10.0.0.15')).toMatchObject({isRouter: true});
	});

	it.each([
		['text', 'iproute2-local/ip-neigh-show-proxy.txt'],
		['JSON', 'iproute2-local/ip-j-neigh-show-proxy.json'],
	])('Given a proxy entry (%s), then isProxy is set and there is no state', (_l, file) => {
		const {facts} = ipNeighParser.parse(fixture(file));
		expect(facts).toEqual([
			{
				dst: '10.0.0.50',
				dev: 'qr-aaaa1111-11',
				states: [],
				isRouter: false,
				isProxy: true,
				line: 1,
			},
		]);
	});

	it('Given a DELAY entry and combined states, then all states are kept', () => {
		const {facts} = ipNeighParser.parse(
			'10.0.0.9 dev qr-x lladdr FA:16:3E:00:00:09 DELAY \n10.0.0.8 dev qr-x lladdr fa:16:3e:00:00:08 STALE PERMANENT \n',
		);
		expect(facts[0]).toMatchObject({lladdr: 'fa:16:3e:00:00:09', states: ['DELAY']});
		expect(facts[1]?.states).toEqual(['STALE', 'PERMANENT']);
	});

	it('Given malformed lines, then they are warnings with line numbers next to what parsed', () => {
		const {facts, warnings} = ipNeighParser.parse(
			'10.0.0.1 dev qr-x lladdr fa:16:3e:00:00:01 PERMANENT \nDump was interrupted\n10.0.0.2 dev qr-x lladdr fa:16:3e:00:00:02 BOGUS\n',
		);
		expect(facts.map(n => n.dst)).toEqual(['10.0.0.1', '10.0.0.2']);
		expect(warnings.map(w => w.line)).toEqual([2, 3]);
		expect(warnings[1]?.message).toContain('BOGUS');
	});
});
