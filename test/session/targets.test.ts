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
	[`openstack port list --router ${ROUTER} --long -f json`]: [
		{ID: RIF_PORT, 'Fixed IP Addresses': [{subnet_id: SUBNET, ip_address: '10.0.0.1'}]},
	],
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
		expect(r.problems.join('\n')).toMatch(/agents hosting router 7777.*exit 1: Not found/);
	});
});

/**
 * The lab's shape, as a FAKE API: DVR router R on subA (VRRP pair vm1/vm2 on compute-1, VIP
 * 198.19.0.100 only an allowed address pair) and subB (client on compute-2); `agent list --router`
 * names only the dvr_snat node, as Neutron answers for a distributed router.
 */
describe('resolveTarget on a DVR router (fake API shaped like the lab)', () => {
	const R = 'aaaaaaaa-0000-4000-8000-000000000001';
	const SUB_A = 'aaaaaaaa-0000-4000-8000-00000000000a';
	const SUB_B = 'aaaaaaaa-0000-4000-8000-00000000000b';
	const VM1 = 'aaaaaaaa-0000-4000-8000-000000000011';
	const VM2 = 'aaaaaaaa-0000-4000-8000-000000000012';
	const CLIENT = 'aaaaaaaa-0000-4000-8000-000000000021';
	const RIF_A = 'aaaaaaaa-0000-4000-8000-0000000000a1';
	const RIF_B = 'aaaaaaaa-0000-4000-8000-0000000000b1';
	const DHCP = 'aaaaaaaa-0000-4000-8000-0000000000d1';
	const fixed = (subnet: string, ip: string) => [{subnet_id: subnet, ip_address: ip}];
	const aap = [{ip_address: '198.19.0.100', mac_address: ''}];
	const LAB: Record<string, unknown> = {
		[`openstack network agent list --router ${R} --long -f json`]: [
			{ID: 'l3', 'Agent Type': 'L3 agent', Host: 'network'},
		],
		[`openstack port list --router ${R} --long -f json`]: [
			{ID: RIF_A, 'Fixed IP Addresses': fixed(SUB_A, '198.19.0.1')},
			{ID: RIF_B, 'Fixed IP Addresses': fixed(SUB_B, '198.19.1.1')},
		],
		'openstack subnet list -f json': [
			{ID: SUB_A, Subnet: '198.19.0.0/24'},
			{ID: SUB_B, Subnet: '198.19.1.0/24'},
		],
		'openstack port list --fixed-ip ip-address=198.19.0.100 --long -f json': [],
		[`openstack port list --fixed-ip subnet=${SUB_A} --long -f json`]: [
			{ID: RIF_A, 'Device Owner': 'network:router_interface_distributed'},
			{ID: DHCP, 'Device Owner': 'network:dhcp'},
			{ID: VM1, 'Device Owner': 'compute:nova'},
			{ID: VM2, 'Device Owner': 'compute:nova'},
		],
		[`openstack port list --fixed-ip subnet=${SUB_B} --long -f json`]: [
			{ID: RIF_B, 'Device Owner': 'network:router_interface_distributed'},
			{ID: CLIENT, 'Device Owner': 'compute:nova'},
		],
		[`openstack port show ${RIF_A} -f json`]: {id: RIF_A, device_id: R},
		[`openstack port show ${VM1} -f json`]: {
			id: VM1,
			binding_host_id: 'compute-1',
			allowed_address_pairs: aap,
		},
		[`openstack port show ${VM2} -f json`]: {
			id: VM2,
			binding_host_id: 'compute-1',
			allowed_address_pairs: aap,
		},
		[`openstack port show ${CLIENT} -f json`]: {id: CLIENT, binding_host_id: 'compute-2'},
	};
	const api = (log: string[]) => async (id: CatalogId, values: ParamValues) => {
		const planned = planCommand(id, values);
		if (!planned.ok) return undefined;
		const line = planned.command.argv.join(' ');
		log.push(line);
		const answer = LAB[line];
		return {
			target: 'fake-api',
			argv: planned.command.argv,
			startedAt: '',
			durationMs: 0,
			stdout: answer === undefined ? '' : JSON.stringify(answer),
			stderr: answer === undefined ? 'Not found' : '',
			exitCode: answer === undefined ? 1 : 0,
		};
	};

	it('--router reaches every node with a bound port on its subnets plus the snat node', async () => {
		const r = await resolveTarget({kind: 'router', id: R}, api([]));
		expect(r).toEqual({hosts: ['compute-1', 'compute-2', 'network'], routers: [R], problems: []});
	});

	it('--vip of an allowed-address-pair VIP finds its subnet, carriers and router', async () => {
		const log: string[] = [];
		const r = await resolveTarget({kind: 'vip', ip: '198.19.0.100'}, api(log));
		expect(r).toEqual({hosts: ['compute-1', 'compute-2', 'network'], routers: [R], problems: []});
		// Each port is shown once, and the DHCP port never
		expect(log.filter(l => l.includes('port show')).length).toBe(
			new Set(log.filter(l => l.includes('port show'))).size,
		);
		expect(log.some(l => l.includes(DHCP))).toBe(false);
	});

	it('--vip outside every subnet says so', async () => {
		const r = await resolveTarget({kind: 'vip', ip: '203.0.113.9'}, api([]));
		expect(r.hosts).toEqual([]);
		expect(r.problems.join(' ')).toMatch(/no port holds 203\.0\.113\.9 and no subnet contains it/);
	});

	it('--vip of an Octavia VIP port adds the amphora hosts of its load balancer', async () => {
		const LB2 = 'aaaaaaaa-0000-4000-8000-0000000000cb';
		const VIPPORT = 'aaaaaaaa-0000-4000-8000-0000000000c1';
		const AMP = 'aaaaaaaa-0000-4000-8000-0000000000c2';
		LAB['openstack port list --fixed-ip ip-address=198.19.0.50 --long -f json'] = [
			{ID: VIPPORT, 'Fixed IP Addresses': fixed(SUB_A, '198.19.0.50')},
		];
		LAB[`openstack port show ${VIPPORT} -f json`] = {
			id: VIPPORT,
			device_id: `lb-${LB2}`,
			device_owner: 'Octavia',
			binding_host_id: '',
			fixed_ips: fixed(SUB_A, '198.19.0.50'),
		};
		LAB[`openstack loadbalancer amphora list --loadbalancer ${LB2} --long -f json`] = [
			{id: 'amp', compute_id: AMP},
		];
		LAB[`openstack server show ${AMP} -f json`] = {'OS-EXT-SRV-ATTR:host': 'compute-9'};
		const r = await resolveTarget({kind: 'vip', ip: '198.19.0.50'}, api([]));
		expect(r.hosts).toEqual(['compute-1', 'compute-2', 'compute-9', 'network']);
	});
});
