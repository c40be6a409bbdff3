import {describe, expect, it} from 'vitest';
import {keepalivedConfParser} from '../../../src/collectors/parsers/keepalived-conf.js';
import {fixture} from './fixture.js';

/** A real Neutron L3-HA router conf has this shape (DOMAIN.md §3); constructed here with test values. */
const NEUTRON_HA_REAL_SHAPE = `global_defs {
    notification_email_from neutron@openstack.local
    router_id neutron
}
vrrp_script ha_health_check_1 {
    script "/var/lib/neutron/ha_confs/4d7928a0-4a3c-4b99-b01b-97da2f97e279/ha_check_script_1.sh"
    interval 30
    fall 2
    rise 2
}
vrrp_instance VR_1 { # comment after a brace
    state BACKUP
    interface ha-8a5e6c4f-2d
    virtual_router_id 1
    priority 50
    garp_master_delay 60
    nopreempt
    advert_int 2
    track_interface {
        ha-8a5e6c4f-2d
    }
    virtual_ipaddress {
        169.254.0.1/24 dev ha-8a5e6c4f-2d
    }
    virtual_ipaddress_excluded {
        10.0.0.1/24 dev qr-102c4426-86
        fe80::f816:3eff:fe72:7a50/64 dev qr-102c4426-86 scope link
    }
    ! keepalived also accepts "!" comments
    track_script {
        ha_health_check_1
    }
}
`;

describe('keepalived-conf parser', () => {
	it('Given the Neutron L3-HA upstream test rendering, then both instances are typed', () => {
		const {facts, warnings} = keepalivedConfParser.parse(
			fixture('fixture-neutron-l3ha-keepalived-conf.txt'),
		);
		expect(warnings).toEqual([]);
		expect(facts.routerId).toBe('neutron');
		expect(facts.instances.map(i => i.name)).toEqual(['VR_1', 'VR_2']);
		const vr1 = facts.instances[0]!;
		expect(vr1).toMatchObject({
			state: 'MASTER',
			interface: 'eth0',
			virtualRouterId: 1,
			priority: 50,
			advertInt: 5,
			nopreempt: false,
			authType: 'AH',
			authPass: {secret: true, line: 14},
			line: 5,
		});
		expect(vr1.virtualIpaddress).toEqual([
			{
				address: '169.254.0.1',
				prefixlen: 24,
				dev: 'eth0',
				raw: '169.254.0.1/24 dev eth0',
				line: 20,
			},
		]);
		expect(vr1.virtualIpaddressExcluded.map(v => [v.address, v.prefixlen, v.dev])).toEqual([
			['192.168.1.0', 24, 'eth1'],
			['192.168.2.0', 24, 'eth2'],
			['192.168.3.0', 24, 'eth2'],
			['192.168.55.0', 24, 'eth10'],
		]);
		expect(facts.instances[1]).toMatchObject({interface: 'eth4', virtualRouterId: 2});
		expect(facts.instances[1]).not.toHaveProperty('authPass');
	});

	it('Given the Octavia amphora template rendering, then unicast peers, nopreempt and track_script are read', () => {
		const {facts, warnings} = keepalivedConfParser.parse(
			fixture('fixture-octavia-keepalived-conf.txt'),
		);
		expect(warnings).toEqual([]);
		expect(facts.vrrpScripts).toEqual(['check_script']);
		expect(facts.instances).toHaveLength(1);
		expect(facts.instances[0]).toMatchObject({
			name: 'TESTGROUP',
			interface: 'eth1',
			virtualRouterId: 1,
			priority: 100,
			nopreempt: true,
			advertInt: 10,
			unicastSrcIp: '10.0.0.1',
			unicastPeers: ['10.0.0.2'],
			virtualIpaddress: [{address: '10.1.0.5', raw: '10.1.0.5', line: 28}],
			virtualIpaddressExcluded: [],
			authType: 'PASS',
			authPass: {secret: true, line: 19},
			trackScripts: ['check_script'],
		});
		expect(facts.instances[0]).not.toHaveProperty('state');
	});

	it.each([
		['Neutron', 'fixture-neutron-l3ha-keepalived-conf.txt', 'pass123'],
		['Octavia', 'fixture-octavia-keepalived-conf.txt', 'TESTPASSWORD'],
	])('Given the %s conf, then auth_pass never appears in the facts', (_l, file, secret) => {
		const parsed = keepalivedConfParser.parse(fixture(file));
		expect(JSON.stringify(parsed)).not.toContain(secret);
	});

	it('Given a real-shaped L3-HA conf with comments and a vrrp_script, then it is read', () => {
		const {facts, warnings} = keepalivedConfParser.parse(NEUTRON_HA_REAL_SHAPE);
		expect(warnings).toEqual([]);
		expect(facts.vrrpScripts).toEqual(['ha_health_check_1']);
		expect(facts.instances[0]).toMatchObject({
			state: 'BACKUP',
			nopreempt: true,
			interface: 'ha-8a5e6c4f-2d',
			advertInt: 2,
			trackScripts: ['ha_health_check_1'],
		});
		expect(facts.instances[0]?.virtualIpaddressExcluded[1]).toMatchObject({
			address: 'fe80::f816:3eff:fe72:7a50',
			prefixlen: 64,
			dev: 'qr-102c4426-86',
		});
	});

	it('Given blocks on one line, then they nest correctly', () => {
		const {facts, warnings} = keepalivedConfParser.parse(
			'vrrp_instance X { state backup\n authentication { auth_type PASS\n auth_pass s3cr3t }\n unicast_peer { 10.0.0.2\n10.0.0.3 } }\n',
		);
		expect(warnings).toEqual([]);
		expect(facts.instances[0]).toMatchObject({
			state: 'BACKUP',
			authType: 'PASS',
			authPass: {secret: true, line: 3},
			unicastPeers: ['10.0.0.2', '10.0.0.3'],
		});
		expect(JSON.stringify(facts)).not.toContain('s3cr3t');
	});

	it('Given unbalanced braces and a bad number, then warnings name the lines and what parsed is kept', () => {
		const {facts, warnings} = keepalivedConfParser.parse(
			'vrrp_instance VR_9 {\n    priority high\n    virtual_ipaddress {\n        169.254.0.9/24\n}\n}\n}\nvrrp_instance VR_10 {\n',
		);
		expect(facts.instances.map(i => i.name)).toEqual(['VR_9', 'VR_10']);
		expect(facts.instances[0]?.virtualIpaddress[0]?.address).toBe('169.254.0.9');
		expect(warnings.map(w => w.line)).toEqual([2, 7, 8]);
		expect(warnings[2]?.message).toMatch(/never closed/);
	});
});
