/** The forms engineers paste into tickets: `ip addr` in every form, `ip neigh` with or without columns. */
import {describe, expect, it} from 'vitest';
import {ipAddrParser} from '../../../src/collectors/parsers/ip-addr.js';
import {ipNeighParser} from '../../../src/collectors/parsers/ip-neigh.js';
import type {IpInterface} from '../../../src/model/facts.js';
import {fixture} from './fixture.js';

/** Interface name → its addresses, the part every form carries. */
const addresses = (ifaces: readonly IpInterface[]) =>
	Object.fromEntries(
		ifaces.map(i => [i.name, i.addresses.map(a => `${a.local}/${a.prefixlen}`).sort()]),
	);

describe('ip addr: the full, -o, -br and -j forms read the same addresses', () => {
	const full = ipAddrParser.parse(fixture('gen-ip-addr-show-qrouter.txt'));
	it.each([
		['ip -o addr', 'gen-ip-o-addr-show-qrouter.txt'],
		['ip -br addr', 'hand-typed/ip-br-addr-qrouter.txt'],
	])('Given %s, then the addresses equal the full form’s', (_, file) => {
		const {facts, warnings} = ipAddrParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(addresses(facts)).toEqual(addresses(full.facts));
	});

	it('Given ip -br addr, then state and @peer are read and no MAC is made up', () => {
		const {facts} = ipAddrParser.parse(fixture('hand-typed/ip-br-addr-qrouter.txt'));
		const qr = facts.find(i => i.name === 'qr-102c4426-86');
		expect(qr).toMatchObject({operstate: 'UP', link: 'if2', line: 2});
		expect(qr?.mac).toBeUndefined();
	});

	it('Given ip -br link, then the MACs and flags are read', () => {
		const {facts, warnings} = ipAddrParser.parse(fixture('hand-typed/ip-br-link-qrouter.txt'));
		expect(warnings).toEqual([]);
		expect(facts.map(i => [i.name, i.mac, i.flags.includes('UP')])).toEqual([
			['lo', '00:00:00:00:00:00', true],
			['qr-102c4426-86', 'fa:16:3e:72:7a:50', true],
			['rfp-4d7928a0-4', 'c2:a1:1e:50:9c:34', true],
		]);
	});

	it('Given the full form pasted without its indentation, then it reads as the original', () => {
		const text = fixture('gen-ip-addr-show-qrouter.txt')
			.split('\n')
			.map(l => l.trimStart())
			.join('\n');
		const {facts, warnings} = ipAddrParser.parse(text);
		expect(warnings).toEqual([]);
		expect(addresses(facts)).toEqual(addresses(full.facts));
		expect(facts.find(i => i.name === 'qr-102c4426-86')?.mac).toBe('fa:16:3e:72:7a:50');
	});

	it('Given a line of no form, then the warning names the forms that are read', () => {
		const {warnings} = ipAddrParser.parse('this is not ip output\n');
		expect(warnings[0]?.line).toBe(1);
		expect(warnings[0]?.message).toMatch(/-o addr.*-br addr.*-j addr/);
	});
});

describe('ip neigh with and without the nud / dev columns', () => {
	it.each([
		[
			'198.19.0.100 dev qr-ee8683b3-c4 lladdr fa:16:3e:e4:ce:64 PERMANENT',
			'qr-ee8683b3-c4',
			['PERMANENT'],
		],
		['198.19.0.100 lladdr fa:16:3e:e4:ce:64 PERMANENT', undefined, ['PERMANENT']],
		[
			'198.19.0.100 dev qr-ee8683b3-c4 lladdr fa:16:3e:e4:ce:64 nud permanent',
			'qr-ee8683b3-c4',
			['PERMANENT'],
		],
		['198.19.0.100 lladdr fa:16:3e:e4:ce:64 nud reachable', undefined, ['REACHABLE']],
		['198.19.0.100 lladdr fa:16:3e:e4:ce:64', undefined, []],
	])('Given "%s", then dev %s and states %j', (line, dev, states) => {
		const {facts, warnings} = ipNeighParser.parse(`${line}\n`);
		expect(warnings).toEqual([]);
		expect(facts[0]).toMatchObject({dst: '198.19.0.100', lladdr: 'fa:16:3e:e4:ce:64', states});
		expect(facts[0]?.dev).toBe(dev);
	});

	it('Given the shipped dev-filtered and nud-filtered captures, then they read without warnings', () => {
		for (const file of [
			'gen-ip-neigh-show-dev-qr.txt',
			'gen-ip-neigh-show-nud-permanent-qrouter.txt',
		]) {
			const {facts, warnings} = ipNeighParser.parse(fixture(file));
			expect(warnings, file).toEqual([]);
			expect(facts.length, file).toBeGreaterThan(0);
		}
	});

	it('Given an arp -a line, then the warning names the forms that are read', () => {
		const {warnings} = ipNeighParser.parse(
			'? (198.19.0.100) at fa:16:3e:e4:ce:64 [ether] PERM on qr-x\n',
		);
		expect(warnings[0]?.message).toMatch(/ip neigh.*ip -j neigh/);
	});
});
