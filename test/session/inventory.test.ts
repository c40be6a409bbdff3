import {describe, expect, it} from 'vitest';
import {InventoryError, nodeInfo, parseInventory} from '../../src/session/inventory.js';

describe('parseInventory', () => {
	it('applies defaults, node fields win, and fills transport-specific fields', () => {
		// Given
		const inv = parseInventory(
			[
				'defaults: {user: root, identityFile: [~/.ssh/a], haConfsPath: /var/lib/neutron/ha_confs}',
				'nodes:',
				'  - {id: cmp-1, host: 10.0.0.11, roles: [compute]}',
				'  - {id: gw-1, address: gw.mgmt, port: 2222, user: ops, identityFile: /k, roles: [gateway, network], neutronHost: gw-1.cloud}',
				'  - {id: kaas-3, transport: kubectl, roles: [compute]}',
				'  - {id: here, transport: local}',
			].join('\n'),
			'inv.yaml',
		);
		// Then
		expect(inv.nodes).toEqual([
			{
				id: 'cmp-1',
				transport: 'ssh',
				host: '10.0.0.11',
				user: 'root',
				identityFiles: ['~/.ssh/a'],
				roles: ['compute'],
				haConfsPath: '/var/lib/neutron/ha_confs',
			},
			{
				id: 'gw-1',
				transport: 'ssh',
				host: 'gw.mgmt',
				port: 2222,
				user: 'ops',
				identityFiles: ['/k', '~/.ssh/a'],
				roles: ['gateway', 'network'],
				neutronHost: 'gw-1.cloud',
				haConfsPath: '/var/lib/neutron/ha_confs',
			},
			{
				id: 'kaas-3',
				transport: 'kubectl',
				user: 'root',
				identityFiles: ['~/.ssh/a'],
				kubernetesNode: 'kaas-3',
				roles: ['compute'],
				haConfsPath: '/var/lib/neutron/ha_confs',
			},
			{
				id: 'here',
				transport: 'local',
				user: 'root',
				identityFiles: ['~/.ssh/a'],
				roles: [],
				haConfsPath: '/var/lib/neutron/ha_confs',
			},
		]);
		expect(nodeInfo(inv.nodes[1]!)).toEqual({
			id: 'gw-1',
			roles: ['gateway', 'network'],
			transport: 'ssh',
			address: 'ops@gw.mgmt:2222',
			neutronHost: 'gw-1.cloud',
		});
	});

	it.each([
		['nodes: [', /inv\.yaml: not valid YAML/],
		['{}', /nodes: /],
		['nodes: []', /nodes: lists no nodes/],
		['nodes:\n  - {id: "../x"}', /nodes\.0\.id: must be a safe id/],
		['nodes:\n  - {id: a, transport: telnet}', /nodes\.0\.transport/],
		['nodes:\n  - {id: a, prot: 22}', /nodes\.0: Unrecognized key/],
		['nodes:\n  - {id: a, port: 70000}', /nodes\.0\.port/],
		[
			'nodes:\n  - {id: a, haConfsPath: "/x;rm"}',
			/nodes\.0\.haConfsPath: must be an absolute path/,
		],
		['nodes:\n  - {id: a}\n  - {id: a}', /nodes\.1\.id: "a" appears twice/],
	])('rejects %j with an error naming the field', (text, message) => {
		expect(() => parseInventory(text, 'inv.yaml')).toThrow(InventoryError);
		expect(() => parseInventory(text, 'inv.yaml')).toThrow(message);
	});
});
