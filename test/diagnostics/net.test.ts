import {describe, expect, it} from 'vitest';
import {cidrContains, cidrMatcher, ipv4ToNumber} from '../../src/diagnostics/net.js';

describe('src/diagnostics/net.ts (the one IP/CIDR module)', () => {
	it('Given dotted quads, then ipv4ToNumber reads them and refuses anything else', () => {
		expect(ipv4ToNumber('10.0.0.1')).toBe(167772161);
		expect(ipv4ToNumber('255.255.255.255')).toBe(2 ** 32 - 1);
		for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.x', 'fd00::1', ''])
			expect(ipv4ToNumber(bad), bad).toBeUndefined();
	});

	it('Given a CIDR, then cidrMatcher answers as cidrContains for IPv4 and IPv6', () => {
		const cases: [string, string][] = [
			['10.0.0.0/24', '10.0.0.77'],
			['10.0.0.0/24', '10.0.1.77'],
			['10.0.0.5/32', '10.0.0.5'],
			['0.0.0.0/0', '192.168.1.1'],
			['fd00::/64', 'fd00::1'],
			['fd00::/64', 'fd00:0:0:1::1'],
			['10.0.0.0/8', 'fd00::1'],
		];
		for (const [cidr, ip] of cases)
			expect(cidrMatcher(cidr)?.(ip), `${ip} in ${cidr}`).toBe(cidrContains(cidr, ip));
		expect(cidrMatcher('10.0.0.0/24')?.('10.0.0.9')).toBe(true);
		expect(cidrMatcher('fd00::/64')?.('fd00::9')).toBe(true);
	});

	it('Given no CIDR, then cidrMatcher is undefined', () => {
		for (const bad of ['10.0.0.0', '10.0.0.0/33', 'x/24', 'fd00::/129'])
			expect(cidrMatcher(bad), bad).toBeUndefined();
	});
});
