// Turns a recording of lab/ovn-probe/record-stale.sh (a REAL ML2/OVN lab: neutron-server 21 with the
// OVN driver, OVN 23.03 northd/NB/SB, ovn-controller per chassis) into the capture set
// test/scenarios/ovn-lab-stale-real. Run: npx tsx test/scenarios/from-ovn-probe.ts /tmp/i15-ovnrec
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {toCaptureMeta, writeCaptureSet} from '../../src/bundle/capture-set.js';
import {CATALOG} from '../../src/collectors/catalog.js';
import type {Capture, CaptureParams, NodeInfo} from '../../src/model/capture.js';
import type {ParserKind} from '../../src/model/facts.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const IN = process.argv[2] ?? '/tmp/i15-ovnrec';
const read = (p: string): string => readFileSync(path.join(IN, p), 'utf8');
const words = (id: keyof typeof CATALOG): string[] => CATALOG[id].argv.map(t => (typeof t === 'string' ? t : '?'));
const ids = Object.fromEntries(
	read('ids.env')
		.split(/\s+/)
		.filter(w => w.includes('='))
		.map(w => w.split('=') as [string, string]),
);

const captures: Capture[] = [];
let seq = 0;
const add = (c: {id: string; node?: string; argv: string[]; kind: ParserKind; params?: CaptureParams; stdout: string; catalogId?: string; via: string}): void => {
	seq++;
	captures.push(
		toCaptureMeta({
			id: c.id,
			scope: c.node === undefined ? 'cloud' : 'node',
			...(c.node !== undefined ? {node: c.node} : {}),
			argv: c.argv,
			kind: c.kind,
			...(c.params !== undefined ? {params: c.params} : {}),
			...(c.catalogId !== undefined ? {catalogId: c.catalogId} : {}),
			exitCode: 0,
			startedAt: `2026-12-07T12:10:${String(seq).padStart(2, '0')}.000Z`,
			durationMs: 100,
			stdout: c.stdout,
			stderr: '',
			via: c.via,
		}),
	);
};

add({id: 'cloud.os.ports', argv: words('os.ports'), kind: 'openstack-ports', catalogId: 'os.ports', stdout: read('cloud/ports.json'), via: 'api'});
for (const f of readdirSync(path.join(IN, 'cloud')).filter(f => f.startsWith('port-show.'))) {
	const id = f.slice('port-show.'.length, -'.json'.length);
	add({id: `cloud.os.port-show.${id}`, argv: ['openstack', 'port', 'show', id, '-f', 'json'], kind: 'openstack-ports', catalogId: 'os.port-show', stdout: read(`cloud/${f}`), via: 'api'});
}
add({id: 'cloud.os.subnets', argv: words('os.subnets'), kind: 'openstack-subnets', catalogId: 'os.subnets', stdout: read('cloud/subnets.json'), via: 'api'});
add({id: 'cloud.os.routers', argv: words('os.routers'), kind: 'openstack-routers', catalogId: 'os.routers', stdout: read('cloud/routers.json'), via: 'api'});
add({id: 'cloud.os.agents', argv: words('os.agents'), kind: 'openstack-agents', catalogId: 'os.agents', stdout: read('cloud/agents.json'), via: 'api'});
add({id: 'ctl.ovn.nb', node: 'ctl', argv: words('ovn.nb'), kind: 'ovn-db', catalogId: 'ovn.nb', stdout: read('nodes/ctl/ovn.nb.stdout'), via: 'nsenter'});
add({id: 'ctl.ovn.sb', node: 'ctl', argv: words('ovn.sb'), kind: 'ovn-db', catalogId: 'ovn.sb', stdout: read('nodes/ctl/ovn.sb.stdout'), via: 'nsenter'});
const chassis = ['chassis-1', 'chassis-2', 'chassis-3'];
for (const n of chassis) {
	add({id: `${n}.ovs.open-vswitch`, node: n, argv: words('ovs.open-vswitch'), kind: 'ovsdb-json', catalogId: 'ovs.open-vswitch', stdout: read(`nodes/${n}/ovs.open-vswitch.stdout`), via: 'nsenter'});
	add({id: `${n}.netns.list`, node: n, argv: words('netns.list'), kind: 'ip-netns', catalogId: 'netns.list', stdout: read(`nodes/${n}/netns.list.stdout`), via: 'nsenter'});
	for (const vm of ['vm1', 'vm2', 'client'])
		if (existsSync(path.join(IN, `nodes/${n}/vm.${vm}.addr.stdout`)))
			add({id: `${n}.vm.${vm}.addr`, node: n, argv: ['ip', '-n', vm, '-j', 'addr', 'show'], kind: 'ip-addr', params: {namespace: vm}, stdout: read(`nodes/${n}/vm.${vm}.addr.stdout`), via: 'nsenter'});
}
const nodes: NodeInfo[] = [
	{id: 'ctl', roles: ['controller', 'ovn-db'], transport: 'local'},
	...chassis.map(id => ({id, roles: ['compute' as const], transport: 'local'})),
];
const stale = read('ping-stale.txt').match(/(\d+) received/)?.[1] ?? '?';
const healthy = read('ping-healthy.txt').match(/(\d+) received/)?.[1] ?? '?';
const description = `REAL ML2/OVN lab (neutron-server 21 + OVN 23.03, ovn-controller per chassis): VIP 10.0.0.100 moved vm1 → vm2 without a gratuitous ARP; client ping to the VIP: ${healthy}/5 before, ${stale}/10 after`;
const name = 'ovn-lab-stale-real';
const dir = path.join(HERE, name);
await rm(dir, {recursive: true, force: true});
await writeCaptureSet(dir, {
	manifest: {format: 'dvrscope-capture-set', schemaVersion: 1, createdAt: '2026-12-07T12:10:00.000Z', tool: {name: 'dvrscope', version: '0.1.0'}, description, source: 'ovn-probe', nodes, captures},
	captures,
});
const golden = {
	scenario: name,
	description,
	findings: [{ruleId: 'ovn/virtual-parent-stale', severity: 'critical', nodes: ['chassis-2'], vip: '10.0.0.100'}],
	outcomes: {'dvr/stale-permanent-arp': 'skipped', 'ovn/virtual-parent-stale': 'fail'},
};
await writeFile(path.join(dir, 'expected.json'), `${JSON.stringify(golden, null, '\t')}\n`);
console.log(`wrote ${dir} (${captures.length} captures; port ids ${ids['PORT_vm1'] ?? '?'} …)`);
