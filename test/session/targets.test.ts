/** Target resolution with a FAKE OpenStack API (canned `openstack … -f json` answers by argv). */
import {describe, expect, it} from 'vitest';
import {planCommand, type CatalogId, type ParamValues} from '../../src/collectors/catalog.js';
import {resolveTarget} from '../../src/session/targets.js';
import type {CommandResult} from '../../src/transport/types.js';

const ROUTER = '11111111-1111-4111-8111-111111111111';
const SUBNET = '22222222-2222-4222-8222-222222222222';
const VIP_PORT = '33333333-3333-4333-8333-333333333333';
const RIF_PORT = '44444444-4444-4444-8444-444444444444';
const LB = '55555555-5555-4555-8555-555555555555';
const AMP_VM = '66666666-6666-4666-8666-666666666666';

const API: Record<string, unknown> = {
	[`openstack network agent list --router ${ROUTER} --long -f json`]: [
		{ID: 'a1', 'Agent Type': 'L3 agent', Host: 'cmp-1'},
		{ID: 'a2', 'Agent Type': 'L3 agent', Host: 'gw-1'},
	],
	'openstack port list --fixed-ip ip-address=10.0.0.50 --long -f json': [
		{ID: VIP_PORT, 'Fixed IP Addresses': [{subnet_id: SUBNET, ip_address: '10.0.0.50'}]},
	],
	[`openstack port show ${VIP_PORT} -f json`]: {
		id: VIP_PORT,
		binding_host_id: '',
		fixed_ips: [{subnet_id: SUBNET, ip_address: '10.0.0.50'}],
	},
	[`openstack port list --fixed-ip subnet=${SUBNET} --long -f json`]: [
		{ID: VIP_PORT, 'Device Owner': 'Octavia'},
		{ID: RIF_PORT, 'Device Owner': 'network:router_interface_distributed'},
	],
	[`openstack port show ${RIF_PORT} -f json`]: {id: RIF_PORT, device_id: ROUTER},
	[`openstack loadbalancer show ${LB} -f json`]: {id: LB, vip_address: '10.0.0.50'},
	[`openstack loadbalancer amphora list --loadbalancer ${LB} --long -f json`]: [
		{id: 'amp', compute_id: AMP_VM, role: 'MASTER'},
	],
	[`openstack server show ${AMP_VM} -f json`]: {'OS-EXT-SRV-ATTR:host': 'cmp-7'},
};

function fakeApi(log: string[]) {
	return async (id: CatalogId, values: ParamValues): Promise<CommandResult | undefined> => {
		const planned = planCommand(id, values);
		if (!planned.ok) return undefined;
		const argv = planned.command.argv;
		log.push(argv.join(' '));
		const answer = API[argv.join(' ')];
		return {
			target: 'fake-api',
			argv,
			startedAt: '',
			durationMs: 0,
			stdout: answer === undefined ? '' : JSON.stringify(answer),
			stderr: answer === undefined ? 'Not found' : '',
			exitCode: answer === undefined ? 1 : 0,
		};
	};
}

describe('resolveTarget (fake OpenStack API)', () => {
	it('a router → the hosts of its L3 agents', async () => {
		const r = await resolveTarget({kind: 'router', id: ROUTER}, fakeApi([]));
		expect(r).toEqual({hosts: ['cmp-1', 'gw-1'], routers: [ROUTER], problems: []});
	});

	it('a VIP → its subnet’s distributed router → that router’s hosts', async () => {
		const log: string[] = [];
		const r = await resolveTarget({kind: 'vip', ip: '10.0.0.50'}, fakeApi(log));
		expect(r).toEqual({hosts: ['cmp-1', 'gw-1'], routers: [ROUTER], problems: []});
		expect(log.every(line => line.startsWith('openstack ') && line.endsWith('-f json'))).toBe(true);
	});

	it('a load balancer → its VIP’s router hosts plus the amphora hosts', async () => {
		const r = await resolveTarget({kind: 'loadbalancer', id: LB}, fakeApi([]));
		expect(r.hosts).toEqual(['cmp-1', 'cmp-7', 'gw-1']);
	});

	it('names what could not be read instead of throwing', async () => {
		const r = await resolveTarget(
			{kind: 'router', id: '77777777-7777-4777-8777-777777777777'},
			fakeApi([]),
		);
		expect(r.hosts).toEqual([]);
		expect(r.problems[0]).toMatch(/agents hosting router 7777.*exit 1: Not found/);
	});
});
