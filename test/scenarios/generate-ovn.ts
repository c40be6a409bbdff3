// Writes the ml2/ovn and tungstenfabric scenario directories (run: npx tsx test/scenarios/generate-ovn.ts).
// OVN NB/SB captures are the fixtures RECORDED from real OVN 23.03 tools (test/fixtures/ovn/record.ts);
// the OpenStack API, OpenStackDeployment, agent list and node captures are GENERATED in the real
// formats (python-openstackclient -f json, kubectl -o json, iproute2 6.1 ip -j) for the same cloud
// (test/fixtures/ovn/topology.ts). Expected findings come from each scenario's intent.
import {readFileSync} from 'node:fs';
import {rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {toCaptureMeta, writeCaptureSet} from '../../src/bundle/capture-set.js';
import {CATALOG} from '../../src/collectors/catalog.js';
import type {Capture, CaptureParams, NodeInfo} from '../../src/model/capture.js';
import type {ParserKind} from '../../src/model/facts.js';
import {OVN} from '../fixtures/ovn/topology.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIX = path.join(HERE, '../fixtures/ovn');
const fixture = (name: string): string => readFileSync(path.join(FIX, name), 'utf8');
const words = (id: keyof typeof CATALOG): string[] =>
	CATALOG[id].argv.map(t => (typeof t === 'string' ? t : '?'));

type Expected = {ruleId: string; severity: string; nodes: string[]; vip?: string};

class Set_ {
	private readonly captures: Capture[] = [];
	private seq = 0;
	constructor(
		readonly name: string,
		readonly description: string,
		readonly expected: Expected[],
		readonly outcomes: Record<string, string> = {},
	) {}

	add(c: {id: string; node?: string; argv: string[]; kind?: ParserKind; params?: CaptureParams; stdout: string; stderr?: string; exitCode?: number; catalogId?: string}): void {
		this.seq++;
		this.captures.push(
			toCaptureMeta({
				id: c.id,
				scope: c.node === undefined ? 'cloud' : 'node',
				...(c.node !== undefined ? {node: c.node} : {}),
				argv: c.argv,
				...(c.kind !== undefined ? {kind: c.kind} : {}),
				...(c.params !== undefined ? {params: c.params} : {}),
				...(c.catalogId !== undefined ? {catalogId: c.catalogId} : {}),
				exitCode: c.exitCode ?? 0,
				startedAt: `2026-12-07T10:00:${String(this.seq).padStart(2, '0')}.000Z`,
				durationMs: 120,
				stdout: c.stdout,
				stderr: c.stderr ?? '',
				via: c.node === undefined ? 'kubectl' : 'ssh',
			}),
		);
	}

	async write(nodes: readonly NodeInfo[]): Promise<void> {
		const dir = path.join(HERE, this.name);
		await rm(dir, {recursive: true, force: true});
		await writeCaptureSet(dir, {
			manifest: {
				format: 'dvrscope-capture-set',
				schemaVersion: 1,
				createdAt: '2026-12-07T10:00:00.000Z',
				tool: {name: 'dvrscope', version: '0.1.0'},
				description: this.description,
				source: 'sample',
				nodes: [...nodes],
				captures: this.captures,
			},
			captures: this.captures,
		});
		const golden = {scenario: this.name, description: this.description, findings: this.expected, outcomes: this.outcomes};
		await writeFile(path.join(dir, 'expected.json'), `${JSON.stringify(golden, null, '\t')}\n`);
	}
}

const OVN_NODES: NodeInfo[] = [
	{id: 'ctl', roles: ['controller', 'ovn-db'], transport: 'ssh'},
	{id: 'chassis-1', roles: ['compute'], transport: 'ssh'},
	{id: 'chassis-2', roles: ['compute'], transport: 'ssh'},
	{id: 'chassis-3', roles: ['compute', 'gateway'], transport: 'ssh'},
];

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function osdpl(backend: string, preset = 'compute'): string {
	return json({
		apiVersion: 'v1',
		kind: 'List',
		items: [
			{
				apiVersion: 'lcm.mirantis.com/v1alpha1',
				kind: 'OpenStackDeployment',
				metadata: {name: 'osh-dev', namespace: 'openstack'},
				spec: {
					openstack_version: 'antelope',
					preset,
					features: {neutron: {backend, tunnel_interface: 'ens3', dns_servers: ['10.172.1.100']}},
				},
			},
		],
	});
}

function agents(dead: readonly string[] = []): string {
	const rows = OVN.chassis.flatMap((c, i) => [
		{
			ID: `a${i}000000-0000-4000-8000-000000000001`,
			'Agent Type': c.name === 'chassis-3' ? 'OVN Controller Gateway agent' : 'OVN Controller agent',
			Host: c.host,
			'Availability Zone': '',
			Alive: !dead.includes(c.name),
			State: true,
			Binary: 'ovn-controller',
		},
		{
			ID: `b${i}000000-0000-4000-8000-000000000002`,
			'Agent Type': 'OVN Metadata agent',
			Host: c.host,
			'Availability Zone': '',
			Alive: !dead.includes(c.name),
			State: true,
			Binary: 'neutron-ovn-metadata-agent',
		},
	]);
	return json(rows);
}

type PortSpec = {id: string; name: string; mac: string; ip: string; net: string; aap: readonly string[]; owner: string; host?: string};

function portShow(p: PortSpec): string {
	const subnet = OVN.nets.find(n => n.id === p.net)?.subnet ?? '';
	return json({
		admin_state_up: 'UP',
		allowed_address_pairs: p.aap.map(ip => ({ip_address: ip, mac_address: p.mac})),
		binding_host_id: p.host ?? '',
		binding_vif_type: p.host !== undefined ? 'ovs' : 'unbound',
		device_owner: p.owner,
		fixed_ips: [{subnet_id: subnet, ip_address: p.ip}],
		id: p.id,
		mac_address: p.mac,
		name: p.name,
		network_id: p.net,
		port_security_enabled: true,
		status: p.host !== undefined ? 'ACTIVE' : 'DOWN',
	});
}

function ports(aap: (vm: string) => readonly string[]): PortSpec[] {
	return [
		...OVN.ports.map(p => ({id: p.id, name: p.name, mac: p.mac, ip: p.ip, net: p.net, aap: p.name === 'client' ? [] : aap(p.name), owner: p.owner, host: p.chassis})),
		{id: OVN.vip.port, name: 'vip', mac: OVN.vip.mac, ip: OVN.vip.ip, net: OVN.vip.net, aap: [], owner: ''},
	];
}

function addApi(s: Set_, list: readonly PortSpec[]): void {
	s.add({
		id: 'cloud.os.ports',
		argv: words('os.ports'),
		kind: 'openstack-ports',
		catalogId: 'os.ports',
		stdout: json(
			list.map(p => ({
				ID: p.id,
				Name: p.name,
				'MAC Address': p.mac,
				'Fixed IP Addresses': [{subnet_id: OVN.nets.find(n => n.id === p.net)?.subnet, ip_address: p.ip}],
				Status: p.host !== undefined ? 'ACTIVE' : 'DOWN',
				'Device Owner': p.owner,
			})),
		),
	});
	for (const p of list)
		s.add({id: `cloud.os.port-show.${p.id}`, argv: ['openstack', 'port', 'show', p.id, '-f', 'json'], kind: 'openstack-ports', catalogId: 'os.port-show', stdout: portShow(p)});
	s.add({
		id: 'cloud.os.subnets',
		argv: words('os.subnets'),
		kind: 'openstack-subnets',
		catalogId: 'os.subnets',
		stdout: json(OVN.nets.map(n => ({ID: n.subnet, Name: `${n.name}-subnet`, Network: n.id, Subnet: n.cidr}))),
	});
	s.add({
		id: 'cloud.os.routers',
		argv: words('os.routers'),
		kind: 'openstack-routers',
		catalogId: 'os.routers',
		stdout: json([{ID: OVN.router.id, Name: 'r1', Status: 'ACTIVE', State: true, Distributed: false, HA: false}]),
	});
}

/** `ip -j addr show` of a VM namespace: eth0 with its fixed IP, plus the VIP when it holds it. */
function vmAddr(mac: string, ip: string, holdsVip: boolean): string {
	const inet = (local: string): object => ({family: 'inet', local, prefixlen: 24, broadcast: '10.0.0.255', scope: 'global', label: 'eth0', valid_life_time: 4294967295, preferred_life_time: 4294967295});
	return `${JSON.stringify([
		{ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536, qdisc: 'noqueue', operstate: 'UNKNOWN', group: 'default', txqlen: 1000, link_type: 'loopback', address: '00:00:00:00:00:00', broadcast: '00:00:00:00:00:00', addr_info: [{family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host', label: 'lo', valid_life_time: 4294967295, preferred_life_time: 4294967295}]},
		{ifindex: 2, link_index: 5, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1442, qdisc: 'noqueue', operstate: 'UP', group: 'default', txqlen: 1000, link_type: 'ether', address: mac, broadcast: 'ff:ff:ff:ff:ff:ff', link_netnsid: 0, addr_info: [inet(ip), ...(holdsVip ? [inet(OVN.vip.ip)] : [])]},
	])}\n`;
}

/** One chassis: its namespaces, its Open_vSwitch row and the VM namespaces' addresses. */
function addChassis(s: Set_, holder: string): void {
	const row = fixture('ovs-vsctl-list-open-vswitch-chassis.json');
	for (const c of OVN.chassis) {
		const vms = OVN.ports.filter(p => p.chassis === c.name);
		s.add({id: `${c.name}.netns.list`, node: c.name, argv: words('netns.list'), kind: 'ip-netns', catalogId: 'netns.list', stdout: `${JSON.stringify(vms.map((v, i) => ({name: v.name, id: i})))}\n`});
		s.add({
			id: `${c.name}.ovs.open-vswitch`,
			node: c.name,
			argv: words('ovs.open-vswitch'),
			kind: 'ovsdb-json',
			catalogId: 'ovs.open-vswitch',
			stdout: row.replaceAll('chassis-1', c.name).replace('192.0.2.11', c.ip),
		});
		for (const v of vms)
			s.add({id: `${c.name}.vm.${v.name}.addr`, node: c.name, argv: ['ip', '-n', v.name, '-j', 'addr', 'show'], kind: 'ip-addr', params: {namespace: v.name}, stdout: vmAddr(v.mac, v.ip, v.name === holder)});
	}
}

function addDbs(s: Set_, nb: string, sb: string, failed = false): void {
	const fail = {stdout: '', stderr: 'ovn-nbctl: unix:/var/run/ovn/ovnnb_db.sock: database connection failed (No such file or directory)\n', exitCode: 1};
	s.add({id: 'ctl.ovn.nb', node: 'ctl', argv: words('ovn.nb'), kind: 'ovn-db', catalogId: 'ovn.nb', ...(failed ? fail : {stdout: fixture(nb)})});
	s.add({id: 'ctl.ovn.sb', node: 'ctl', argv: words('ovn.sb'), kind: 'ovn-db', catalogId: 'ovn.sb', ...(failed ? {...fail, stderr: fail.stderr.replaceAll('nb', 'sb')} : {stdout: fixture(sb)})});
}

function ovnCloud(s: Set_, opts: {holder: string; nb?: string; sb?: string; dbFailed?: boolean; dead?: string[]; cidr?: boolean}): void {
	s.add({id: 'cloud.kube.osdpl', argv: ['kubectl', 'get', 'openstackdeployment', '-A', '-o', 'json'], kind: 'osdpl', catalogId: 'kube.osdpl', stdout: osdpl('ml2/ovn')});
	s.add({id: 'cloud.os.agents', argv: words('os.agents'), kind: 'openstack-agents', catalogId: 'os.agents', stdout: agents(opts.dead)});
	addApi(s, ports(() => [opts.cidr === true ? '10.0.0.96/28' : OVN.vip.ip]));
	addDbs(s, opts.nb ?? 'ovn-nbctl-list-healthy.json', opts.sb ?? 'ovn-sbctl-list-healthy.json', opts.dbFailed);
	addChassis(s, opts.holder);
}

const DVR_RULES_NA = {
	'dvr/stale-permanent-arp': 'skipped',
	'dvr/vip-at-risk': 'skipped',
	'ovs/dvr-arp-block': 'skipped',
	'ovs/arp-responder-vip': 'skipped',
};
const VIP = OVN.vip.ip;

async function main(): Promise<void> {
	const healthy = new Set_('ovn-healthy', 'ml2/ovn: vm1 holds VIP 10.0.0.100; the virtual port and the router MAC_Binding agree (OVN DBs recorded from real OVN 23.03)', [], {
		...DVR_RULES_NA,
		'ovn/virtual-parent-stale': 'pass',
		'ovn/stale-mac-binding': 'pass',
		'ovn/vip-port-not-virtual': 'pass',
		'ovn/vip-port-security': 'pass',
		'ovn/holder-chassis-down': 'pass',
	});
	ovnCloud(healthy, {holder: 'vm1'});
	await healthy.write(OVN_NODES);

	const stale = new Set_(
		'ovn-failover-stale',
		'ml2/ovn after a failover vm1 → vm2 whose gratuitous ARP never reached OVN: SB still binds the virtual port to vm1 and the MAC_Binding says vm1 (LAB-OVN.md "GARP missed")',
		[
			{ruleId: 'ovn/virtual-parent-stale', severity: 'critical', nodes: ['chassis-2'], vip: VIP},
			{ruleId: 'ovn/stale-mac-binding', severity: 'critical', nodes: ['chassis-2'], vip: VIP},
		],
		DVR_RULES_NA,
	);
	ovnCloud(stale, {holder: 'vm2'});
	await stale.write(OVN_NODES);

	const down = new Set_(
		'ovn-chassis-down',
		'ml2/ovn: chassis-1 (vm1, the bound parent) is down, vm2 took over without a GARP reaching OVN',
		[
			{ruleId: 'ovn/virtual-parent-stale', severity: 'critical', nodes: ['chassis-2'], vip: VIP},
			{ruleId: 'ovn/stale-mac-binding', severity: 'critical', nodes: ['chassis-2'], vip: VIP},
			{ruleId: 'ovn/holder-chassis-down', severity: 'critical', nodes: [], vip: VIP},
		],
		DVR_RULES_NA,
	);
	ovnCloud(down, {holder: 'vm2', dead: ['chassis-1']});
	await down.write(OVN_NODES);

	const cidr = new Set_(
		'ovn-aap-cidr',
		'ml2/ovn: the members carry 10.0.0.96/28 as allowed address pair, so the port holding the VIP stays a normal LSP (LAB-OVN.md "AAP given as a CIDR")',
		[{ruleId: 'ovn/vip-port-not-virtual', severity: 'critical', nodes: [], vip: VIP}],
		DVR_RULES_NA,
	);
	ovnCloud(cidr, {holder: 'vm1', nb: 'ovn-nbctl-list-aap-cidr.json', sb: 'ovn-sbctl-list-aap-cidr.json', cidr: true});
	await cidr.write(OVN_NODES);

	const noDb = new Set_(
		'ovn-no-db',
		'ml2/ovn cloud whose OVN NB/SB could not be read: the DVR rules do not apply and the OVN rules cannot run, so the verdict is INCOMPLETE, never OK',
		[],
		{...DVR_RULES_NA, 'ovn/virtual-parent-stale': 'skipped', 'ovn/stale-mac-binding': 'skipped'},
	);
	ovnCloud(noDb, {holder: 'vm1', dbFailed: true});
	await noDb.write(OVN_NODES);

	const tf = new Set_(
		'tf-out-of-scope',
		'A Tungsten Fabric cloud (spec:features:neutron:backend tungstenfabric, vhost0 on the compute): recognised and reported out of scope, INCOMPLETE, never OK',
		[],
		{'dvr/stale-permanent-arp': 'skipped', 'vrrp/port-binding': 'skipped', 'ovn/virtual-parent-stale': 'skipped'},
	);
	tf.add({id: 'cloud.kube.osdpl', argv: ['kubectl', 'get', 'openstackdeployment', '-A', '-o', 'json'], kind: 'osdpl', catalogId: 'kube.osdpl', stdout: osdpl('tungstenfabric', 'compute-tf')});
	addApi(tf, ports(() => [VIP]));
	tf.add({
		id: 'cmp-1.host.addr',
		node: 'cmp-1',
		argv: words('host.addr'),
		kind: 'ip-addr',
		catalogId: 'host.addr',
		stdout: vmAddr('fa:16:3e:00:00:01', '10.0.0.2', false).replace('"eth0"', '"vhost0"').replace('"label":"eth0"', '"label":"vhost0"'),
	});
	await tf.write([{id: 'cmp-1', roles: ['compute'], transport: 'ssh'}]);
	console.log('wrote ovn-healthy, ovn-failover-stale, ovn-chassis-down, ovn-aap-cidr, ovn-no-db, tf-out-of-scope');
}

await main();
