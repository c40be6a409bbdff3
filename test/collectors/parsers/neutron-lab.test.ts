import {describe, expect, it} from 'vitest';
import {parseCapture, parseSections} from '../../../src/collectors/parsers/index.js';
import type {ParserKind} from '../../../src/model/facts.js';
import {fixture} from './fixture.js';

const lab = (name: string): string => fixture(`neutron-lab/${name}`);
const QROUTER = 'qrouter-ac97c85d-607e-4f84-89f7-ad3b3d429d3c';

describe('iproute2 parsers on a real Neutron DVR node (lab compute-1)', () => {
	it.each<[ParserKind, string, string]>([
		['ip-netns', 'compute1-ip-netns-list.txt', 'compute1-ip-j-netns-list.json'],
		['ip-neigh', 'compute1-qrouter-ip-neigh-show.txt', 'compute1-qrouter-ip-j-neigh-show.json'],
		['ip-rule', 'compute1-qrouter-ip-rule-show.txt', 'compute1-qrouter-ip-j-rule-show.json'],
		[
			'ip-route',
			'compute1-qrouter-ip-route-show-table-all.txt',
			'compute1-qrouter-ip-j-route-show-table-all.json',
		],
	])(
		'Given %s as text (%s) and JSON (%s), then the facts agree apart from line numbers',
		(kind, text, json) => {
			const strip = (facts: unknown): unknown =>
				JSON.parse(JSON.stringify(facts), (key, value: unknown) =>
					key === 'line' ? undefined : value,
				);
			const fromText = parseCapture(kind, lab(text));
			const fromJson = parseCapture(kind, lab(json));
			expect(fromText.warnings).toEqual([]);
			expect(fromJson.warnings).toEqual([]);
			expect(strip(fromText.facts)).toEqual(strip(fromJson.facts));
		},
	);

	it('Given the real qrouter neighbour table, then the VIP is PERMANENT with the other VM’s MAC', () => {
		const {facts} = parseCapture('ip-neigh', lab('compute1-qrouter-ip-neigh-show.txt'));
		expect(facts.find(n => n.dst === '198.19.0.100')).toEqual({
			dst: '198.19.0.100',
			dev: 'qr-44f6bf9e-76',
			lladdr: 'fa:16:3e:90:4f:fc',
			states: ['PERMANENT'],
			isRouter: false,
			isProxy: false,
			line: 3,
		});
		expect(facts.find(n => n.dst === '198.19.0.12')?.lladdr).toBe('fa:16:3e:90:4f:fc');
		expect(facts.filter(n => n.states.includes('PERMANENT'))).toHaveLength(7);
	});

	it('Given the real DVR rules, then SNAT redirect rules keep priorities above 2^31', () => {
		const {facts} = parseCapture('ip-rule', lab('compute1-qrouter-ip-rule-show.txt'));
		expect(facts.slice(3)).toEqual([
			{priority: 3323133953, from: '198.19.0.1/24', table: '3323133953', line: 4},
			{priority: 3323134209, from: '198.19.1.1/24', table: '3323134209', line: 5},
		]);
	});

	it('Given the real routes, then the FIP table 16 goes via the fpr- peer over rfp-', () => {
		const {facts} = parseCapture('ip-route', lab('compute1-qrouter-ip-route-show-table-all.txt'));
		expect(facts.find(r => r.table === '16')).toMatchObject({
			dst: 'default',
			gateway: '169.254.88.135',
			dev: 'rfp-ac97c85d-6',
			proto: 'static',
		});
		expect(facts.find(r => r.type === 'anycast')).toMatchObject({dst: 'fe80::', table: 'local'});
	});

	it.each(['compute1-qrouter-ip-addr-show.txt', 'compute1-qrouter-ip-j-addr-show.json'])(
		'Given the real qrouter addresses (%s), then qr- and rfp- devices carry the router IPs',
		file => {
			const {facts, warnings} = parseCapture('ip-addr', lab(file));
			expect(warnings).toEqual([]);
			const v4 = (name: string) =>
				facts.find(i => i.name === name)?.addresses.find(a => a.family === 'inet')?.local;
			expect(v4('qr-44f6bf9e-76')).toBe('198.19.0.1');
			expect(v4('qr-0e9bd2a9-7e')).toBe('198.19.1.1');
			expect(v4('rfp-ac97c85d-6')).toBe('169.254.88.134');
		},
	);

	it('Given the real fip namespace, then the fg- gateway address is read', () => {
		const {facts} = parseCapture('ip-addr', lab('compute1-fip-ip-o-addr-show.txt'));
		expect(facts.find(i => i.name === 'fg-ec295f8d-4c')).toMatchObject({
			ifindex: 15,
			addresses: [
				{family: 'inet', local: '198.18.2.64', prefixlen: 24, broadcast: '198.18.2.255', line: 5},
				{family: 'inet6', prefixlen: 64, line: 6},
			],
		});
	});

	it('Given real `ip -all netns exec ip -j neigh show`, then the qrouter section has the VIP entry', () => {
		const text = lab('compute1-ip-all-netns-exec-ip-j-neigh-show.txt');
		const sections = parseSections('ip-neigh', parseCapture('ip-all-netns', text).facts);
		expect(sections.map(s => s.namespace)).toContain(QROUTER);
		const qrouter = sections.find(s => s.namespace === QROUTER)!;
		expect(qrouter.result.warnings).toEqual([]);
		const vip = qrouter.result.facts.find(n => n.dst === '198.19.0.100');
		expect(vip).toMatchObject({lladdr: 'fa:16:3e:90:4f:fc', states: ['PERMANENT']});
		expect(text.split('\n')[vip!.line - 1]).toContain('198.19.0.100');
	});

	it('Given the lab VRRP keepalived.conf, then the instance is read and the canary auth_pass is not', () => {
		const parsed = parseCapture('keepalived-conf', lab('lab-vrrp-keepalived.conf'));
		expect(parsed.warnings).toEqual([]);
		expect(parsed.facts.instances[0]).toMatchObject({
			name: 'VIP100',
			state: 'BACKUP',
			nopreempt: true,
			priority: 150,
			unicastSrcIp: '198.19.0.12',
			unicastPeers: ['198.19.0.11'],
			virtualIpaddress: [{address: '198.19.0.100', prefixlen: 24, dev: 'eth0'}],
			authType: 'PASS',
			authPass: {secret: true, line: 18},
		});
		expect(JSON.stringify(parsed)).not.toContain('labVRRPs3cret');
	});
});
