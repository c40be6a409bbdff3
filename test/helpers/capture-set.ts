import {toCaptureMeta} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import type {Capture, CaptureParams, CaptureSet, NodeInfo} from '../../src/model/capture.js';
import type {ParserKind} from '../../src/model/facts.js';
import type {Snapshot} from '../../src/model/snapshot.js';

export type CaptureSpec = {
	readonly id?: string;
	readonly node?: string;
	readonly kind?: ParserKind;
	readonly params?: CaptureParams;
	readonly argv?: readonly string[];
	readonly stdout: string;
	readonly stderr?: string;
	readonly exitCode?: number | null;
	readonly failure?: Capture['failure'];
};

/** An in-memory capture set from capture texts (ids default to `c1`, `c2` …). */
export function captureSet(
	captures: readonly CaptureSpec[],
	nodes: readonly NodeInfo[] = [],
): CaptureSet {
	const built = captures.map((c, i) =>
		toCaptureMeta({
			id: c.id ?? `c${i + 1}`,
			scope: c.node === undefined ? 'cloud' : 'node',
			...(c.node !== undefined ? {node: c.node} : {}),
			argv: [...(c.argv ?? ['true'])],
			...(c.kind !== undefined ? {kind: c.kind} : {}),
			...(c.params !== undefined ? {params: c.params} : {}),
			exitCode: c.exitCode === undefined ? 0 : c.exitCode,
			startedAt: '2026-11-26T03:00:00.000Z',
			durationMs: 1,
			...(c.failure !== undefined ? {failure: c.failure} : {}),
			stdout: c.stdout,
			stderr: c.stderr ?? '',
		}),
	);
	return {
		manifest: {
			format: 'dvrscope-capture-set',
			schemaVersion: 1,
			createdAt: '2026-11-26T03:00:00.000Z',
			tool: {name: 'dvrscope', version: 'test'},
			source: 'sample',
			nodes: [...nodes],
			captures: built,
		},
		captures: built,
	};
}

/** Assemble a snapshot (real parsers) from capture texts. */
export const snapshotOf = (
	captures: readonly CaptureSpec[],
	nodes: readonly NodeInfo[] = [],
): Snapshot => assembleSnapshot(captureSet(captures, nodes));

// ─── small builders for rule tests (real command formats) ─────────────────────

export const ROUTER = '4d7928a0-4a3c-4b99-b01b-97da2f97e279';
export const QR = 'qr-102c4426-86';

type PortSpec = {
	id: string;
	mac: string;
	ip: string;
	name?: string;
	host?: string;
	vifType?: string;
	owner?: string;
	deviceId?: string;
	aap?: readonly {ip: string; mac?: string}[];
	subnet?: string;
};

/** `openstack port show -f json` objects in one JSON list. */
export function portsJson(ports: readonly PortSpec[]): string {
	return `${JSON.stringify(
		ports.map(p => ({
			id: p.id,
			name: p.name ?? '',
			mac_address: p.mac,
			network_id: '353f5937-41ba-4a3c-8225-fa1af2538141',
			fixed_ips: [
				{subnet_id: p.subnet ?? '9b1c2d3e-4f50-4a61-8b72-c3d4e5f60718', ip_address: p.ip},
			],
			allowed_address_pairs: (p.aap ?? []).map(a => ({
				ip_address: a.ip,
				mac_address: a.mac ?? p.mac,
			})),
			binding_host_id: p.host ?? '',
			binding_vif_type: p.vifType ?? (p.host !== undefined ? 'ovs' : 'unbound'),
			device_owner: p.owner ?? 'compute:nova',
			device_id: p.deviceId ?? '',
			status: 'ACTIVE',
		})),
		null,
		2,
	)}\n`;
}

export const routersJson = (distributed: boolean, ha = false): string =>
	`${JSON.stringify([{ID: ROUTER, Name: 'lb-router', Status: 'ACTIVE', State: true, Distributed: distributed, HA: ha}], null, 2)}\n`;

export const subnetsJson = (): string =>
	`${JSON.stringify([{ID: '9b1c2d3e-4f50-4a61-8b72-c3d4e5f60718', Name: 'lb-subnet', Network: '353f5937-41ba-4a3c-8225-fa1af2538141', Subnet: '10.0.0.0/24'}], null, 2)}\n`;

export const neigh = (
	entries: readonly [ip: string, mac: string | undefined, state: string][],
	dev = QR,
): string =>
	entries
		.map(
			([ip, mac, state]) =>
				`${ip} dev ${dev}${mac !== undefined ? ` lladdr ${mac}` : ''} ${state} \n`,
		)
		.join('');

export const qrouterAddr = (): string =>
	[
		'1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
		'    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
		'    inet 127.0.0.1/8 scope host lo',
		'       valid_lft forever preferred_lft forever',
		`2: ${QR}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000`,
		'    link/ether fa:16:3e:72:7a:50 brd ff:ff:ff:ff:ff:ff',
		`    inet 10.0.0.1/24 brd 10.0.0.255 scope global ${QR}`,
		'       valid_lft forever preferred_lft forever',
		'',
	].join('\n');

/** `ip addr show` of a VM namespace: eth0 with `mac`, optionally holding the VIP. */
export const vmAddr = (mac: string, ip: string, vip?: string): string =>
	[
		'1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
		'    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
		'    inet 127.0.0.1/8 scope host lo',
		'       valid_lft forever preferred_lft forever',
		'2: eth0@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000',
		`    link/ether ${mac} brd ff:ff:ff:ff:ff:ff link-netnsid 0`,
		`    inet ${ip}/24 brd 10.0.0.255 scope global eth0`,
		'       valid_lft forever preferred_lft forever',
		...(vip !== undefined
			? [`    inet ${vip}/32 scope global eth0`, '       valid_lft forever preferred_lft forever']
			: []),
		'',
	].join('\n');

export const qrouterNeighCapture = (node: string, text: string): CaptureSpec => ({
	id: `${node}-neigh`,
	node,
	kind: 'ip-neigh',
	params: {namespace: `qrouter-${ROUTER}`},
	argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'neigh', 'show'],
	stdout: text,
});
