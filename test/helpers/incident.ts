/**
 * A small after-failover capture set built in memory for console tests: VIP 10.0.0.100 carried
 * by two amphora VRRP ports (…aa:aa:aa old master on compute-1, …bb:bb:bb new master on
 * compute-2), and both nodes' qrouter still holding the PERMANENT entry for the OLD MAC.
 * The command outputs are in the real formats (iproute2 text, ovs-ofctl OF1.0, Neutron/Octavia
 * API JSON) as in ../shared/fixtures; the values are made up for the test. The real
 * assembleSnapshot and diagnose read it, so screen tests exercise the real pipeline.
 */
import {toCaptureMeta} from '../../src/bundle/capture-set.js';
import type {Capture, CaptureMeta, CaptureParams, CaptureSet} from '../../src/model/capture.js';
import type {ParserKind} from '../../src/model/facts.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose, rules} from '../../src/diagnostics/index.js';
import type {DiagnosisView} from '../../src/state/store.js';
import type {Snapshot} from '../../src/model/snapshot.js';

export const ROUTER = '7d0d3b2e-5c4a-4f1e-9a8b-1c2d3e4f5a6b';
export const SUBNET = '3a1f0c9e-2b7d-4e6f-8a9b-0c1d2e3f4a5b';
export const NETWORK = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b';
export const VIP = '10.0.0.100';
export const OLD_MAC = 'fa:16:3e:aa:aa:aa';
export const NEW_MAC = 'fa:16:3e:bb:bb:bb';

const T0 = '2026-11-26T03:12:00.000Z';

let seq = 0;
function capture(
	node: string | undefined,
	id: string,
	argv: string[],
	kind: ParserKind | undefined,
	stdout: string,
	extra: {
		params?: CaptureParams;
		catalogId?: string;
		exitCode?: number | null;
		failure?: Capture['failure'];
	} = {},
): Capture {
	seq++;
	return toCaptureMeta({
		id,
		scope: node === undefined ? 'cloud' : 'node',
		...(node === undefined ? {} : {node}),
		argv,
		...(kind === undefined ? {} : {kind}),
		...(extra.params === undefined ? {} : {params: extra.params}),
		catalogId: extra.catalogId ?? id.replace(/-[a-z0-9]+$/, ''),
		exitCode: extra.exitCode === undefined ? 0 : extra.exitCode,
		startedAt: new Date(Date.parse(T0) + seq * 100).toISOString(),
		durationMs: 40 + seq,
		...(extra.failure === undefined ? {} : {failure: extra.failure}),
		stdout,
		stderr: '',
		via: 'ssh',
	});
}

const qr = `qrouter-${ROUTER}`;

const neighText = (mac: string): string =>
	[
		`10.0.0.1 dev qr-1a2b3c4d-5e lladdr fa:16:3e:72:7a:50 PERMANENT`,
		`10.0.0.11 dev qr-1a2b3c4d-5e lladdr ${OLD_MAC} PERMANENT`,
		`10.0.0.12 dev qr-1a2b3c4d-5e lladdr ${NEW_MAC} PERMANENT`,
		`${VIP} dev qr-1a2b3c4d-5e lladdr ${mac} PERMANENT`,
		`169.254.106.115 dev rfp-7d0d3b2e-5 lladdr 2e:4b:1a:9f:00:12 REACHABLE`,
		'',
	].join('\n');

const flowsText = (dvrMac: string): string =>
	[
		'NXST_FLOW reply (xid=0x4):',
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.106s, table=0, n_packets=120, n_bytes=9000, idle_age=3, priority=1,in_port=1 actions=resubmit(,1)',
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.105s, table=0, n_packets=0, n_bytes=0, idle_age=812, priority=0 actions=drop',
		` cookie=0x5b4c1a2e9f3d7c10, duration=812.105s, table=1, n_packets=0, n_bytes=0, idle_age=812, priority=2,dl_vlan=1,dl_dst=fa:16:3e:72:7a:50 actions=drop`,
		` cookie=0x5b4c1a2e9f3d7c10, duration=812.105s, table=1, n_packets=44, n_bytes=4312, idle_age=5, priority=1,dl_vlan=1,dl_src=fa:16:3e:72:7a:50 actions=mod_dl_src:${dvrMac},resubmit(,2)`,
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.105s, table=2, n_packets=10, n_bytes=600, idle_age=9, priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=resubmit(,21)',
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.104s, table=21, n_packets=2, n_bytes=84, idle_age=60, priority=1,arp,dl_vlan=1,arp_tpa=10.0.0.11 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:fa:16:3e:aa:aa:aa,load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xfa163eaaaaaa->NXM_NX_ARP_SHA[],load:0xa00000b->NXM_OF_ARP_SPA[],IN_PORT',
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.104s, table=21, n_packets=0, n_bytes=0, idle_age=812, priority=0 actions=resubmit(,22)',
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.104s, table=22, n_packets=7, n_bytes=294, idle_age=2, priority=3,arp,dl_vlan=1,arp_tpa=10.0.0.1 actions=drop',
		' cookie=0x5b4c1a2e9f3d7c10, duration=812.104s, table=22, n_packets=30, n_bytes=2400, idle_age=1, priority=1,dl_vlan=1 actions=strip_vlan,load:0x3e9->NXM_NX_TUN_ID[],output:2,output:3',
		'',
	].join('\n');

const ofctlShow = [
	'OFPT_FEATURES_REPLY (xid=0x2): dpid:0000b2d42c5e574b',
	'n_tables:254, n_buffers:0',
	' 1(patch-int): addr:9e:b0:12:e4:3d:7a',
	'     config:     0',
	'     state:      0',
	' 2(vxlan-0a000002): addr:ba:bb:92:e9:8a:7d',
	'     config:     0',
	'     state:      0',
	' 3(vxlan-0a000003): addr:ba:bb:92:e9:8a:7e',
	'     config:     0',
	'     state:      0',
	'OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0',
	'',
].join('\n');

const addrText = (mac: string, withVip: boolean): string =>
	[
		'1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
		'    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
		'    inet 127.0.0.1/8 scope host lo',
		'       valid_lft forever preferred_lft forever',
		'2: eth1@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000',
		`    link/ether ${mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0`,
		`    inet ${mac === OLD_MAC ? '10.0.0.11' : '10.0.0.12'}/24 brd 10.0.0.255 scope global eth1`,
		'       valid_lft forever preferred_lft forever',
		...(withVip
			? [`    inet ${VIP}/32 scope global eth1`, '       valid_lft forever preferred_lft forever']
			: []),
		'',
	].join('\n');

const ports = JSON.stringify(
	{
		ports: [
			{
				id: '11111111-aaaa-4aaa-8aaa-111111111111',
				name: 'octavia-lb-vrrp-amp1',
				mac_address: OLD_MAC,
				network_id: NETWORK,
				fixed_ips: [{subnet_id: SUBNET, ip_address: '10.0.0.11'}],
				allowed_address_pairs: [{ip_address: VIP, mac_address: OLD_MAC}],
				device_owner: 'compute:nova',
				device_id: 'vm-amp1',
				'binding:host_id': 'compute-1',
				'binding:vif_type': 'ovs',
				status: 'ACTIVE',
			},
			{
				id: '22222222-bbbb-4bbb-8bbb-222222222222',
				name: 'octavia-lb-vrrp-amp2',
				mac_address: NEW_MAC,
				network_id: NETWORK,
				fixed_ips: [{subnet_id: SUBNET, ip_address: '10.0.0.12'}],
				allowed_address_pairs: [{ip_address: VIP, mac_address: NEW_MAC}],
				device_owner: 'compute:nova',
				device_id: 'vm-amp2',
				'binding:host_id': 'compute-2',
				'binding:vif_type': 'ovs',
				status: 'ACTIVE',
			},
			{
				id: '33333333-cccc-4ccc-8ccc-333333333333',
				name: 'octavia-lb-vip',
				mac_address: 'fa:16:3e:cc:cc:cc',
				network_id: NETWORK,
				fixed_ips: [{subnet_id: SUBNET, ip_address: VIP}],
				allowed_address_pairs: [],
				device_owner: 'Octavia',
				device_id: 'lb-1',
				'binding:host_id': '',
				'binding:vif_type': 'unbound',
				status: 'DOWN',
			},
			{
				id: '44444444-dddd-4ddd-8ddd-444444444444',
				name: '',
				mac_address: 'fa:16:3e:72:7a:50',
				network_id: NETWORK,
				fixed_ips: [{subnet_id: SUBNET, ip_address: '10.0.0.1'}],
				allowed_address_pairs: [],
				device_owner: 'network:router_interface_distributed',
				device_id: ROUTER,
				'binding:host_id': '',
				'binding:vif_type': 'distributed',
				status: 'ACTIVE',
			},
		],
	},
	null,
	2,
);

const routers = JSON.stringify(
	{
		routers: [
			{
				id: ROUTER,
				name: 'lb-router',
				distributed: true,
				ha: false,
				status: 'ACTIVE',
				admin_state_up: true,
			},
		],
	},
	null,
	2,
);
const subnets = JSON.stringify(
	{
		subnets: [
			{
				id: SUBNET,
				name: 'lb-subnet',
				network_id: NETWORK,
				cidr: '10.0.0.0/24',
				gateway_ip: '10.0.0.1',
				ip_version: 4,
			},
		],
	},
	null,
	2,
);
const amphorae = JSON.stringify(
	{
		amphorae: [
			{
				id: 'a1a1a1a1-0000-4000-8000-000000000001',
				loadbalancer_id: 'lb-1',
				status: 'ALLOCATED',
				role: 'MASTER',
				vrrp_ip: '10.0.0.11',
				ha_ip: VIP,
				vrrp_port_id: '11111111-aaaa-4aaa-8aaa-111111111111',
				ha_port_id: '33333333-cccc-4ccc-8ccc-333333333333',
			},
			{
				id: 'b2b2b2b2-0000-4000-8000-000000000002',
				loadbalancer_id: 'lb-1',
				status: 'ALLOCATED',
				role: 'BACKUP',
				vrrp_ip: '10.0.0.12',
				ha_ip: VIP,
				vrrp_port_id: '22222222-bbbb-4bbb-8bbb-222222222222',
				ha_port_id: '33333333-cccc-4ccc-8ccc-333333333333',
			},
		],
	},
	null,
	2,
);

/** Build the incident. `extraFlows` appends that many synthetic br-int flows per node (for scale). */
export function makeIncidentSet(
	options: {readonly description?: string; readonly failedNode?: boolean} = {},
): CaptureSet {
	seq = 0;
	const captures: Capture[] = [];
	const nodes = ['compute-1', 'compute-2'];
	for (const [i, node] of nodes.entries()) {
		const dvrMac = `fa:16:3f:00:00:0${i + 1}`;
		captures.push(
			capture(
				node,
				`netns-list`,
				['ip', 'netns', 'list'],
				'ip-netns',
				`${qr} (id: 0)\nvm-amp${i + 1} (id: 1)\n`,
				{catalogId: 'netns.list'},
			),
		);
		captures.push(
			capture(
				node,
				`neigh-qrouter`,
				['ip', 'netns', 'exec', qr, 'ip', 'neigh', 'show'],
				'ip-neigh',
				neighText(OLD_MAC),
				{params: {namespace: qr}, catalogId: 'netns.neigh'},
			),
		);
		captures.push(
			capture(
				node,
				`addr-vm`,
				['ip', 'netns', 'exec', `vm-amp${i + 1}`, 'ip', 'addr', 'show'],
				'ip-addr',
				addrText(i === 0 ? OLD_MAC : NEW_MAC, i === 1),
				{
					params: {namespace: `vm-amp${i + 1}`},
					catalogId: 'netns.addr',
				},
			),
		);
		captures.push(
			capture(
				node,
				`flows-br-tun`,
				['ovs-ofctl', 'dump-flows', 'br-tun'],
				'ovs-flows',
				flowsText(dvrMac),
				{params: {bridge: 'br-tun'}, catalogId: 'ovs.flows'},
			),
		);
		captures.push(
			capture(
				node,
				`ofctl-show-br-tun`,
				['ovs-ofctl', 'show', 'br-tun'],
				'ovs-ofctl-show',
				ofctlShow,
				{params: {bridge: 'br-tun'}, catalogId: 'ovs.ports'},
			),
		);
	}
	captures.push(
		capture(
			undefined,
			'os-ports',
			['openstack', 'port', 'list', '--long', '-f', 'json'],
			'openstack-ports',
			ports,
			{catalogId: 'os.ports'},
		),
	);
	captures.push(
		capture(
			undefined,
			'os-routers',
			['openstack', 'router', 'list', '--long', '-f', 'json'],
			'openstack-routers',
			routers,
			{catalogId: 'os.routers'},
		),
	);
	captures.push(
		capture(
			undefined,
			'os-subnets',
			['openstack', 'subnet', 'list', '-f', 'json'],
			'openstack-subnets',
			subnets,
			{catalogId: 'os.subnets'},
		),
	);
	captures.push(
		capture(
			undefined,
			'os-amphorae',
			['openstack', 'loadbalancer', 'amphora', 'list', '-f', 'json'],
			'octavia-amphorae',
			amphorae,
			{catalogId: 'os.amphorae'},
		),
	);
	if (options.failedNode === true)
		captures.push(
			capture('compute-3', 'netns-list', ['ip', 'netns', 'list'], 'ip-netns', '', {
				exitCode: null,
				failure: {kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:2203'},
				catalogId: 'netns.list',
			}),
		);
	// Capture ids must be unique across the set: prefix with the node.
	const unique = captures
		.map(c => ({...c, id: c.node === undefined ? c.id : `${c.node}.${c.id}`}))
		.map(c => toCaptureMeta({...c}));
	return {
		manifest: {
			format: 'dvrscope-capture-set',
			schemaVersion: 1,
			createdAt: T0,
			tool: {name: 'dvrscope-test', version: '0'},
			description:
				options.description ??
				'test incident: Octavia failover amp1 → amp2, qrouters kept the old MAC',
			source: 'manual',
			nodes: [
				{id: 'compute-1', roles: ['compute'], transport: 'ssh'},
				{id: 'compute-2', roles: ['compute'], transport: 'ssh'},
				...(options.failedNode === true
					? [{id: 'compute-3', roles: ['compute' as const], transport: 'ssh'}]
					: []),
			],
			captures: unique.map(stripBodies),
		},
		captures: unique,
	};
}

function stripBodies(capture: Capture): CaptureMeta {
	const meta: {stdout?: string; stderr?: string} = {...capture};
	delete meta.stdout;
	delete meta.stderr;
	return meta as CaptureMeta;
}

/** The incident analysed by the real pipeline. */
export function analyseIncident(set: CaptureSet = makeIncidentSet()): {
	snapshot: Snapshot;
	diagnosis: DiagnosisView;
} {
	const snapshot = assembleSnapshot(set);
	const d = diagnose(snapshot);
	return {
		snapshot,
		diagnosis: {
			findings: d.findings,
			outcomes: d.outcomes,
			docs: Object.fromEntries(rules.map(r => [r.id, r.meta.docs])),
		},
	};
}

/**
 * The incident with `lines` appended to compute-1's br-tun dump (a big flow table for the
 * console's flow index and filter tests).
 */
export function incidentWithBrTunFlows(lines: readonly string[]): CaptureSet {
	const set = makeIncidentSet();
	return {
		...set,
		captures: set.captures.map(c =>
			c.node === 'compute-1' && c.kind === 'ovs-flows' && c.params?.['bridge'] === 'br-tun'
				? {...c, stdout: `${c.stdout}${lines.join('\n')}\n`}
				: c,
		),
	};
}
