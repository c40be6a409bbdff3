import {describe, expect, it} from 'vitest';
import {octaviaAmphoraeParser} from '../../../src/collectors/parsers/octavia-amphorae.js';
import {fixture} from './fixture.js';

const FIRST = {
	id: '6bd55cd3-802e-447e-a518-1e74e23bb106',
	loadbalancerId: '09eedfc6-2c55-41a8-a75c-2cd4e95212ca',
	computeId: 'f0f79f90-733d-417a-8d70-cc6be62cd54d',
	status: 'ALLOCATED',
	role: 'MASTER',
	lbNetworkIp: '192.168.1.2',
	vrrpIp: '192.168.1.5',
	haIp: '192.168.1.10',
	vrrpPortId: 'ab2a8add-76a9-44bb-89f8-88430193cc83',
	haPortId: '19561fd3-5da5-46cc-bdd3-99bbdf7246e6',
	vrrpPriority: 100,
	index: 0,
};

describe('octavia-amphorae parser', () => {
	it('Given the API list response ({amphorae:[…]}, load_balancer_id), then both amphorae are typed', () => {
		const {facts, warnings} = octaviaAmphoraeParser.parse(
			fixture('pub-octavia-api-amphora-list-response.json'),
		);
		expect(warnings).toEqual([]);
		expect(facts[0]).toEqual(FIRST);
		expect(facts[1]).toMatchObject({
			role: 'BACKUP',
			vrrpIp: '192.168.1.6',
			vrrpPriority: 200,
			index: 1,
		});
	});

	it('Given the API show response ({amphora:{…}}), then one amphora', () => {
		const {facts} = octaviaAmphoraeParser.parse(
			fixture('pub-octavia-api-amphora-show-response.json'),
		);
		expect(facts).toEqual([FIRST]);
	});

	it('Given `amphora show -f json` (OSC, loadbalancer_id), then vrrp_port_id and ha_port_id are read', () => {
		const {facts} = octaviaAmphoraeParser.parse(
			fixture('openstack-constructed/amphora-show-osc.json'),
		);
		expect(facts[0]).toMatchObject({
			loadbalancerId: '09eedfc6-2c55-41a8-a75c-2cd4e95212ca',
			vrrpIp: '10.0.0.13',
			haIp: '10.0.0.100',
			vrrpPortId: '6c3e5d1a-2b4f-4e8a-9c1d-0a1b2c3d4e5f',
			haPortId: '4a1b2c3d-0000-4e5f-9a8b-7c6d5e4f3a2b',
		});
	});

	it('Given the public `amphora list` table, then the default columns are read', () => {
		const {facts, warnings} = octaviaAmphoraeParser.parse(
			fixture('pub-openstack-loadbalancer-amphora-list.txt'),
		);
		expect(warnings).toEqual([]);
		expect(facts).toHaveLength(6);
		expect(facts[0]).toEqual({
			id: '79f0e06d-446d-448a-9d2b-c3b89d0c700d',
			loadbalancerId: '8fd2cac5-cbca-4bb1-bcfc-daba43e097ab',
			status: 'FAILOVER_STOPPED',
			role: 'BACKUP',
			lbNetworkIp: '192.168.0.108',
			haIp: '192.0.2.17',
			index: 0,
		});
	});

	it('Given a table with a torn row, then the row is a warning with its line', () => {
		const text = fixture('pub-openstack-loadbalancer-amphora-list.txt')
			.split('\n')
			.map((line, i) => (i === 4 ? line.slice(0, 60) : line))
			.join('\n');
		const {facts, warnings} = octaviaAmphoraeParser.parse(text);
		expect(facts).toHaveLength(5);
		expect(warnings[0]?.line).toBe(5);
	});
});
