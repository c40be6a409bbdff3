import {describe, expect, it} from 'vitest';
import {ipRouteParser} from '../../../src/collectors/parsers/ip-route.js';
import {fixture} from './fixture.js';

describe('ip-route parser', () => {
	it.each([
		['ip route show table all', 'iproute2-local/ip-route-show-table-all.txt'],
		['ip -j route show table all', 'iproute2-local/ip-j-route-show-table-all.json'],
	])('Given real %s of a DVR-like qrouter, then routes are typed', (_l, file) => {
		const {facts, warnings} = ipRouteParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(facts).toHaveLength(20);
		// DVR FIP table 16: default via the fpr- peer over rfp-
		expect(facts.find(r => r.table === '16')).toMatchObject({
			dst: 'default',
			gateway: '169.254.106.115',
			dev: 'rfp-4d7928a0-4',
			flags: [],
		});
		// SNAT redirect table int(10.0.0.1)
		expect(facts.find(r => r.table === '167772161')).toMatchObject({
			dst: 'default',
			gateway: '10.0.0.12',
			flags: ['onlink'],
		});
		expect(facts.find(r => r.dst === '10.1.0.0/24')).toMatchObject({
			gateway: '10.0.0.5',
			proto: 'static',
			metric: 100,
		});
		expect(facts.find(r => r.dst === '10.0.0.0/24')).toMatchObject({
			dev: 'qr-aaaa1111-11',
			proto: 'kernel',
			scope: 'link',
			src: '10.0.0.1',
		});
		expect(facts.find(r => r.dst === '10.9.0.0/16')?.type).toBe('blackhole');
		expect(facts.find(r => r.dst === '10.8.0.0/16')?.type).toBe('unreachable');
		expect(facts.find(r => r.dst === '10.0.0.255')).toMatchObject({
			type: 'broadcast',
			table: 'local',
		});
		expect(facts.find(r => r.dst === 'fe80::/64')).toMatchObject({metric: 256});
	});

	it('Given text, then lines are cited', () => {
		const {facts} = ipRouteParser.parse(fixture('iproute2-local/ip-route-show-table-16.txt'));
		expect(facts).toEqual([
			{dst: 'default', gateway: '169.254.106.115', dev: 'rfp-4d7928a0-4', flags: [], line: 1},
		]);
	});

	it('Given a multipath route, then nexthop lines are not routes and the first nexthop stands for it', () => {
		const {facts, warnings} = ipRouteParser.parse(
			'default proto static metric 10 \n\tnexthop via 10.0.0.1 dev eth0 weight 1 \n\tnexthop via 10.0.1.1 dev eth1 weight 1 \n',
		);
		expect(warnings).toEqual([]);
		expect(facts).toEqual([
			{
				dst: 'default',
				proto: 'static',
				metric: 10,
				gateway: '10.0.0.1',
				dev: 'eth0',
				flags: [],
				line: 1,
			},
		]);
	});

	it('Given a multipath route in JSON, then the first nexthop stands for it', () => {
		const {facts} = ipRouteParser.parse(
			'[{"dst":"default","protocol":"static","metric":10,"flags":[],"nexthops":[{"gateway":"10.0.0.1","dev":"eth0","weight":1,"flags":[]},{"gateway":"10.0.1.1","dev":"eth1","weight":1,"flags":[]}]}]',
		);
		expect(facts[0]).toMatchObject({gateway: '10.0.0.1', dev: 'eth0', metric: 10});
	});

	it('Given IPv6 routes with expires and an unreachable default, then they are read', () => {
		const {facts, warnings} = ipRouteParser.parse(
			'default via fe80::1 dev eth0 proto ra metric 1024 expires 1799sec hoplimit 64 pref medium\nunreachable default dev lo proto kernel metric 4294967295 error -101 pref medium\n',
		);
		expect(warnings).toEqual([]);
		expect(facts[0]).toMatchObject({
			dst: 'default',
			gateway: 'fe80::1',
			proto: 'ra',
			metric: 1024,
			flags: [],
		});
		expect(facts[1]).toMatchObject({type: 'unreachable', dst: 'default', dev: 'lo'});
	});

	it('Given a malformed line, then it is a warning with its line number', () => {
		const {facts, warnings} = ipRouteParser.parse(
			'RTNETLINK answers: Operation not permitted\ndefault via 10.0.0.1 dev eth0 \n',
		);
		expect(facts).toHaveLength(1);
		expect(warnings).toMatchObject([{line: 1}]);
	});
});
