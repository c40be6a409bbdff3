import {describe, expect, it} from 'vitest';
import {
	assembleSnapshot,
	bridgeFromArgv,
	mergeCaptureSets,
	namespaceFromArgv,
} from '../../src/collectors/assemble.js';
import {captureSet, neigh, portsJson, QR, ROUTER} from '../helpers/capture-set.js';

const ALL_NEIGH = [
	'',
	`netns: qrouter-${ROUTER}`,
	`10.0.0.11 dev ${QR} lladdr fa:16:3e:11:11:11 PERMANENT `,
	`10.0.0.100 dev ${QR} lladdr fa:16:3e:11:11:11 PERMANENT `,
	'',
	'netns: qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141',
	'10.0.0.100 dev tap4d5e6f7a-8b lladdr fa:16:3e:22:22:22 REACHABLE ',
	'',
].join('\n');

describe('assembleSnapshot', () => {
	it('files ip -all netns sections per namespace with a line offset into the whole capture', () => {
		// Given one `ip -all netns exec ip neigh` capture
		const set = captureSet([
			{
				id: 'all',
				node: 'cmp-1',
				kind: 'ip-all-netns',
				params: {inner: 'ip-neigh'},
				argv: ['ip', '-all', 'netns', 'exec', 'ip', 'neigh'],
				stdout: ALL_NEIGH,
			},
		]);
		// When it is assembled
		const snap = assembleSnapshot(set);
		// Then each namespace has its own table, and line + offset points at the capture line
		const neighs = snap.nodes['cmp-1']?.facts.neigh ?? {};
		expect(Object.keys(neighs).sort()).toEqual([
			'qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141',
			`qrouter-${ROUTER}`,
		]);
		const dhcp = neighs['qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141'];
		const entry = dhcp?.data[0];
		expect(entry?.dst).toBe('10.0.0.100');
		const lines = ALL_NEIGH.split('\n');
		expect(lines[(entry?.line ?? 0) + (dhcp?.lineOffset ?? 0) - 1]).toContain('REACHABLE');
		expect(snap.errors).toEqual([]);
	});

	it('turns failed captures into errors instead of empty facts', () => {
		const snap = assembleSnapshot(
			captureSet([
				{
					id: 'ports',
					kind: 'openstack-ports',
					stdout: '',
					exitCode: null,
					failure: {kind: 'timeout', message: 'after 120000 ms'},
				},
				{
					id: 'flows',
					node: 'cmp-1',
					kind: 'ovs-flows',
					params: {bridge: 'br-tun'},
					stdout: '',
					stderr: 'ovs-ofctl: br-tun is not a bridge or a socket\n',
					exitCode: 1,
				},
			]),
		);
		expect(snap.cloud.ports).toBeUndefined();
		expect(snap.nodes['cmp-1']?.facts.flows).toBeUndefined();
		expect(snap.errors.map(e => [e.capture, e.message])).toEqual([
			['ports', 'openstack-ports capture not usable (timeout: after 120000 ms)'],
			[
				'flows',
				'ovs-flows capture not usable (exit 1 with no output: ovs-ofctl: br-tun is not a bridge or a socket)',
			],
		]);
	});

	it('keeps parse warnings as capture errors and still files what parsed', () => {
		const snap = assembleSnapshot(
			captureSet([
				{
					id: 'n',
					node: 'cmp-1',
					kind: 'ip-neigh',
					params: {namespace: 'qrouter-x'},
					stdout: `${neigh([['10.0.0.11', 'fa:16:3e:11:11:11', 'PERMANENT']])}this is not a neighbour line\n`,
				},
			]),
		);
		expect(snap.nodes['cmp-1']?.facts.neigh?.['qrouter-x']?.data).toHaveLength(1);
		expect(snap.errors[0]?.capture).toBe('n');
		expect(snap.errors[0]?.warnings?.[0]?.line).toBe(2);
	});

	it('gives nodes missing from the manifest the role "other"', () => {
		const snap = assembleSnapshot(
			captureSet(
				[{node: 'mystery-7', kind: 'ip-netns', stdout: 'qrouter-a\n'}],
				[{id: 'cmp-1', roles: ['compute']}],
			),
		);
		expect(snap.nodes['mystery-7']?.node.roles).toEqual(['other']);
		expect(snap.nodes['cmp-1']?.node.roles).toEqual(['compute']);
	});

	it('merges a port list with port show (show adds allowed address pairs and binding)', () => {
		const list = `${JSON.stringify([{ID: 'p1', Name: 'vm1', 'MAC Address': 'fa:16:3e:11:11:11', 'Fixed IP Addresses': [{subnet_id: 's', ip_address: '10.0.0.11'}], Status: 'ACTIVE'}], null, 2)}\n`;
		const show = portsJson([
			{
				id: 'p1',
				mac: 'fa:16:3e:11:11:11',
				ip: '10.0.0.11',
				host: 'cmp-1',
				aap: [{ip: '10.0.0.100'}],
			},
		]);
		const snap = assembleSnapshot(
			captureSet([
				{id: 'list', kind: 'openstack-ports', stdout: list},
				{id: 'show', kind: 'openstack-ports', stdout: show},
			]),
		);
		expect(snap.cloud.ports?.data).toHaveLength(1);
		expect(snap.cloud.ports?.data[0]?.allowedAddressPairs[0]?.ip).toBe('10.0.0.100');
		expect(snap.cloud.ports?.data[0]?.bindingHostId).toBe('cmp-1');
	});

	it.each([
		[['ip', 'netns', 'exec', 'qrouter-a', 'ip', 'neigh'], 'qrouter-a'],
		[['ip', '-n', 'snat-b', '-j', 'neigh', 'show'], 'snat-b'],
		[['ip', 'neigh'], undefined],
	])('namespaceFromArgv(%j) = %s', (argv, ns) => {
		expect(namespaceFromArgv(argv)).toBe(ns);
	});

	it.each([
		[['ovs-ofctl', 'dump-flows', 'br-tun'], 'br-tun'],
		[['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', 'br-int', 'table=21'], 'br-int'],
		[['ovs-appctl', 'fdb/show', 'br-int'], 'br-int'],
	])('bridgeFromArgv(%j) = %s', (argv, bridge) => {
		expect(bridgeFromArgv(argv)).toBe(bridge);
	});

	it('merges capture sets taken separately; clashing ids get the node as prefix', () => {
		const a = captureSet(
			[{id: 'netns', node: 'cmp-1', kind: 'ip-netns', stdout: 'qrouter-a\n'}],
			[{id: 'cmp-1', roles: ['compute']}],
		);
		const b = captureSet(
			[{id: 'netns', node: 'cmp-2', kind: 'ip-netns', stdout: 'qrouter-a\n'}],
			[{id: 'cmp-2', roles: ['compute']}],
		);
		const cloud = captureSet([{id: 'ports', kind: 'openstack-ports', stdout: portsJson([])}]);
		const merged = mergeCaptureSets([a, b, cloud]);
		expect(merged.captures.map(c => c.id)).toEqual(['cmp-1.netns', 'cmp-2.netns', 'ports']);
		expect(merged.manifest.nodes.map(n => n.id)).toEqual(['cmp-1', 'cmp-2']);
		const snap = assembleSnapshot(merged);
		expect(snap.nodes['cmp-2']?.facts.netns?.capture).toBe('cmp-2.netns');
	});
});
