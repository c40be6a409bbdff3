import {readFileSync} from 'node:fs';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {Pseudonymizer, pseudonymizeCaptureSet, reverseText} from '../../src/bundle/pseudonymize.js';
import type {Capture, CaptureSet} from '../../src/model/capture.js';
import {toCaptureMeta} from '../../src/bundle/capture-set.js';

const fixture = (name: string): string =>
	readFileSync(new URL(`../fixtures/bundle/${name}`, import.meta.url), 'utf8');

const ipToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const commonPrefix = (a: number, b: number): number => {
	const x = (a ^ b) >>> 0;
	return x === 0 ? 32 : Math.clz32(x);
};

describe('Pseudonymizer: MACs', () => {
	const p = new Pseudonymizer({key: 'test-key'});
	it.each([
		['fa:16:3e:76:31:68', 'fa:16:3e:'],
		['fa:16:3f:4d:40:29', 'fa:16:3f:'],
		['52:54:00:12:34:56', '52:54:00:'],
	])('Given %s, When mapped, Then the OUI is kept and the device half changes', (mac, oui) => {
		const out = p.mapMac(mac);
		expect(out.startsWith(oui)).toBe(true);
		expect(out).not.toBe(mac);
		expect(out).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
		expect(p.mapMac(mac)).toBe(out);
	});
	it.each([
		['00:00:5e:00:01:32'],
		['00:00:5e:00:02:07'],
		['01:00:5e:00:00:12'],
		['33:33:00:00:00:01'],
		['ff:ff:ff:ff:ff:ff'],
		['00:00:00:00:00:00'],
		['01:00:00:00:00:00'],
	])('Given the special MAC %s, When mapped, Then it is kept', mac => {
		expect(p.mapMac(mac)).toBe(mac);
	});
	it('Given the same MAC in colon, OVS hex-load and EUI-64 forms, When mapped, Then all agree', () => {
		const mac = p.mapMac('fa:16:3e:76:31:68');
		const hex = mac.replace(/:/g, '');
		expect(p.text('load:0xfa163e763168->NXM_NX_ARP_SHA[]')).toBe(`load:0x${hex}->NXM_NX_ARP_SHA[]`);
		const eui = p.text('fe80::f816:3eff:fe76:3168/64');
		const [, g4, g5, g6, g7] = /::([0-9a-f]+):([0-9a-f]+):([0-9a-f]+):([0-9a-f]+)\/64/.exec(eui)!;
		const back = [
			(parseInt(g4!, 16) >> 8) ^ 2,
			parseInt(g4!, 16) & 0xff,
			parseInt(g5!, 16) >> 8,
			parseInt(g6!, 16) & 0xff,
			parseInt(g7!, 16) >> 8,
			parseInt(g7!, 16) & 0xff,
		]
			.map(b => b.toString(16).padStart(2, '0'))
			.join(':');
		expect(back).toBe(mac);
		expect(eui.startsWith('fe80::')).toBe(true);
	});
});

describe('Pseudonymizer: IPv4', () => {
	const p = new Pseudonymizer({key: 'k2', networks: ['10.20.16.0/20']});
	it.each([
		['127.0.0.1'],
		['0.0.0.0'],
		['255.255.255.255'],
		['169.254.106.114'],
		['224.0.0.18'],
		['255.255.255.0'],
	])('Given the special address %s, When mapped, Then it is kept', ip =>
		expect(p.mapIpv4(ip)).toBe(ip),
	);
	it('Given any two addresses, When mapped, Then their common prefix length is the same (subnet membership)', () => {
		fc.assert(
			fc.property(fc.ipV4(), fc.ipV4(), (a, b) => {
				const ma = ipToInt(p.mapIpv4(a));
				const mb = ipToInt(p.mapIpv4(b));
				expect(commonPrefix(ma, mb)).toBe(commonPrefix(ipToInt(a), ipToInt(b)));
			}),
		);
	});
	it('Given a /24 and a known /20, When mapped, Then host parts are kept and the network moves', () => {
		const gw = p.mapIpv4('10.0.0.1');
		expect(gw.endsWith('.1')).toBe(true);
		expect(gw.startsWith('10.')).toBe(true);
		expect(p.mapIpv4('10.0.0.255').endsWith('.255')).toBe(true);
		const a = ipToInt(p.mapIpv4('10.20.17.5'));
		const net = ipToInt(p.mapIpv4('10.20.16.0'));
		expect(a & 0xfff).toBe(ipToInt('10.20.17.5') & 0xfff);
		expect(net & 0xfff).toBe(0);
		expect(a >>> 12).toBe(net >>> 12);
		expect(p.mapIpv4('192.168.5.9').startsWith('192.168.')).toBe(true);
		expect(p.mapIpv4('172.16.5.9').startsWith('172.16.')).toBe(true);
	});
	it('Given hex, integer and tunnel-port forms of an IP, When mapped, Then they agree with the dotted form', () => {
		const ip = p.mapIpv4('10.0.0.4');
		const hex = ipToInt(ip).toString(16);
		expect(p.text('load:0xa000004->NXM_OF_ARP_SPA[]')).toBe(`load:0x${hex}->NXM_OF_ARP_SPA[]`);
		const remote = p.mapIpv4('10.10.0.13');
		expect(p.text('Port vxlan-0a0a000d')).toBe(
			`Port vxlan-${ipToInt(remote).toString(16).padStart(8, '0')}`,
		);
		expect(p.text('from 10.0.0.1/24 lookup 167772161')).toBe(
			`from ${p.mapIpv4('10.0.0.1')}/24 lookup ${ipToInt(p.mapIpv4('10.0.0.1'))}`,
		);
	});
	it('Given non-address hex loads, When mapped, Then they are untouched', () => {
		const line =
			'actions=load:0x2->NXM_OF_ARP_OP[],load:0x4d->NXM_NX_TUN_ID[],cookie=0x5b4c1a2e9f3d7c10';
		expect(p.text(line)).toBe(line);
	});
});

describe('Pseudonymizer: UUIDs and names', () => {
	const p = new Pseudonymizer({
		key: 'k3',
		hosts: [{name: 'cmp-001.prod.example', role: 'compute'}, {name: 'compute'}],
	});
	it('Given a router id in a namespace name and a truncated one in device names, When mapped, Then they stay consistent', () => {
		const out = p.text(
			'qrouter-4d7928a0-4a3c-4b99-b01b-97da2f97e279 rfp-4d7928a0-4 qr-102c4426-86 port 102c4426-8611-4c2b-9e5f-2f2a1b4c5d6e',
		);
		const m = /^qrouter-(\S+) rfp-(\S+) qr-(\S+) port (\S+)$/.exec(out)!;
		expect(m[1]).not.toBe('4d7928a0-4a3c-4b99-b01b-97da2f97e279');
		expect(m[1]!.startsWith(m[2]!)).toBe(true);
		expect(m[4]!.startsWith(m[3]!)).toBe(true);
		expect(m[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});
	it('Given a dash-less id, When mapped, Then it is the dash-less form of the mapped id', () => {
		const dashed = p.mapUuid('4d7928a0-4a3c-4b99-b01b-97da2f97e279');
		expect(p.text('vrrp_instance 4d7928a04a3c4b99b01b97da2f97e279')).toBe(
			`vrrp_instance ${dashed.replace(/-/g, '')}`,
		);
	});
	it('Given host names, When mapped, Then FQDN and short name are replaced and reserved words are not', () => {
		const out = p.text('binding_host_id=cmp-001.prod.example; compute:nova on compute');
		expect(out).toBe('binding_host_id=compute-p1; compute:nova on compute');
	});
});

describe('reverseText', () => {
	it.each([
		['gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt'],
		['gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt'],
		['gen-ip-neigh-show-qrouter.txt'],
		['gen-ip-o-addr-show-qrouter.txt'],
		['gen-ovs-vsctl-show-dvr-compute.txt'],
		['fixture-octavia-keepalived-conf.txt'],
		['pub-openstack-port-show-table.txt'],
		['gen-ip-netns-list.txt'],
		['gen-ovs-ofctl-show-br-int.txt'],
	])(
		'Given %s, When pseudonymised and mapped back, Then it is identical and actually changed',
		name => {
			const text = fixture(name);
			const set: CaptureSet = {
				manifest: {
					format: 'dvrscope-capture-set',
					schemaVersion: 1,
					createdAt: '2026-01-01T00:00:00Z',
					tool: {name: 'dvrscope', version: '0'},
					source: 'sample',
					nodes: [{id: 'cmp-1', roles: ['compute']}],
					captures: [],
				},
				captures: [],
			};
			const capture: Capture = toCaptureMeta({
				id: 'c1',
				scope: 'node',
				node: 'cmp-1',
				argv: ['cat'],
				exitCode: 0,
				startedAt: '2026-01-01T00:00:00Z',
				durationMs: 1,
				stdout: text,
				stderr: '',
			});
			const result = pseudonymizeCaptureSet(
				{...set, captures: [capture], manifest: {...set.manifest, captures: [capture]}},
				{key: 'rt'},
			);
			const out = result.set.captures[0]!.stdout;
			expect(reverseText(out, result.mapping)).toBe(text);
			const hasIds = /\d+\.\d+\.\d+\.\d+|[0-9a-f]{2}(:[0-9a-f]{2}){5}|[0-9a-f]{8}-/.test(text);
			if (hasIds) expect(out).not.toBe(text);
			expect(JSON.stringify(result.mapping)).not.toContain('"rt"');
		},
	);
});

describe('round trip (property)', () => {
	const octet = fc.integer({min: 0, max: 255});
	const hex = (n: number) =>
		fc.integer({min: 0, max: 16 ** n - 1}).map(v => v.toString(16).padStart(n, '0'));
	const token = fc.oneof(
		fc.tuple(octet, octet, octet, octet).map(o => o.join('.')),
		fc
			.tuple(octet, octet, octet, octet, fc.integer({min: 8, max: 32}))
			.map(([a, b, c, d, l]) => `${a}.${b}.${c}.${d}/${l}`),
		fc
			.tuple(fc.constantFrom('fa:16:3e', 'fa:16:3f', '00:00:5e', '52:54:00', '01:00:5e'), hex(6))
			.map(([oui, nic]) => `${oui}:${nic.slice(0, 2)}:${nic.slice(2, 4)}:${nic.slice(4)}`),
		fc.uuid(),
		fc.uuid().map(u => `qr-${u.slice(0, 11)}`),
		fc.uuid().map(u => `rfp-${u.slice(0, 10)}`),
		fc.uuid().map(u => `qrouter-${u}`),
		hex(8).map(h => `load:0x${h.replace(/^0+(?=.)/, '')}->NXM_OF_ARP_SPA[]`),
		hex(12).map(h => `load:0x${h.replace(/^0+(?=.)/, '')}->NXM_NX_ARP_SHA[]`),
		hex(8).map(h => `vxlan-${h}`),
		fc.constantFrom(
			'cmp-1',
			'gtw-1.example.org',
			'compute',
			'arp',
			'actions=drop',
			'lladdr',
			'PERMANENT',
		),
	);
	it('Given any text of addresses, ids and names, When pseudonymised and mapped back, Then it is unchanged', () => {
		fc.assert(
			fc.property(
				fc.array(token, {minLength: 1, maxLength: 30}),
				fc.constantFrom(' ', ',', '\n', ' dev ', '|'),
				(tokens, sep) => {
					const text = tokens.join(sep);
					const capture: Capture = toCaptureMeta({
						id: 'c1',
						scope: 'node',
						node: 'cmp-1',
						argv: ['x'],
						exitCode: 0,
						startedAt: '2026-01-01T00:00:00Z',
						durationMs: 1,
						stdout: text,
						stderr: '',
					});
					const set: CaptureSet = {
						manifest: {
							format: 'dvrscope-capture-set',
							schemaVersion: 1,
							createdAt: '2026-01-01T00:00:00Z',
							tool: {name: 'dvrscope', version: '0'},
							source: 'sample',
							nodes: [
								{id: 'cmp-1', roles: ['compute']},
								{id: 'gtw-1.example.org', roles: ['gateway']},
							],
							captures: [capture],
						},
						captures: [capture],
					};
					const result = pseudonymizeCaptureSet(set, {key: 'prop'});
					expect(reverseText(result.set.captures[0]!.stdout, result.mapping)).toBe(text);
				},
			),
			{numRuns: 300},
		);
	});
});
