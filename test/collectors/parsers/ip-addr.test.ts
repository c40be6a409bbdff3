import {describe, expect, it} from 'vitest';
import {ipAddrParser} from '../../../src/collectors/parsers/ip-addr.js';
import {fixture} from './fixture.js';

describe('ip-addr parser', () => {
	it.each([
		['ip addr show', 'gen-ip-addr-show-qrouter.txt'],
		['ip -o addr show', 'gen-ip-o-addr-show-qrouter.txt'],
		['ip -j addr show', 'gen-ip-j-addr-show-qrouter.json'],
	])('Given %s of a qrouter namespace, then interfaces and addresses are typed', (_l, file) => {
		const {facts, warnings} = ipAddrParser.parse(fixture(file));
		expect(warnings).toEqual([]);
		expect(facts.map(i => i.name)).toEqual(['lo', 'qr-102c4426-86', 'rfp-4d7928a0-4']);
		const qr = facts[1];
		expect(qr?.ifindex).toBe(2);
		expect(qr?.addresses[0]).toMatchObject({
			family: 'inet',
			local: '10.0.0.1',
			prefixlen: 24,
			scope: 'global',
			label: 'qr-102c4426-86',
			broadcast: '10.0.0.255',
		});
		expect(qr?.addresses[1]).toMatchObject({
			family: 'inet6',
			local: 'fe80::f816:3eff:fe72:7a50',
			prefixlen: 64,
			scope: 'link',
		});
		expect(facts[2]?.addresses[0]).toMatchObject({local: '169.254.106.114', prefixlen: 31});
	});

	it('Given plain ip addr show, then MAC, flags, MTU, state, @ifN peer and link-netns are read', () => {
		const {facts} = ipAddrParser.parse(fixture('gen-ip-addr-show-qrouter.txt'));
		expect(facts[1]).toMatchObject({
			name: 'qr-102c4426-86',
			link: 'if2',
			flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
			mtu: 1500,
			operstate: 'UP',
			mac: 'fa:16:3e:72:7a:50',
			linkNetns: 'qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141',
			line: 7,
		});
		expect(facts[1]?.addresses[0]?.line).toBe(9);
	});

	it('Given ip -j addr show, then link_netnsid and the @ifN peer are kept', () => {
		const {facts} = ipAddrParser.parse(fixture('gen-ip-j-addr-show-qrouter.json'));
		expect(facts[1]).toMatchObject({link: 'if2', linkNetnsId: 0, mac: 'fa:16:3e:72:7a:50'});
	});

	it('Given ip -o addr show of a fip namespace, then fg- and fpr- addresses are found', () => {
		const {facts} = ipAddrParser.parse(fixture('gen-ip-o-addr-show-fip.txt'));
		expect(facts.find(i => i.name === 'fg-d3bb699d-af')?.addresses[0]).toMatchObject({
			local: '172.24.4.58',
			prefixlen: 24,
			line: 5,
		});
	});

	it('Given ip -o link show, then links are read from the folded lines', () => {
		const {facts, warnings} = ipAddrParser.parse(fixture('gen-ip-o-link-show-qrouter.txt'));
		expect(warnings).toEqual([]);
		expect(facts[2]).toMatchObject({
			name: 'rfp-4d7928a0-4',
			mac: 'c2:a1:1e:50:9c:34',
			linkNetns: 'fip-5f6a1c2d-3b4e-4f50-8a61-7b8c9d0e1f20',
			addresses: [],
		});
	});

	it('Given secondary addresses, then flags and label are told apart', () => {
		const text =
			'2: qg-1: <BROADCAST,UP> mtu 1500 qdisc noqueue state UP\n    inet 172.24.4.5/32 brd 172.24.4.5 scope global secondary qg-1\n';
		const {facts} = ipAddrParser.parse(text);
		expect(facts[0]?.addresses[0]).toMatchObject({flags: ['secondary'], label: 'qg-1'});
	});

	it('Given malformed lines, then warnings carry their line numbers', () => {
		const {facts, warnings} = ipAddrParser.parse(
			'garbage first line\n2: eth0: <UP> mtu 1500 state UP\n    inet nonsense/xx scope global eth0\n',
		);
		expect(facts.map(i => i.name)).toEqual(['eth0']);
		expect(warnings.map(w => w.line)).toEqual([1, 3]);
	});
});
