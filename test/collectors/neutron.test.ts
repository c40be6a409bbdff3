import {describe, expect, it} from 'vitest';
import {
	arpDropOf,
	arpResponderOf,
	bridgeKindOf,
	decodeFieldValue,
	deviceRole,
	hexToIp,
	hexToMac,
	isArpDropForIp,
	isDvrHostMac,
	portIdPrefixOf,
	tableName,
} from '../../src/collectors/neutron.js';
import {ovsFlowsParser} from '../../src/collectors/parsers/ovs-flows.js';
import type {Flow} from '../../src/model/facts.js';

const flow = (line: string): Flow => {
	const {facts, warnings} = ovsFlowsParser.parse(line);
	expect(warnings).toEqual([]);
	return facts.flows[0]!;
};

describe('hex decoding', () => {
	it.each([
		['0xa000004', '10.0.0.4'],
		['0xA000004', '10.0.0.4'],
		['a000004', '10.0.0.4'],
		['0x0', '0.0.0.0'],
		['0xffffffff', '255.255.255.255'],
		['0xc0a86401', '192.168.100.1'],
	])('Given %s, then hexToIp is %s', (hex, ip) => {
		expect(hexToIp(hex)).toBe(ip);
	});

	it.each([
		['0xfa163e763168', 'fa:16:3e:76:31:68'],
		['0x1', '00:00:00:00:00:01'],
		['0xFA163F4D4029', 'fa:16:3f:4d:40:29'],
	])('Given %s, then hexToMac is %s', (hex, mac) => {
		expect(hexToMac(hex)).toBe(mac);
	});

	it.each(['', '0x', 'zz', '0x1ffffffff', '10.0.0.4'])(
		'Given %j, then hexToIp is undefined',
		bad => {
			expect(hexToIp(bad)).toBeUndefined();
		},
	);

	it('Given a MAC wider than 48 bits, then hexToMac is undefined', () => {
		expect(hexToMac('0x1fa163e763168')).toBeUndefined();
	});

	it.each([
		['NXM_OF_ARP_SPA[]', '0xa000004', '10.0.0.4'],
		['NXM_NX_ARP_SHA[]', '0xfa163e763168', 'fa:16:3e:76:31:68'],
		['arp_spa', '10.0.0.4', '10.0.0.4'],
		['eth_src', 'FA:16:3E:76:31:68', 'fa:16:3e:76:31:68'],
		['vlan_vid', '4097', '1'],
		['NXM_OF_ARP_SPA[0..7]', '0x4', undefined],
		['ip_dst', '10.0.0.0/255.0.0.0', undefined],
		['NXM_NX_TUN_ID[]', '0x4d', undefined],
	])('Given %s = %s, then decodeFieldValue is %s', (field, value, decoded) => {
		expect(decodeFieldValue(field, value)).toBe(decoded);
	});
});

describe('table names', () => {
	it.each([
		['br-tun', 21, 'train+', 'ARP_RESPONDER'],
		['br-tun', 22, 'train+', 'FLOOD_TO_TUN'],
		['br-tun', 1, 'pre-train', 'DVR_PROCESS'],
		['br-tun', 9, 'train+', 'DVR_NOT_LEARN'],
		['br-int', 0, 'train+', 'LOCAL_SWITCHING'],
		['br-int', 2, 'train+', 'DVR_TO_SRC_MAC_PHYSICAL'],
		['br-int', 2, 'pre-train', 'DVR_TO_SRC_MAC_VLAN'],
		['br-int', 3, 'train+', 'ARP_DVR_MAC_TO_DST_MAC'],
		['br-int', 3, 'pre-train', undefined],
		['br-int', 60, 'train+', 'TRANSIENT_TABLE'],
		['br-int', 82, 'train+', 'RULES_INGRESS_TABLE'],
		['br-ex', 1, 'train+', 'DVR_PROCESS_PHYSICAL'],
		['br-ex', 3, 'pre-train', 'DVR_NOT_LEARN_VLAN'],
		['br-physnet1', 2, 'train+', 'LOCAL_VLAN_TRANSLATION'],
		['br-tun', 99, 'train+', undefined],
	] as const)('Given %s table %i (%s), then the name is %s', (bridge, table, layout, name) => {
		expect(tableName(bridge, table, layout)).toBe(name);
	});

	it('Given bridge names, then kinds follow Neutron defaults', () => {
		expect(['br-int', 'br-tun', 'br-ex'].map(bridgeKindOf)).toEqual([
			'br-int',
			'br-tun',
			'physical',
		]);
	});
});

describe('DVR host MACs and device names', () => {
	it.each([
		['fa:16:3f:4d:40:29', true],
		['FA:16:3F:D3:10:60', true],
		['fa:16:3e:76:31:68', false],
		['not-a-mac', false],
	])('Given %s, then isDvrHostMac is %s', (mac, yes) => {
		expect(isDvrHostMac(mac)).toBe(yes);
	});

	it('Given a 4-octet dvr_base_mac, then the fourth octet must match too', () => {
		expect(isDvrHostMac('fa:16:3f:4f:01:02', 'fa:16:3f:4f:00:00')).toBe(true);
		expect(isDvrHostMac('fa:16:3f:4e:01:02', 'fa:16:3f:4f:00:00')).toBe(false);
	});

	it.each([
		['qr-102c4426-86', 'router-interface', '102c4426-86'],
		['qg-5b4c1a2e-9f', 'router-gateway', '5b4c1a2e-9f'],
		['sg-0a1b2c3d-4e', 'snat-interface', '0a1b2c3d-4e'],
		['rfp-4d7928a0-4', 'router-to-fip', undefined],
		['fpr-4d7928a0-4', 'fip-to-router', undefined],
		['fg-7f8e9d0c-1b', 'fip-gateway', '7f8e9d0c-1b'],
		['ha-1a2b3c4d-5e', 'ha-interface', '1a2b3c4d-5e'],
		['tap3a1f2c4d-5e', 'tap', '3a1f2c4d-5e'],
		['qvo3a1f2c4d-5e', 'hybrid-ovs-veth', '3a1f2c4d-5e'],
		['qvb3a1f2c4d-5e', 'hybrid-bridge-veth', '3a1f2c4d-5e'],
		['patch-tun', 'patch', undefined],
		['int-br-ex', 'physical-patch', undefined],
		['vxlan-0a0a000c', 'tunnel', undefined],
		['eth0', 'unknown', undefined],
	])('Given device %s, then the role is %s', (name, role, prefix) => {
		expect(deviceRole(name)).toBe(role);
		expect(portIdPrefixOf(name)).toBe(prefix);
	});
});

describe('DVR flows', () => {
	it('Given a pre-Train table 1 priority 3 ARP drop (real line), then it is the DVR ARP block', () => {
		// DOMAIN.md §2.2, a real pre-Train capture line
		const f = flow(
			' cookie=0x8ca031df7a84a666, duration=267947.154s, table=1, n_packets=0, n_bytes=0, idle_age=65534, hard_age=65534, priority=3,arp,dl_vlan=1,arp_tpa=192.168.100.1 actions=drop',
		);
		expect(arpDropOf(f)).toEqual({ip: '192.168.100.1', layout: 'pre-train', vlan: '1'});
		expect(isArpDropForIp(f, '192.168.100.1')).toBe(true);
		expect(isArpDropForIp(f, '192.168.100.2')).toBe(false);
		expect(f).toMatchObject({hardAge: 65534, durationS: 267947.154});
	});

	it.each([
		[' table=22, priority=3,icmp6,dl_vlan=1,icmp_type=134,dl_src=fa:16:3e:72:7a:50 actions=drop'],
		[' table=22, priority=1,arp,dl_vlan=1,arp_tpa=10.0.0.1 actions=drop'],
		[' table=21, priority=3,arp,dl_vlan=1,arp_tpa=10.0.0.1 actions=drop'],
		[' table=22, priority=3,arp,dl_vlan=1,arp_tpa=10.0.0.1 actions=NORMAL'],
	])('Given %s, then it is not the DVR ARP block', line => {
		expect(isArpDropForIp(flow(line))).toBe(false);
	});

	it('Given an ARP responder without the MAC load, or outside table 21, then no responder', () => {
		expect(
			arpResponderOf(
				flow(
					' table=21, priority=1,arp,dl_vlan=1,arp_tpa=10.0.0.4 actions=load:0xa000004->NXM_OF_ARP_SPA[],IN_PORT',
				),
			),
		).toBeUndefined();
		expect(
			arpResponderOf(
				flow(
					' table=20, priority=1,arp,arp_tpa=10.0.0.4 actions=load:0xfa163e763168->NXM_NX_ARP_SHA[],load:0xa000004->NXM_OF_ARP_SPA[],IN_PORT',
				),
			),
		).toBeUndefined();
	});
});
