/**
 * `--kube-context` collection end to end with the REAL kubectl: discovery → per-node kubectl
 * transports → collect() → a capture set. The Kubernetes API is the fake TEST DOUBLE; the pods'
 * process side is a recording exec handler with small canned answers (named so below), because the
 * point here is routing (which pod and container ran what) and failure isolation per node.
 */
import {spawn} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import type {FakeExecHandler} from '../../lab/fake-kube-apiserver.js';
import {moskCluster, openStackDeployment} from '../../lab/mosk-kube-objects.js';
import {collect} from '../../src/session/collect.js';
import type {SessionEvent} from '../../src/model/events.js';
import {prepareKubeCollection} from '../../src/session/kube.js';
import {kubectlMissingReason, startKubeFixture, type KubeFixture} from '../helpers/fake-kube.js';

const missing = kubectlMissingReason();
if (missing !== undefined) console.warn(`SKIPPED kube collection tests: ${missing}`);

type Ran = {node: string; container: string; program: string};

/**
 * FAKE node tools for the batch scripts: `ip` and `ovs-*` that print nothing (canned empty
 * answers), so a batch's real `sh -c` script runs here and prints its markers.
 */
const stubs = mkdtempSync(join(tmpdir(), 'dvrscope-kube-stubs-'));
for (const name of ['ip', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl']) {
	writeFileSync(join(stubs, name), '#!/bin/sh\nexit 0\n');
	chmodSync(join(stubs, name), 0o755);
}
afterAll(() => rmSync(stubs, {recursive: true, force: true}));

/** Recording exec handler with canned answers (not real node output). */
const recordingHandler =
	(ran: Ran[]): FakeExecHandler =>
	({pod, container, argv}) => {
		ran.push({node: pod.spec.nodeName ?? '', container, program: argv[0] ?? ''});
		if (argv.join(' ') === 'ip -j netns list') return {stdout: '[]\n', exitCode: 0};
		if (argv[0] === 'ovs-vsctl' && argv.includes('list-br'))
			return {stdout: 'br-int\n', exitCode: 0};
		// a batch: its real script, over the FAKE tools above
		if (argv[0] === 'sh')
			return spawn('/bin/sh', argv.slice(1), {stdio: ['pipe', 'pipe', 'pipe'], env: {PATH: stubs}});
		return {stdout: '', exitCode: 0};
	};

let fixture: KubeFixture | undefined;
afterEach(async () => {
	await fixture?.stop();
	fixture = undefined;
});

describe.skipIf(missing !== undefined)(
	'collection through kubectl (real kubectl, fake API)',
	() => {
		it('collects every node through its own pods and keeps the OpenStackDeployment', async () => {
			// Given a MOSK-like cluster with two OpenStack nodes
			const cluster = moskCluster([
				{name: 'ctl-0', roles: ['control-plane', 'gateway']},
				{name: 'cmp-1', roles: ['compute']},
			]);
			const ran: Ran[] = [];
			fixture = await startKubeFixture({
				...cluster,
				customResources: {
					openstackdeployments: [
						openStackDeployment({neutron: {tunnel_interface: 'br-phy', dvr: {enabled: true}}}),
					],
				},
				execHandler: recordingHandler(ran),
			});
			const signal = new AbortController().signal;
			// When dvrscope prepares the kubectl collection and collects
			const inputs = await prepareKubeCollection(fixture.kubectl, signal);
			if (!inputs.ok) throw new Error(inputs.message);
			const events: SessionEvent[] = [];
			const set = await collect(
				{
					nodes: inputs.nodes,
					cloud: inputs.cloud,
					extraCaptures: inputs.extraCaptures,
					problems: inputs.problems,
				},
				event => events.push(event),
				signal,
			);
			await inputs.close();
			// Then each node's captures came through kubectl with no failure
			for (const node of ['ctl-0', 'cmp-1']) {
				const mine = set.captures.filter(capture => capture.node === node);
				expect(mine.length).toBeGreaterThan(0);
				expect(
					mine.every(capture => capture.via === 'kubectl' && capture.failure === undefined),
				).toBe(true);
			}
			// And each program ran in the container of its class, on its own node
			// (catalog: ip in the L3 agent, ovs-vsctl in openvswitch-db — list-br alone, the other
			// OVSDB reads folded into one script there —, the per-bridge batch script in
			// openvswitch-vswitchd; these nodes have no Neutron namespace, so no L3-HA router and
			// no ha_confs read — that batch runs only where a namespace is read)
			expect(new Set(ran.map(r => `${r.program}@${r.container}`))).toEqual(
				new Set([
					'ip@neutron-l3-agent',
					'ovs-vsctl@openvswitch-db',
					'sh@openvswitch-db',
					'sh@openvswitch-vswitchd',
				]),
			);
			// and the folded OVSDB reads are filed each as its own capture
			for (const id of ['ovs.show', 'ovs.interfaces', 'ovs.ports', 'ovs.open-vswitch']) {
				const read = set.captures.find(c => c.node === 'cmp-1' && c.catalogId === id);
				expect(read, id).toMatchObject({exitCode: 0, via: 'kubectl'});
				expect(read?.argv[0], id).toBe('ovs-vsctl');
			}
			// And the Kubernetes-side captures are in the set
			const osdpl = set.captures.find(capture => capture.id === 'cloud.kube.osdpl');
			expect(osdpl).toMatchObject({scope: 'cloud', kind: 'osdpl', exitCode: 0, via: 'kubectl'});
			expect(JSON.parse(osdpl?.stdout ?? '{}')).toMatchObject({
				items: [{kind: 'OpenStackDeployment'}],
			});
			expect(set.manifest.nodes.map(node => node.id)).toEqual(['ctl-0', 'cmp-1']);
			expect(events.at(-1)?.type).toBe('collection-done');
		});

		it('names a node whose pods are missing and keeps the healthy node complete', async () => {
			const cluster = moskCluster([
				{name: 'cmp-1', roles: ['compute']},
				{name: 'cmp-2', roles: ['compute']},
			]);
			const ran: Ran[] = [];
			fixture = await startKubeFixture({
				nodes: cluster.nodes,
				pods: cluster.pods.filter(pod => pod.spec.nodeName !== 'cmp-2'),
				execHandler: recordingHandler(ran),
			});
			const signal = new AbortController().signal;
			const inputs = await prepareKubeCollection(fixture.kubectl, signal);
			if (!inputs.ok) throw new Error(inputs.message);
			const set = await collect(
				{nodes: inputs.nodes, extraCaptures: inputs.extraCaptures},
				() => undefined,
				signal,
			);
			const healthy = set.captures.filter(capture => capture.node === 'cmp-1');
			expect(healthy.length).toBeGreaterThan(0);
			expect(
				healthy
					.filter(capture => capture.failure !== undefined)
					.map(c => `${c.id}: ${c.failure?.kind ?? ''} ${c.failure?.message ?? ''}`),
			).toEqual([]);
			const broken = set.captures.filter(capture => capture.node === 'cmp-2');
			expect(broken.length).toBeGreaterThan(0);
			expect(broken.every(capture => capture.failure?.kind === 'unreachable')).toBe(true);
			expect(broken[0]?.failure?.message).toMatch(/no .* pod on node cmp-2/);
			expect(ran.every(r => r.node === 'cmp-1')).toBe(true);
		});

		it("fails with kubectl's reason when the context does not exist", async () => {
			fixture = await startKubeFixture({...moskCluster([{name: 'cmp-1', roles: ['compute']}])});
			const inputs = await prepareKubeCollection(
				{...fixture.kubectl, context: 'prod-eu'},
				new AbortController().signal,
			);
			expect(inputs).toMatchObject({ok: false, kind: 'auth', reason: 'no-context'});
			if (!inputs.ok) expect(inputs.message).toContain('context prod-eu');
		});
	},
);
