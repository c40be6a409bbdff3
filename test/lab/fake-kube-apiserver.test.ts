/**
 * The fake Kubernetes API TEST DOUBLE's own behaviour: selector semantics (what the real API
 * server does with `-l` and `--field-selector`), Status bodies, and bounded request memory.
 * The kubectl-facing behaviour is covered with the real kubectl in test/transport/.
 */
import {afterEach, describe, expect, it} from 'vitest';
import {
	matchesSelector,
	startFakeKubeApiServer,
	type FakeKubeApiServer,
} from '../../lab/fake-kube-apiserver.js';
import {moskCluster} from '../../lab/mosk-kube-objects.js';

const labels: Record<string, string> = {application: 'openvswitch', component: 'server'};
const get = (key: string): string | undefined => labels[key];

describe('label selector semantics', () => {
	it.each([
		['application=openvswitch', true],
		['application==openvswitch,component=server', true],
		['application=openvswitch,component=openvswitch-vswitchd', false],
		['application=openvswitch,component in (openvswitch-vswitchd,server)', true],
		['component in (openvswitch-vswitchd, l3-agent)', false],
		['component notin (l3-agent)', true],
		['application!=neutron', true],
		['application', true],
		['!release_group', true],
		['!application', false],
		['', true],
	] as const)('%s → %s', (selector, expected) => {
		expect(matchesSelector(selector, get)).toBe(expected);
	});

	it('throws the API server wording on a term it cannot parse', () => {
		expect(() => matchesSelector('a=b=c', get)).toThrow('unable to parse requirement');
	});
});

describe('fake API server', () => {
	let server: FakeKubeApiServer | undefined;
	afterEach(async () => {
		await server?.stop();
		server = undefined;
	});

	it('answers pod lists by selector, 404 Status by name, and Forbidden from the predicate', async () => {
		server = await startFakeKubeApiServer({
			...moskCluster([
				{name: 'cmp-1', roles: ['compute']},
				{name: 'cmp-2', roles: ['compute']},
			]),
			forbidden: access => access.resource === 'nodes',
		});
		const list = (await (
			await fetch(
				`${server.url}/api/v1/namespaces/openstack/pods?labelSelector=${encodeURIComponent('application=neutron,component=l3-agent')}&fieldSelector=spec.nodeName%3Dcmp-2`,
			)
		).json()) as {items: {spec: {nodeName: string}}[]};
		expect(list.items.map(item => item.spec.nodeName)).toEqual(['cmp-2']);

		const missing = await fetch(`${server.url}/api/v1/namespaces/openstack/pods/nope`);
		expect(missing.status).toBe(404);
		expect(await missing.json()).toMatchObject({
			kind: 'Status',
			reason: 'NotFound',
			message: 'pods "nope" not found',
			details: {name: 'nope', kind: 'pods'},
		});

		const denied = await fetch(`${server.url}/api/v1/nodes`);
		expect(denied.status).toBe(403);
		expect(await denied.json()).toMatchObject({
			reason: 'Forbidden',
			message:
				'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope',
		});
	});

	it('keeps only the most recent requests', async () => {
		server = await startFakeKubeApiServer({maxRequests: 3});
		for (let i = 0; i < 5; i++) await (await fetch(`${server.url}/version?n=${i}`)).json();
		expect(server.requests.map(request => request.query['n'])).toEqual(['2', '3', '4']);
	});
});
