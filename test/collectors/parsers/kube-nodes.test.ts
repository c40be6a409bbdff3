import {describe, expect, it} from 'vitest';
import {kubeNodesParser} from '../../../src/collectors/parsers/kube-nodes.js';
import {fixture} from './fixture.js';

describe('kube-nodes parser (kubectl get nodes -o json)', () => {
	it('reads each node with its labels, addresses and the line of its name', () => {
		const text = fixture('kube/kubectl-get-nodes-lab.json');
		const {facts, warnings} = kubeNodesParser.parse(text);
		expect(warnings).toEqual([]);
		expect(facts.nodes.map(n => n.name)).toEqual(['network', 'compute-1', 'compute-2']);
		const compute = facts.nodes[1];
		expect(compute?.labels['openstack-compute-node']).toBe('enabled');
		expect(compute?.labels['kubernetes.io/hostname']).toBe('compute-1');
		expect(facts.nodes[0]?.labels['openstack-gateway']).toBe('enabled');
		expect(compute?.addresses).toContainEqual({type: 'InternalIP', address: '127.0.0.1'});
		expect(text.split('\n')[(compute?.line ?? 0) - 1]).toContain('"name": "compute-1"');
	});

	it('reads a single Node (kubectl get node NAME -o json)', () => {
		const one = JSON.stringify(
			{kind: 'Node', metadata: {name: 'cmp-7', labels: {'openstack-compute-node': 'enabled'}}},
			null,
			4,
		);
		expect(kubeNodesParser.parse(one).facts.nodes).toEqual([
			{name: 'cmp-7', labels: {'openstack-compute-node': 'enabled'}, addresses: [], line: 4},
		]);
	});

	it.each([
		['{"items": [', 'invalid JSON'],
		['[1, 2]', 'expected a Kubernetes NodeList or Node'],
		['{"kind": "PodList", "apiVersion": "v1"}', 'expected a Kubernetes NodeList or Node'],
		['{"items": [{"metadata": {}}, 7]}', 'node 0 has no metadata.name'],
	])('says what is wrong with %j and keeps what parsed', (text, message) => {
		const {facts, warnings} = kubeNodesParser.parse(text);
		expect(facts.nodes).toEqual([]);
		expect(warnings.map(w => w.message).join(' | ')).toContain(message);
	});

	it('keeps a label named __proto__ as a label', () => {
		const text =
			'{"items": [{"metadata": {"name": "n1", "labels": {"__proto__": "x", "a": "1"}}}]}';
		const labels = kubeNodesParser.parse(text).facts.nodes[0]?.labels;
		expect(labels?.['__proto__']).toBe('x');
		expect(labels?.['a']).toBe('1');
	});
});
