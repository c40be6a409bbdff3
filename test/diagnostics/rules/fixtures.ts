import {
	type CaptureSpec,
	neigh,
	portsJson,
	qrouterAddr,
	qrouterNeighCapture,
	ROUTER,
	routersJson,
	subnetsJson,
	vmAddr,
} from '../../helpers/capture-set.js';

export const VIP = '10.0.0.100';
export const M1 = 'fa:16:3e:11:11:11';
export const M2 = 'fa:16:3e:22:22:22';
export const VIP_MAC = 'fa:16:3e:aa:aa:aa';
export const VMAC = '00:00:5e:00:01:33';
export const NODES = ['cmp-1', 'cmp-2', 'cmp-3'] as const;

export const QR_PORT = {
	id: '102c4426-8605-4b1e-9d55-0c0a5b4f1a11',
	mac: 'fa:16:3e:72:7a:50',
	ip: '10.0.0.1',
	owner: 'network:router_interface_distributed',
	deviceId: ROUTER,
	vifType: 'distributed',
};
export const VM1 = {
	id: '5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8091',
	name: 'vm1-port',
	mac: M1,
	ip: '10.0.0.11',
	host: 'cmp-1',
	aap: [{ip: VIP}],
};
export const VM2 = {
	id: '6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8091a2',
	name: 'vm2-port',
	mac: M2,
	ip: '10.0.0.12',
	host: 'cmp-2',
	aap: [{ip: VIP}],
};
export const VIP_PORT = {
	id: '7a8b9c0d-1e2f-4a3b-8c4d-6e7f8091a2b3',
	name: 'vip-port',
	mac: VIP_MAC,
	ip: VIP,
	owner: 'Octavia',
};

type Options = {
	distributed?: boolean;
	/** VIP MAC per node in the qrouter (undefined: no entry). */
	vipMacs?: Partial<Record<string, string | undefined>>;
	ports?: readonly Parameters<typeof portsJson>[0][number][];
	/** Namespace holding the VIP: vm1 (cmp-1) or vm2 (cmp-2); none: VM namespaces not captured. */
	holder?: 'vm1' | 'vm2' | 'nobody';
	extra?: readonly CaptureSpec[];
	/** Entries written for the fixed IPs (default: vm1 and vm2). */
	fixed?: readonly [string, string][];
};

/** A DVR cloud: router on 10.0.0.0/24, qrouter on cmp-1..3, VRRP pair vm1 (cmp-1) / vm2 (cmp-2). */
export function dvrCaptures(o: Options = {}): CaptureSpec[] {
	const ports = o.ports ?? [QR_PORT, VM1, VM2, VIP_PORT];
	const caps: CaptureSpec[] = [
		{id: 'routers', kind: 'openstack-routers', stdout: routersJson(o.distributed ?? true)},
		{id: 'subnets', kind: 'openstack-subnets', stdout: subnetsJson()},
		{id: 'ports', kind: 'openstack-ports', stdout: portsJson(ports)},
	];
	const vipMacs = o.vipMacs ?? {'cmp-1': M1, 'cmp-2': M1, 'cmp-3': M1};
	for (const node of NODES) {
		const fixed = o.fixed ?? [
			['10.0.0.11', M1],
			['10.0.0.12', M2],
		];
		const entries: [string, string | undefined, string][] = fixed.map(([ip, mac]) => [
			ip,
			mac,
			'PERMANENT',
		]);
		const vipMac = vipMacs[node];
		if (vipMac !== undefined) entries.push([VIP, vipMac, 'PERMANENT']);
		caps.push(qrouterNeighCapture(node, neigh(entries)));
		caps.push({
			id: `${node}-qr-addr`,
			node,
			kind: 'ip-addr',
			params: {namespace: `qrouter-${ROUTER}`},
			stdout: qrouterAddr(),
		});
	}
	if (o.holder !== undefined && o.holder !== 'nobody') {
		caps.push(
			{
				id: 'vm1-addr',
				node: 'cmp-1',
				kind: 'ip-addr',
				params: {namespace: 'vm1'},
				stdout: vmAddr(M1, '10.0.0.11', o.holder === 'vm1' ? VIP : undefined),
			},
			{
				id: 'vm2-addr',
				node: 'cmp-2',
				kind: 'ip-addr',
				params: {namespace: 'vm2'},
				stdout: vmAddr(M2, '10.0.0.12', o.holder === 'vm2' ? VIP : undefined),
			},
		);
	}
	if (o.holder === 'nobody') {
		caps.push(
			{
				id: 'vm1-addr',
				node: 'cmp-1',
				kind: 'ip-addr',
				params: {namespace: 'vm1'},
				stdout: vmAddr(M1, '10.0.0.11'),
			},
			{
				id: 'vm2-addr',
				node: 'cmp-2',
				kind: 'ip-addr',
				params: {namespace: 'vm2'},
				stdout: vmAddr(M2, '10.0.0.12'),
			},
		);
	}
	caps.push(...(o.extra ?? []));
	return caps;
}
