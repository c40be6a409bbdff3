/**
 * Generator of the scenario capture sets under test/scenarios/<name>/ (run: npx tsx
 * test/scenarios/generate.ts). Every output is rendered in the exact format of the real command
 * (iproute2 6.1, Open vSwitch 3.1, python-openstackclient `-f json`, kubectl `-o json`), using the
 * shapes of ../shared/fixtures as templates, with ids, MACs and IPs kept consistent across nodes.
 * The expected findings (expected.json) are written from each scenario's intent, not from running
 * dvrscope: they are the golden the rules are tested against.
 */
import {rm} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {writeFile} from 'node:fs/promises';
import {toCaptureMeta, writeCaptureSet} from '../../src/bundle/capture-set.js';
import type {Capture, CaptureParams, NodeInfo} from '../../src/model/capture.js';
import type {ParserKind} from '../../src/model/facts.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ─── the cloud ───────────────────────────────────────────────────────────────

const ROUTER = '4d7928a0-4a3c-4b99-b01b-97da2f97e279';
const LB_NET = '353f5937-41ba-4a3c-8225-fa1af2538141';
const LB_SUBNET = '9b1c2d3e-4f50-4a61-8b72-c3d4e5f60718';
const APP_NET = '7e2f1a0b-5c6d-4e8f-9a0b-1c2d3e4f5a6b';
const APP_SUBNET = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
const EXT_NET = '5f6a1c2d-3b4e-4f50-8a61-7b8c9d0e1f20';
const PROJECT = 'b2c3d4e5f6a7489b8c9d0e1f2a3b4c5d';
const VIP = '10.0.0.100';
const VMAC = '00:00:5e:00:01:33';

type Port = {
	id: string;
	name: string;
	mac: string;
	network: string;
	subnet: string;
	ip: string;
	owner: string;
	deviceId: string;
	host?: string;
	vifType?: string;
	aap?: {ip: string; mac?: string}[];
	adminUp?: boolean;
};

const QR_LB: Port = {
	id: '102c4426-8605-4b1e-9d55-0c0a5b4f1a11',
	name: '',
	mac: 'fa:16:3e:72:7a:50',
	network: LB_NET,
	subnet: LB_SUBNET,
	ip: '10.0.0.1',
	owner: 'network:router_interface_distributed',
	deviceId: ROUTER,
	host: '',
	vifType: 'distributed',
};
const QR_APP: Port = {
	id: '2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d',
	name: '',
	mac: 'fa:16:3e:72:7a:51',
	network: APP_NET,
	subnet: APP_SUBNET,
	ip: '10.0.1.1',
	owner: 'network:router_interface_distributed',
	deviceId: ROUTER,
	host: '',
	vifType: 'distributed',
};
const SG_LB: Port = {
	id: '3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f',
	name: '',
	mac: 'fa:16:3e:29:de:20',
	network: LB_NET,
	subnet: LB_SUBNET,
	ip: '10.0.0.3',
	owner: 'network:router_centralized_snat',
	deviceId: ROUTER,
	host: 'gtw-1',
	vifType: 'ovs',
};
const DHCP_LB: Port = {
	id: '4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f80',
	name: '',
	mac: 'fa:16:3e:0d:0d:02',
	network: LB_NET,
	subnet: LB_SUBNET,
	ip: '10.0.0.2',
	owner: 'network:dhcp',
	deviceId: `dhcp-${LB_NET}`,
	host: 'gtw-1',
	vifType: 'ovs',
};
const VM1: Port = {
	id: '5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8091',
	name: 'vrrp-vm1-port',
	mac: 'fa:16:3e:11:11:11',
	network: LB_NET,
	subnet: LB_SUBNET,
	ip: '10.0.0.11',
	owner: 'compute:nova',
	deviceId: '11111111-2222-4333-8444-555555555501',
	host: 'cmp-1',
	vifType: 'ovs',
	aap: [{ip: VIP}],
};
const VM2: Port = {
	id: '6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8091a2',
	name: 'vrrp-vm2-port',
	mac: 'fa:16:3e:22:22:22',
	network: LB_NET,
	subnet: LB_SUBNET,
	ip: '10.0.0.12',
	owner: 'compute:nova',
	deviceId: '11111111-2222-4333-8444-555555555502',
	host: 'cmp-2',
	vifType: 'ovs',
	aap: [{ip: VIP}],
};
const VIP_PORT: Port = {
	id: '7a8b9c0d-1e2f-4a3b-8c4d-6e7f8091a2b3',
	name: 'vrrp-vip',
	mac: 'fa:16:3e:aa:aa:aa',
	network: LB_NET,
	subnet: LB_SUBNET,
	ip: VIP,
	owner: '',
	deviceId: '',
	vifType: 'unbound',
	adminUp: true,
};
const CLIENT: Port = {
	id: '8b9c0d1e-2f3a-4b4c-9d5e-7f8091a2b3c4',
	name: 'client-port',
	mac: 'fa:16:3e:33:33:33',
	network: APP_NET,
	subnet: APP_SUBNET,
	ip: '10.0.1.20',
	owner: 'compute:nova',
	deviceId: '11111111-2222-4333-8444-555555555503',
	host: 'cmp-3',
	vifType: 'ovs',
};

const NODES: NodeInfo[] = [
	{id: 'gtw-1', roles: ['gateway', 'network'], transport: 'ssh'},
	{id: 'cmp-1', roles: ['compute'], transport: 'ssh'},
	{id: 'cmp-2', roles: ['compute'], transport: 'ssh'},
	{id: 'cmp-3', roles: ['compute'], transport: 'ssh'},
];

const DVR_MAC: Record<string, string> = {
	'gtw-1': 'fa:16:3f:d3:10:60',
	'cmp-1': 'fa:16:3f:4d:40:29',
	'cmp-2': 'fa:16:3f:6a:1b:02',
	'cmp-3': 'fa:16:3f:7c:2e:13',
};
const TUNNEL_IP: Record<string, string> = {
	'gtw-1': '10.10.0.10',
	'cmp-1': '10.10.0.11',
	'cmp-2': '10.10.0.12',
	'cmp-3': '10.10.0.13',
};

// ─── renderers (real output formats) ────────────────────────────────────────

/** `openstack port list --long -f json` (python-openstackclient): no pairs, no binding. */
function portList(ports: readonly Port[]): string {
	const rows = ports.map(p => ({
		ID: p.id,
		Name: p.name,
		'MAC Address': p.mac,
		'Fixed IP Addresses': [{subnet_id: p.subnet, ip_address: p.ip}],
		Status: p.adminUp === false ? 'DOWN' : 'ACTIVE',
		'Security Groups': p.owner.startsWith('network:') ? [] : ['2f0b8a7c-1d3e-4f5a-9b6c-7d8e9f0a1b2c'],
		'Device Owner': p.owner,
		Tags: [],
	}));
	return `${JSON.stringify(rows, null, 2)}\n`;
}

/** `openstack port show <id> -f json` (python-openstackclient). */
function portShow(p: Port): string {
	const aap = (p.aap ?? []).map(a => ({ip_address: a.ip, mac_address: a.mac ?? p.mac}));
	const doc = {
		admin_state_up: p.adminUp === false ? 'DOWN' : 'UP',
		allowed_address_pairs: aap,
		binding_host_id: p.host ?? '',
		binding_profile: {},
		binding_vif_details: p.vifType === 'ovs' ? {port_filter: true, connectivity: 'l2', ovs_hybrid_plug: false, datapath_type: 'system', bridge_name: 'br-int'} : {},
		binding_vif_type: p.vifType ?? 'unbound',
		binding_vnic_type: 'normal',
		created_at: '2026-11-20T09:12:44Z',
		data_plane_status: null,
		description: '',
		device_id: p.deviceId,
		device_owner: p.owner,
		device_profile: null,
		dns_assignment: [{ip_address: p.ip, hostname: `host-${p.ip.replace(/\./g, '-')}`, fqdn: `host-${p.ip.replace(/\./g, '-')}.openstacklocal.`}],
		dns_domain: '',
		dns_name: '',
		extra_dhcp_opts: [],
		fixed_ips: [{subnet_id: p.subnet, ip_address: p.ip}],
		id: p.id,
		ip_allocation: 'immediate',
		mac_address: p.mac,
		name: p.name,
		network_id: p.network,
		numa_affinity_policy: null,
		port_security_enabled: !p.owner.startsWith('network:'),
		project_id: PROJECT,
		propagate_uplink_status: null,
		qos_network_policy_id: null,
		qos_policy_id: null,
		resource_request: null,
		revision_number: 7,
		security_group_ids: p.owner.startsWith('network:') ? [] : ['0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'],
		status: p.vifType === 'ovs' || p.vifType === 'distributed' ? 'ACTIVE' : 'DOWN',
		tags: [],
		trunk_details: null,
		updated_at: '2026-11-25T16:40:02Z',
	};
	return `${JSON.stringify(doc, null, 2)}\n`;
}

/** `openstack router list --long -f json`. */
function routerList(distributed: boolean, ha: boolean): string {
	return `${JSON.stringify(
		[
			{
				ID: ROUTER,
				Name: 'lb-router',
				Status: 'ACTIVE',
				State: true,
				Project: PROJECT,
				Distributed: distributed,
				HA: ha,
				Routes: [],
				'External gateway info': {network_id: EXT_NET, enable_snat: true, external_fixed_ips: [{subnet_id: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b', ip_address: '172.24.4.10'}]},
				'Availability zones': ['nova'],
				Tags: [],
			},
		],
		null,
		2,
	)}\n`;
}

/** `openstack subnet list -f json`. */
function subnetList(): string {
	return `${JSON.stringify(
		[
			{ID: LB_SUBNET, Name: 'lb-subnet', Network: LB_NET, Subnet: '10.0.0.0/24'},
			{ID: APP_SUBNET, Name: 'app-subnet', Network: APP_NET, Subnet: '10.0.1.0/24'},
			{ID: 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b', Name: 'public-subnet', Network: EXT_NET, Subnet: '172.24.4.0/24'},
		],
		null,
		2,
	)}\n`;
}

type Neigh = {ip: string; dev: string; mac?: string; state: string};

/** `ip neigh show` (note the trailing space iproute2 prints after the state). */
const neighText = (entries: readonly Neigh[]): string =>
	entries.map(e => `${e.ip} dev ${e.dev}${e.mac !== undefined ? ` lladdr ${e.mac}` : ''} ${e.state} \n`).join('');

type Iface = {name: string; mac: string; addrs: {cidr: string; brd?: string}[]; state?: string; link?: string; linkNetns?: string; mtu?: number};

/** `ip addr show` (full form). */
function addrText(ifaces: readonly Iface[]): string {
	const out: string[] = [
		'1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
		'    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
		'    inet 127.0.0.1/8 scope host lo',
		'       valid_lft forever preferred_lft forever',
	];
	ifaces.forEach((i, n) => {
		const state = i.state ?? 'UP';
		const flags = state === 'DOWN' ? '<BROADCAST,MULTICAST>' : '<BROADCAST,MULTICAST,UP,LOWER_UP>';
		out.push(
			`${n + 2}: ${i.name}${i.link !== undefined ? `@${i.link}` : ''}: ${flags} mtu ${i.mtu ?? 1450} qdisc noqueue state ${state} group default qlen 1000`,
			`    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff${i.linkNetns !== undefined ? ` link-netns ${i.linkNetns}` : ''}`,
		);
		for (const a of i.addrs) {
			out.push(`    inet ${a.cidr}${a.brd !== undefined ? ` brd ${a.brd}` : ''} scope global ${i.name}`, '       valid_lft forever preferred_lft forever');
		}
	});
	return `${out.join('\n')}\n`;
}

/** `ip -all netns exec <cmd>`: a blank line and `netns: NAME` before each namespace's output. */
const allNetns = (sections: readonly {ns: string; text: string}[]): string =>
	sections.map(s => `\nnetns: ${s.ns}\n${s.text}`).join('');

const FLOW_PREFIX = (table: number): string =>
	` cookie=0x5b4c1a2e9f3d7c10, duration=86211.402s, table=${table}, n_packets=0, n_bytes=0, idle_age=8612, hard_age=65534, `;

const macHex = (mac: string): string => `0x${mac.replace(/:/g, '').replace(/^0+/, '')}`;
const ipHex = (ip: string): string =>
	`0x${ip
		.split('.')
		.map(o => Number(o).toString(16).padStart(2, '0'))
		.join('')
		.replace(/^0+/, '')}`;

/** `ovs-ofctl dump-flows br-tun` (OpenFlow10 + NXM, as the default prints) for a DVR node. */
function brTunFlows(node: string, opts: {layout: 'train' | 'pre-train'; responders: {ip: string; mac: string; vlan: number}[]; dropArpBlockFor?: string}): string {
	const dvrMac = DVR_MAC[node] ?? 'fa:16:3f:00:00:00';
	const remotes = Object.entries(DVR_MAC).filter(([n]) => n !== node);
	const qrs = [
		{vlan: 1, mac: QR_LB.mac, ip: QR_LB.ip, tun: '0x4d'},
		{vlan: 2, mac: QR_APP.mac, ip: QR_APP.ip, tun: '0x4e'},
	];
	const l: string[] = ['NXST_FLOW reply (xid=0x4):'];
	const f = (table: number, rest: string): void => {
		l.push(`${FLOW_PREFIX(table)}${rest}`);
	};
	f(0, 'priority=1,in_port=1 actions=resubmit(,1)');
	f(0, 'priority=1,in_port=2 actions=resubmit(,4)');
	f(0, 'priority=1,in_port=3 actions=resubmit(,4)');
	f(0, 'priority=1,in_port=4 actions=resubmit(,4)');
	f(0, 'priority=0 actions=drop');
	for (const q of qrs) {
		if (opts.layout === 'pre-train' && q.ip !== opts.dropArpBlockFor)
			f(1, `priority=3,arp,dl_vlan=${q.vlan},arp_tpa=${q.ip} actions=drop`);
		f(1, `priority=2,dl_vlan=${q.vlan},dl_dst=${q.mac} actions=drop`);
		f(1, `priority=1,dl_vlan=${q.vlan},dl_src=${q.mac} actions=mod_dl_src:${dvrMac},resubmit(,2)`);
	}
	f(1, 'priority=0 actions=resubmit(,2)');
	f(2, 'priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=resubmit(,21)');
	f(2, 'priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)');
	f(2, 'priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)');
	f(3, 'priority=0 actions=drop');
	for (const q of qrs) f(4, `priority=1,tun_id=${q.tun} actions=mod_vlan_vid:${q.vlan},resubmit(,9)`);
	f(4, 'priority=0 actions=drop');
	f(6, 'priority=0 actions=drop');
	for (const [, mac] of remotes) f(9, `priority=1,dl_src=${mac} actions=output:1`);
	f(9, 'priority=0 actions=resubmit(,10)');
	f(
		10,
		'priority=1 actions=learn(table=20,hard_timeout=300,priority=1,cookie=0x5b4c1a2e9f3d7c10,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:1',
	);
	f(20, 'priority=0 actions=resubmit(,22)');
	for (const r of opts.responders)
		f(
			21,
			`priority=1,arp,dl_vlan=${r.vlan},arp_tpa=${r.ip} actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:${r.mac},load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:${macHex(r.mac)}->NXM_NX_ARP_SHA[],load:${ipHex(r.ip)}->NXM_OF_ARP_SPA[],IN_PORT`,
		);
	f(21, 'priority=0 actions=resubmit(,22)');
	for (const q of qrs)
		if (opts.layout === 'train' && q.ip !== opts.dropArpBlockFor)
			f(22, `priority=3,arp,dl_vlan=${q.vlan},arp_tpa=${q.ip} actions=drop`);
	for (const q of qrs) f(22, `priority=1,dl_vlan=${q.vlan} actions=strip_vlan,load:${q.tun}->NXM_NX_TUN_ID[],output:2,output:3,output:4`);
	f(22, 'priority=0 actions=drop');
	return `${l.join('\n')}\n`;
}

/** `ovs-ofctl dump-flows br-tun` of a node with no DVR (legacy routers): l2pop responders only. */
function legacyBrTunFlows(responders: {ip: string; mac: string; vlan: number}[]): string {
	const l: string[] = ['NXST_FLOW reply (xid=0x4):'];
	const f = (table: number, rest: string): void => {
		l.push(`${FLOW_PREFIX(table)}${rest}`);
	};
	f(0, 'priority=1,in_port=1 actions=resubmit(,2)');
	f(0, 'priority=1,in_port=2 actions=resubmit(,4)');
	f(0, 'priority=0 actions=drop');
	f(2, 'priority=1,arp,dl_dst=ff:ff:ff:ff:ff:ff actions=resubmit(,21)');
	f(2, 'priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)');
	f(2, 'priority=0,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,22)');
	f(4, 'priority=1,tun_id=0x4d actions=mod_vlan_vid:1,resubmit(,10)');
	f(4, 'priority=0 actions=drop');
	f(20, 'priority=0 actions=resubmit(,22)');
	for (const r of responders)
		f(
			21,
			`priority=1,arp,dl_vlan=${r.vlan},arp_tpa=${r.ip} actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:${r.mac},load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:${macHex(r.mac)}->NXM_NX_ARP_SHA[],load:${ipHex(r.ip)}->NXM_OF_ARP_SPA[],IN_PORT`,
		);
	f(21, 'priority=0 actions=resubmit(,22)');
	f(22, 'priority=1,dl_vlan=1 actions=strip_vlan,load:0x4d->NXM_NX_TUN_ID[],output:2');
	f(22, 'priority=0 actions=drop');
	return `${l.join('\n')}\n`;
}

/** `ovs-vsctl show` for a DVR node (OVS 3.x: names unquoted). */
function vsctlShow(node: string, extraPorts: {name: string; tag: number}[]): string {
	const peers = Object.entries(TUNNEL_IP).filter(([n]) => n !== node);
	const l: string[] = ['a7f1c3d2-5e6b-4c8d-9e0f-1a2b3c4d5e6f', '    Manager "ptcp:6640:127.0.0.1"', '        is_connected: true'];
	l.push('    Bridge br-int', '        Controller "tcp:127.0.0.1:6633"', '            is_connected: true', '        fail_mode: secure', '        datapath_type: system');
	const port = (name: string, tag?: number, type?: string, options?: string): void => {
		l.push(`        Port ${name}`);
		if (tag !== undefined) l.push(`            tag: ${tag}`);
		l.push(`            Interface ${name}`);
		if (type !== undefined) l.push(`                type: ${type}`);
		if (options !== undefined) l.push(`                options: {${options}}`);
	};
	port('br-int', undefined, 'internal');
	port('patch-tun', undefined, 'patch', 'peer=patch-int');
	port('int-br-ex', undefined, 'patch', 'peer=phy-br-ex');
	port(`qr-${QR_LB.id.slice(0, 11)}`, 1, 'internal');
	port(`qr-${QR_APP.id.slice(0, 11)}`, 2, 'internal');
	for (const p of extraPorts) port(p.name, p.tag);
	l.push('    Bridge br-tun', '        Controller "tcp:127.0.0.1:6633"', '            is_connected: true', '        fail_mode: secure', '        datapath_type: system');
	port('br-tun', undefined, 'internal');
	port('patch-int', undefined, 'patch', 'peer=patch-tun');
	for (const [, ip] of peers) {
		const hex = ip
			.split('.')
			.map(o => Number(o).toString(16).padStart(2, '0'))
			.join('');
		port(`vxlan-${hex}`, undefined, 'vxlan', `df_default="true", egress_pkt_mark="0", in_key=flow, local_ip="${TUNNEL_IP[node] ?? ''}", out_key=flow, remote_ip="${ip}"`);
	}
	l.push('    Bridge br-ex', '        Controller "tcp:127.0.0.1:6633"', '            is_connected: true', '        fail_mode: secure', '        datapath_type: system');
	port('br-ex', undefined, 'internal');
	port('phy-br-ex', undefined, 'patch', 'peer=int-br-ex');
	l.push('    ovs_version: "3.1.0"');
	return `${l.join('\n')}\n`;
}

// ─── capture-set builder ────────────────────────────────────────────────────

type Expected = {ruleId: string; severity: 'critical' | 'warning' | 'info'; nodes: string[]; vip?: string; router?: string};

type ScenarioOptions = {
	description: string;
	expected: Expected[];
	/** Rules whose outcome must be exactly this (e.g. skipped). */
	outcomes?: Record<string, 'pass' | 'fail' | 'skipped' | 'error'>;
	/** Capture problems the assembler must report (capture ids). */
	captureErrors?: string[];
};

class Scenario {
	readonly captures: Capture[] = [];
	private seq = 0;
	constructor(
		readonly name: string,
		readonly options: ScenarioOptions,
	) {}

	add(c: {
		id?: string;
		node?: string;
		argv: string[];
		kind?: ParserKind;
		params?: CaptureParams;
		stdout: string;
		stderr?: string;
		exitCode?: number | null;
		failure?: Capture['failure'];
	}): void {
		this.seq++;
		const id = c.id ?? `${c.node ?? 'cloud'}-${String(this.seq).padStart(3, '0')}`;
		const minute = String(Math.floor(this.seq / 60)).padStart(2, '0');
		const second = String(this.seq % 60).padStart(2, '0');
		this.captures.push(
			toCaptureMeta({
				id,
				scope: c.node === undefined ? 'cloud' : 'node',
				...(c.node !== undefined ? {node: c.node} : {}),
				argv: c.argv,
				...(c.kind !== undefined ? {kind: c.kind} : {}),
				...(c.params !== undefined ? {params: c.params} : {}),
				exitCode: c.exitCode === undefined ? 0 : c.exitCode,
				startedAt: `2026-11-26T03:${minute}:${second}.000Z`,
				durationMs: 180,
				...(c.failure !== undefined ? {failure: c.failure} : {}),
				stdout: c.stdout,
				stderr: c.stderr ?? '',
				via: c.node === undefined ? 'kubectl' : 'ssh',
			}),
		);
	}

	ports(list: readonly Port[]): void {
		// As dvrscope collects: the list, then `port show` for the instance and Octavia ports and the rest.
		this.add({id: 'port-list', argv: ['openstack', 'port', 'list', '--long', '-f', 'json'], kind: 'openstack-ports', stdout: portList(list)});
		for (const p of list)
			this.add({id: `port-show-${p.id.slice(0, 8)}`, argv: ['openstack', 'port', 'show', p.id, '-f', 'json'], kind: 'openstack-ports', stdout: portShow(p)});
	}

	async write(nodes: readonly NodeInfo[] = NODES): Promise<void> {
		const dir = path.join(HERE, this.name);
		await rm(dir, {recursive: true, force: true});
		await writeCaptureSet(dir, {
			manifest: {
				format: 'dvrscope-capture-set',
				schemaVersion: 1,
				createdAt: '2026-11-26T03:00:00.000Z',
				tool: {name: 'dvrscope', version: '0.1.0'},
				description: this.options.description,
				source: 'sample',
				nodes,
				captures: this.captures,
			},
			captures: this.captures,
		});
		const expected = {
			scenario: this.name,
			description: this.options.description,
			findings: this.options.expected,
			...(this.options.outcomes !== undefined ? {outcomes: this.options.outcomes} : {}),
			...(this.options.captureErrors !== undefined ? {captureErrors: this.options.captureErrors} : {}),
		};
		await writeFile(path.join(dir, 'expected.json'), `${JSON.stringify(expected, null, '\t')}\n`);
	}
}

const QR_LB_DEV = `qr-${QR_LB.id.slice(0, 11)}`;
const QR_APP_DEV = `qr-${QR_APP.id.slice(0, 11)}`;
const RFP = `rfp-${ROUTER.slice(0, 11)}`;

/** The qrouter neighbour table Neutron writes on every DVR node; `vip` is the MAC the VIP entry has. */
function qrouterNeigh(vipMac: string | undefined, opts: {ports?: Port[]; extra?: Neigh[]} = {}): Neigh[] {
	const ports = opts.ports ?? [SG_LB, DHCP_LB, VM1, VM2];
	const out: Neigh[] = [];
	for (const p of ports) out.push({ip: p.ip, dev: p.network === LB_NET ? QR_LB_DEV : QR_APP_DEV, mac: p.mac, state: 'PERMANENT'});
	if (vipMac !== undefined) out.push({ip: VIP, dev: QR_LB_DEV, mac: vipMac, state: 'PERMANENT'});
	out.push({ip: CLIENT.ip, dev: QR_APP_DEV, mac: CLIENT.mac, state: 'PERMANENT'});
	out.push({ip: '169.254.106.115', dev: RFP, mac: '8e:7c:c4:e5:e7:54', state: 'PERMANENT'});
	out.push(...(opts.extra ?? []));
	return out;
}

const qrouterIfaces = (): Iface[] => [
	{name: QR_LB_DEV, mac: QR_LB.mac, addrs: [{cidr: '10.0.0.1/24', brd: '10.0.0.255'}], state: 'UNKNOWN'},
	{name: QR_APP_DEV, mac: QR_APP.mac, addrs: [{cidr: '10.0.1.1/24', brd: '10.0.1.255'}], state: 'UNKNOWN'},
	{name: RFP, link: 'if2', mac: 'c2:a1:1e:50:9c:34', addrs: [{cidr: '169.254.106.114/31'}], linkNetns: `fip-${EXT_NET}`, mtu: 1500},
];

const netnsList = (node: string, extra: string[] = []): string => {
	const names = [`qrouter-${ROUTER} (id: 0)`, `fip-${EXT_NET} (id: 1)`];
	if (node === 'gtw-1') names.push(`snat-${ROUTER} (id: 2)`, `qdhcp-${LB_NET} (id: 3)`);
	return `${[...names, ...extra].join('\n')}\n`;
};

/** Common DVR node captures: netns list, qrouter neigh + addr, br-tun flows, ovs-vsctl show. */
function dvrNode(
	s: Scenario,
	node: string,
	opts: {vipMac: string | undefined; vms?: {ns: string; ifaces: Iface[]}[]; layout?: 'train' | 'pre-train'; neighExtra?: Neigh[]; responders?: {ip: string; mac: string; vlan: number}[]; dropArpBlockFor?: string; allNetns?: boolean; qdhcpNeigh?: Neigh[]},
): void {
	const vmNs = (opts.vms ?? []).map(v => v.ns);
	s.add({id: `${node}-netns`, node, argv: ['ip', 'netns', 'list'], kind: 'ip-netns', stdout: netnsList(node, vmNs)});
	const neigh = neighText(qrouterNeigh(opts.vipMac, {extra: opts.neighExtra ?? []}));
	if (opts.allNetns === true) {
		const sections = [{ns: `qrouter-${ROUTER}`, text: neigh}];
		if (node === 'gtw-1') {
			sections.push({ns: `snat-${ROUTER}`, text: neighText([{ip: '172.24.4.1', dev: 'qg-9a8b7c6d-5e4', mac: 'fa:16:3e:e0:e5:95', state: 'REACHABLE'}])});
			sections.push({ns: `qdhcp-${LB_NET}`, text: neighText(opts.qdhcpNeigh ?? [])});
		}
		s.add({id: `${node}-all-neigh`, node, argv: ['ip', '-all', 'netns', 'exec', 'ip', 'neigh', 'show'], kind: 'ip-all-netns', params: {inner: 'ip-neigh'}, stdout: allNetns(sections)});
	} else {
		s.add({id: `${node}-qrouter-neigh`, node, argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'neigh', 'show'], kind: 'ip-neigh', params: {namespace: `qrouter-${ROUTER}`}, stdout: neigh});
		if (node === 'gtw-1' && opts.qdhcpNeigh !== undefined)
			s.add({id: `${node}-qdhcp-neigh`, node, argv: ['ip', 'netns', 'exec', `qdhcp-${LB_NET}`, 'ip', 'neigh', 'show'], kind: 'ip-neigh', params: {namespace: `qdhcp-${LB_NET}`}, stdout: neighText(opts.qdhcpNeigh)});
	}
	s.add({id: `${node}-qrouter-addr`, node, argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'addr', 'show'], kind: 'ip-addr', params: {namespace: `qrouter-${ROUTER}`}, stdout: addrText(qrouterIfaces())});
	for (const vm of opts.vms ?? [])
		s.add({id: `${node}-${vm.ns}-addr`, node, argv: ['ip', 'netns', 'exec', vm.ns, 'ip', 'addr', 'show'], kind: 'ip-addr', params: {namespace: vm.ns}, stdout: addrText(vm.ifaces)});
	const responders = opts.responders ?? [SG_LB, DHCP_LB, VM1, VM2, CLIENT].filter(p => p.host !== node).map(p => ({ip: p.ip, mac: p.mac, vlan: p.network === LB_NET ? 1 : 2}));
	s.add({
		id: `${node}-br-tun-flows`,
		node,
		argv: ['ovs-ofctl', 'dump-flows', 'br-tun'],
		kind: 'ovs-flows',
		params: {bridge: 'br-tun'},
		stdout: brTunFlows(node, {layout: opts.layout ?? 'train', responders, ...(opts.dropArpBlockFor !== undefined ? {dropArpBlockFor: opts.dropArpBlockFor} : {})}),
	});
	s.add({id: `${node}-ovs-show`, node, argv: ['ovs-vsctl', 'show'], kind: 'ovs-vsctl-show', stdout: vsctlShow(node, [])});
}

const vmIface = (port: Port, holdsVip: boolean, vipMac?: string): {ns: string; ifaces: Iface[]} => {
	const ns = port === VM1 ? 'vm1' : 'vm2';
	const ifaces: Iface[] = [{name: 'eth0', mac: port.mac, addrs: [{cidr: `${port.ip}/24`, brd: '10.0.0.255'}, ...(holdsVip && vipMac === undefined ? [{cidr: `${VIP}/32`}] : [])], link: 'if9', mtu: 1450}];
	if (vipMac !== undefined) ifaces.push({name: 'vrrp.51', link: 'eth0', mac: vipMac, addrs: holdsVip ? [{cidr: `${VIP}/32`}] : [], state: holdsVip ? 'UP' : 'UP'});
	return {ns, ifaces};
};

function cloudBasics(s: Scenario, distributed = true, ha = false): void {
	s.add({id: 'routers', argv: ['openstack', 'router', 'list', '--long', '-f', 'json'], kind: 'openstack-routers', stdout: routerList(distributed, ha)});
	s.add({id: 'subnets', argv: ['openstack', 'subnet', 'list', '-f', 'json'], kind: 'openstack-subnets', stdout: subnetList()});
}

// ─── scenarios ──────────────────────────────────────────────────────────────

const scenarios: Scenario[] = [];

{
	// Healthy: a keepalived pair with a shared virtual MAC (Neutron >= 2025.1), every qrouter right.
	const s = new Scenario('healthy-dvr', {
		description: 'Healthy DVR: keepalived VRRP pair vm1/vm2 sharing virtual MAC 00:00:5e:00:01:33 as allowed-address-pair MAC; vm1 is master; every qrouter points the VIP at the VMAC',
		expected: [],
	});
	cloudBasics(s);
	const vm1 = {...VM1, aap: [{ip: VIP, mac: VMAC}]};
	const vm2 = {...VM2, aap: [{ip: VIP, mac: VMAC}]};
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, vm1, vm2, VIP_PORT, CLIENT]);
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3'])
		dvrNode(s, n, {
			vipMac: VMAC,
			...(n === 'cmp-1' ? {vms: [vmIface(VM1, true, VMAC)]} : n === 'cmp-2' ? {vms: [vmIface(VM2, false, VMAC)]} : {}),
		});
	scenarios.push(s);
}
{
	const s = new Scenario('failover-stale', {
		description: 'After a keepalived failover vm1 → vm2: vm2 holds VIP 10.0.0.100, but the PERMANENT entry in qrouter on every node still points at vm1',
		expected: [
			{ruleId: 'dvr/stale-permanent-arp', severity: 'critical', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER},
			{ruleId: 'dvr/vip-at-risk', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER},
		],
	});
	cloudBasics(s);
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, VM1, VM2, VIP_PORT, CLIENT]);
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3'])
		dvrNode(s, n, {
			vipMac: VM1.mac,
			...(n === 'cmp-1' ? {vms: [vmIface(VM1, false)]} : n === 'cmp-2' ? {vms: [vmIface(VM2, true)]} : {}),
			...(n === 'gtw-1' ? {allNetns: true, qdhcpNeigh: [{ip: VIP, dev: 'tap4d5e6f7a-8b', mac: VM2.mac, state: 'REACHABLE'}]} : {}),
		});
	scenarios.push(s);
}
{
	// Octavia ACTIVE_STANDBY before any failover: entries right, owner only from the configured role.
	const s = new Scenario('at-risk', {
		description: 'Octavia ACTIVE_STANDBY load balancer on a DVR subnet, before any failover: entries point at the MASTER amphora (owner known only from the configured role)',
		expected: [
			{ruleId: 'dvr/vip-at-risk', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER},
			{ruleId: 'mosk/deployment', severity: 'warning', nodes: []},
		],
	});
	cloudBasics(s);
	const LB = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
	const AMP1 = 'b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e';
	const AMP2 = 'c1d2e3f4-a5b6-4c7d-9e8f-1a2b3c4d5e6f';
	const amp1Port: Port = {...VM1, name: `octavia-lb-vrrp-${AMP1}`, owner: 'compute:nova', deviceId: 'd1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a'};
	const amp2Port: Port = {...VM2, name: `octavia-lb-vrrp-${AMP2}`, owner: 'compute:nova', deviceId: 'e1f2a3b4-c5d6-4e7f-9a8b-1c2d3e4f5a6b'};
	const vipPort: Port = {...VIP_PORT, name: `octavia-lb-${LB}`, owner: 'Octavia', deviceId: `lb-${LB}`, adminUp: false};
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, amp1Port, amp2Port, vipPort, CLIENT]);
	const amp = (id: string, role: string, port: Port, compute: string, mgmt: string) => ({
		id,
		loadbalancer_id: LB,
		compute_id: compute,
		lb_network_ip: mgmt,
		vrrp_ip: port.ip,
		ha_ip: VIP,
		vrrp_port_id: port.id,
		ha_port_id: vipPort.id,
		cert_expiration: '2028-11-20T09:12:44',
		cert_busy: false,
		role,
		status: 'ALLOCATED',
		vrrp_interface: 'eth1',
		vrrp_id: 1,
		vrrp_priority: role === 'MASTER' ? 100 : 90,
		cached_zone: 'nova',
		created_at: '2026-11-20T09:12:44',
		updated_at: '2026-11-20T09:15:02',
		image_id: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9',
		compute_flavor: '65',
	});
	s.add({
		id: 'amphora-list',
		argv: ['openstack', 'loadbalancer', 'amphora', 'list', '--loadbalancer', LB, '-f', 'json'],
		kind: 'octavia-amphorae',
		stdout: `${JSON.stringify(
			[
				{id: AMP1, loadbalancer_id: LB, status: 'ALLOCATED', role: 'MASTER', lb_network_ip: '192.168.0.21', ha_ip: VIP},
				{id: AMP2, loadbalancer_id: LB, status: 'ALLOCATED', role: 'BACKUP', lb_network_ip: '192.168.0.22', ha_ip: VIP},
			],
			null,
			2,
		)}\n`,
	});
	s.add({id: 'amphora-show-1', argv: ['openstack', 'loadbalancer', 'amphora', 'show', AMP1, '-f', 'json'], kind: 'octavia-amphorae', stdout: `${JSON.stringify(amp(AMP1, 'MASTER', amp1Port, amp1Port.deviceId, '192.168.0.21'), null, 2)}\n`});
	s.add({id: 'amphora-show-2', argv: ['openstack', 'loadbalancer', 'amphora', 'show', AMP2, '-f', 'json'], kind: 'octavia-amphorae', stdout: `${JSON.stringify(amp(AMP2, 'BACKUP', amp2Port, amp2Port.deviceId, '192.168.0.22'), null, 2)}\n`});
	s.add({
		id: 'osdpl',
		argv: ['kubectl', '-n', 'openstack', 'get', 'openstackdeployment', '-o', 'json'],
		kind: 'osdpl',
		stdout: `${JSON.stringify(
			{
				apiVersion: 'v1',
				items: [
					{
						apiVersion: 'lcm.mirantis.com/v1alpha1',
						kind: 'OpenStackDeployment',
						metadata: {name: 'osh-dev', namespace: 'openstack'},
						spec: {
							openstack_version: 'caracal',
							preset: 'compute',
							size: 'tiny',
							features: {
								services: ['load-balancer'],
								neutron: {
									backend: 'ml2',
									tunnel_interface: 'ens3',
									dns_servers: ['10.172.1.100'],
									dvr: {enabled: true},
									external_networks: [{physnet: 'physnet1', interface: 'veth-phy', bridge: 'br-ex', network_types: ['flat']}],
									floating_network: {enabled: true, physnet: 'physnet1', subnet: {range: '172.24.4.0/24', pool_start: '172.24.4.100', pool_end: '172.24.4.200', gateway: '172.24.4.1'}},
								},
							},
						},
					},
				],
				kind: 'List',
				metadata: {resourceVersion: ''},
			},
			null,
			2,
		)}\n`,
	});
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3']) dvrNode(s, n, {vipMac: amp1Port.mac});
	scenarios.push(s);
}
{
	const s = new Scenario('divergence', {
		description: 'Before any failover the nodes disagree: cmp-1 points VIP 10.0.0.100 at vm1, the other nodes at vm2; who is master is not in the capture set',
		expected: [
			{ruleId: 'dvr/arp-divergence', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER},
			{ruleId: 'dvr/vip-at-risk', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER},
		],
	});
	cloudBasics(s);
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, VM1, VM2, VIP_PORT, CLIENT]);
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3']) dvrNode(s, n, {vipMac: n === 'cmp-1' ? VM1.mac : VM2.mac});
	scenarios.push(s);
}
{
	// Centralized (legacy) router: qrouter only on the network node, dynamic ARP; no DVR findings.
	const s = new Scenario('centralized', {
		description: 'A keepalived pair behind a centralized (non-distributed) router: the qrouter exists only on gtw-1 and learns the VIP dynamically',
		expected: [],
	});
	cloudBasics(s, false, false);
	const qrLegacy = {...QR_LB, owner: 'network:router_interface', host: 'gtw-1', vifType: 'ovs'};
	const qrAppLegacy = {...QR_APP, owner: 'network:router_interface', host: 'gtw-1', vifType: 'ovs'};
	s.ports([qrLegacy, qrAppLegacy, DHCP_LB, VM1, VM2, VIP_PORT, CLIENT]);
	s.add({id: 'gtw-1-netns', node: 'gtw-1', argv: ['ip', 'netns', 'list'], kind: 'ip-netns', stdout: `qrouter-${ROUTER} (id: 0)\nqdhcp-${LB_NET} (id: 1)\n`});
	s.add({
		id: 'gtw-1-qrouter-neigh',
		node: 'gtw-1',
		argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'neigh', 'show'],
		kind: 'ip-neigh',
		params: {namespace: `qrouter-${ROUTER}`},
		stdout: neighText([
			{ip: VIP, dev: QR_LB_DEV, mac: VM2.mac, state: 'REACHABLE'},
			{ip: VM1.ip, dev: QR_LB_DEV, mac: VM1.mac, state: 'STALE'},
			{ip: CLIENT.ip, dev: QR_APP_DEV, mac: CLIENT.mac, state: 'REACHABLE'},
		]),
	});
	s.add({id: 'gtw-1-qrouter-addr', node: 'gtw-1', argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'addr', 'show'], kind: 'ip-addr', params: {namespace: `qrouter-${ROUTER}`}, stdout: addrText(qrouterIfaces().slice(0, 2))});
	for (const n of ['cmp-1', 'cmp-2']) {
		const vm = vmIface(n === 'cmp-1' ? VM1 : VM2, n === 'cmp-2');
		s.add({id: `${n}-netns`, node: n, argv: ['ip', 'netns', 'list'], kind: 'ip-netns', stdout: `${vm.ns}\n`});
		s.add({id: `${n}-${vm.ns}-addr`, node: n, argv: ['ip', 'netns', 'exec', vm.ns, 'ip', 'addr', 'show'], kind: 'ip-addr', params: {namespace: vm.ns}, stdout: addrText(vm.ifaces)});
	}
	// br-tun on every node (legacy: no DVR flows; the l2pop responders list fixed IPs only), so the
	// ARP-responder check runs and the verdict can be OK; cmp-3 hosts nothing of this network.
	s.add({id: 'cmp-3-netns', node: 'cmp-3', argv: ['ip', 'netns', 'list'], kind: 'ip-netns', stdout: ''});
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3']) {
		const responders = [DHCP_LB, VM1, VM2].filter(p => p.host !== n).map(p => ({ip: p.ip, mac: p.mac, vlan: 1}));
		s.add({id: `${n}-br-tun-flows`, node: n, argv: ['ovs-ofctl', 'dump-flows', 'br-tun'], kind: 'ovs-flows', params: {bridge: 'br-tun'}, stdout: legacyBrTunFlows(responders)});
	}
	scenarios.push(s);
}
{
	// Neutron L3-HA router (no DVR): both network nodes claim primary, one with the pre-Victoria word "master".
	const s = new Scenario('l3ha-split-brain', {
		description: 'Neutron L3-HA router on gtw-1 and gtw-2: the state files say "primary" on gtw-1 and "master" (Neutron <= 16) on gtw-2 — split brain',
		expected: [{ruleId: 'vrrp/split-brain', severity: 'critical', nodes: ['gtw-1', 'gtw-2'], router: ROUTER}],
	});
	cloudBasics(s, false, true);
	const qrHa = {...QR_LB, owner: 'network:ha_router_replicated_interface', host: 'gtw-1', vifType: 'ovs'};
	s.ports([qrHa, DHCP_LB, VM1]);
	for (const [n, word] of [
		['gtw-1', 'primary'],
		['gtw-2', 'master'],
	] as const) {
		s.add({id: `${n}-netns`, node: n, argv: ['ip', 'netns', 'list'], kind: 'ip-netns', stdout: `qrouter-${ROUTER} (id: 0)\n`});
		s.add({id: `${n}-ha-state`, node: n, argv: ['cat', `/var/lib/neutron/ha_confs/${ROUTER}/state`], kind: 'neutron-ha-state', params: {router: ROUTER, path: `/var/lib/neutron/ha_confs/${ROUTER}/state`}, stdout: word});
		s.add({
			id: `${n}-qrouter-addr`,
			node: n,
			argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'addr', 'show'],
			kind: 'ip-addr',
			params: {namespace: `qrouter-${ROUTER}`},
			stdout: addrText([
				{name: 'ha-9f8e7d6c-5b', mac: n === 'gtw-1' ? 'fa:16:3e:9a:00:01' : 'fa:16:3e:9a:00:02', addrs: [{cidr: n === 'gtw-1' ? '169.254.192.5/18' : '169.254.192.6/18', brd: '169.254.255.255'}, {cidr: '169.254.0.1/24'}], state: 'UNKNOWN'},
				{name: QR_LB_DEV, mac: QR_LB.mac, addrs: [{cidr: '10.0.0.1/24'}], state: 'UNKNOWN'},
			]),
		});
	}
	scenarios.push(s);
}
{
	const s = new Scenario('binding-failed', {
		description: 'vm2\'s port (a VRRP member carrying VIP 10.0.0.100) is binding_failed: Neutron never writes its allowed-address-pair entries',
		expected: [
			{ruleId: 'vrrp/port-binding', severity: 'critical', nodes: ['cmp-2'], vip: VIP},
			{ruleId: 'dvr/vip-at-risk', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER},
		],
	});
	cloudBasics(s);
	const vm2 = {...VM2, vifType: 'binding_failed'};
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, VM1, vm2, VIP_PORT, CLIENT]);
	const ports = [SG_LB, DHCP_LB, VM1];
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3']) {
		dvrNode(s, n, {vipMac: VM1.mac, ...(n === 'cmp-1' ? {vms: [vmIface(VM1, true)]} : {})});
		// vm2's own fixed IP is not written either (unbound ports are filtered).
		const cap = s.captures.find(c => c.id === `${n}-qrouter-neigh`);
		if (cap !== undefined) {
			const text = neighText(qrouterNeigh(VM1.mac, {ports}));
			Object.assign(cap, {stdout: text, stdoutBytes: Buffer.byteLength(text)});
		}
	}
	scenarios.push(s);
}
{
	const s = new Scenario('pre-train', {
		description: 'Pre-Train flow layout (ARP block in br-tun table 1 priority 3): entries right today (vm1 master), VIP at risk',
		expected: [{ruleId: 'dvr/vip-at-risk', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER}],
		outcomes: {'ovs/dvr-arp-block': 'pass', 'dvr/stale-permanent-arp': 'pass'},
	});
	cloudBasics(s);
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, VM1, VM2, VIP_PORT, CLIENT]);
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3'])
		dvrNode(s, n, {vipMac: VM1.mac, layout: 'pre-train', ...(n === 'cmp-1' ? {vms: [vmIface(VM1, true)]} : n === 'cmp-2' ? {vms: [vmIface(VM2, false)]} : {})});
	scenarios.push(s);
}
{
	// Issue 11 case 5: hand-typed input. The qrouter addresses were pasted as a table no parser reads,
	// and no subnet list was captured. ovs/dvr-arp-block must not pass on an unreadable capture, and
	// dvr/vip-at-risk ties the VIP to the router through the ports JSON (fixed_ips subnet_id).
	const s = new Scenario('unreadable-no-subnets', {
		description: 'Hand-made set: qrouter addresses typed as a table (unreadable), no subnet list; VRRP pair vm1/vm2 with different MACs behind a DVR router',
		expected: [{ruleId: 'dvr/vip-at-risk', severity: 'warning', nodes: ['cmp-1', 'cmp-2', 'cmp-3', 'gtw-1'], vip: VIP, router: ROUTER}],
		outcomes: {'ovs/dvr-arp-block': 'skipped', 'dvr/vip-at-risk': 'fail', 'dvr/stale-permanent-arp': 'skipped'},
		captureErrors: ['gtw-1-qrouter-addr', 'cmp-1-qrouter-addr', 'cmp-2-qrouter-addr', 'cmp-3-qrouter-addr'],
	});
	s.add({id: 'routers', argv: ['openstack', 'router', 'list', '--long', '-f', 'json'], kind: 'openstack-routers', stdout: routerList(true, false)});
	s.ports([QR_LB, QR_APP, SG_LB, DHCP_LB, VM1, VM2, VIP_PORT, CLIENT]);
	const typed = [
		'Interface          | State | Addresses',
		'-------------------+-------+-----------------------------',
		`${QR_LB_DEV.padEnd(18)} | UP    | ${QR_LB.ip}/24`,
		`${QR_APP_DEV.padEnd(18)} | UP    | ${QR_APP.ip}/24`,
		'',
	].join('\n');
	for (const n of ['gtw-1', 'cmp-1', 'cmp-2', 'cmp-3']) {
		dvrNode(s, n, {vipMac: VM1.mac, ...(n === 'cmp-1' ? {vms: [vmIface(VM1, true)]} : n === 'cmp-2' ? {vms: [vmIface(VM2, false)]} : {})});
		const cap = s.captures.find(c => c.id === `${n}-qrouter-addr`);
		if (cap !== undefined) Object.assign(cap, {stdout: typed, stdoutBytes: Buffer.byteLength(typed), via: 'manual'});
	}
	scenarios.push(s);
}
{
	// Only node neighbour tables; the cloud API captures failed. Rules that need them are skipped.
	const s = new Scenario('missing-captures', {
		description: 'The OpenStack API was unreachable and OVS flows failed: only neighbour tables were captured',
		expected: [],
		outcomes: {
			'dvr/stale-permanent-arp': 'skipped',
			'dvr/vip-at-risk': 'skipped',
			'dvr/arp-missing': 'skipped',
			'vrrp/port-binding': 'skipped',
			'ovs/dvr-arp-block': 'skipped',
			'mosk/deployment': 'skipped',
			'dvr/arp-divergence': 'skipped',
		},
		captureErrors: ['ports', 'cmp-1-br-tun-flows'],
	});
	s.add({id: 'ports', argv: ['openstack', 'port', 'list', '--long', '-f', 'json'], kind: 'openstack-ports', stdout: '', exitCode: null, failure: {kind: 'timeout', message: 'no answer after 120000 ms'}});
	s.add({id: 'cmp-1-br-tun-flows', node: 'cmp-1', argv: ['ovs-ofctl', 'dump-flows', 'br-tun'], kind: 'ovs-flows', params: {bridge: 'br-tun'}, stdout: '', stderr: 'ovs-ofctl: br-tun is not a bridge or a socket\n', exitCode: 1});
	for (const n of ['gtw-1', 'cmp-1'])
		s.add({id: `${n}-qrouter-neigh`, node: n, argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'neigh', 'show'], kind: 'ip-neigh', params: {namespace: `qrouter-${ROUTER}`}, stdout: neighText(qrouterNeigh(VM1.mac))});
	scenarios.push(s);
}

for (const s of scenarios) {
	await s.write(s.name === 'l3ha-split-brain' ? [{id: 'gtw-1', roles: ['network']}, {id: 'gtw-2', roles: ['network']}] : NODES);
	console.log(`wrote test/scenarios/${s.name} (${s.captures.length} captures)`);
}
