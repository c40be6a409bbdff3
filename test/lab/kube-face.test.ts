/**
 * The lab's Kubernetes face (lab/kube-face.ts) as `lab:up` runs it: a separate process serving the
 * fake Kubernetes API TEST DOUBLE from a config, reached by the REAL kubectl through dvrscope's
 * kubectl transports. Each node's `exec` prefix here is `env LABNODE=<node>` (the lab uses
 * `nsenter -t <pid> -m -n -u --`), so the output proves which node a command ran "in".
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {KubeFaceConfig} from '../../lab/kube-face.js';
import {createKubectlTransports} from '../../src/transport/kube-discovery.js';
import type {KubectlOptions} from '../../src/transport/kubectl.js';
import {kubectlMissingReason} from '../helpers/fake-kube.js';

const missing = kubectlMissingReason();
if (missing !== undefined) console.warn(`SKIPPED kube-face tests: ${missing}`);

const never = new AbortController().signal;

describe.skipIf(missing !== undefined)('lab Kubernetes face process', () => {
	let dir = '';
	let face: ChildProcess | undefined;
	let kubectl: KubectlOptions = {};

	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'dvrscope-kube-face-'));
		const config: KubeFaceConfig = {
			port: 0,
			kubeconfig: join(dir, 'kubeconfig'),
			context: 'lab',
			nodes: [
				{name: 'network', roles: ['control-plane', 'gateway'], exec: ['env', 'LABNODE=network']},
				{
					name: 'compute-1',
					roles: ['compute'],
					exec: ['env', 'LABNODE=compute-1'],
					containerExec: {'openvswitch-vswitchd': ['env', 'LABNODE=compute-1/ovs']},
				},
			],
			keystoneClient: {node: 'network', exec: ['env', 'LABNODE=keystone-client']},
			openstackdeployment: {neutron: {tunnel_interface: 'br-phy', dvr: {enabled: true}}},
		};
		writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
		face = spawn(
			process.execPath,
			['--import', 'tsx', 'lab/kube-face.ts', join(dir, 'config.json')],
			{
				stdio: ['ignore', 'pipe', 'inherit'],
			},
		);
		const [line] = (await once(face.stdout!, 'data')) as [Buffer];
		expect(line.toString()).toMatch(/^listening \d+/);
		kubectl = {
			kubeconfig: join(dir, 'kubeconfig'),
			context: 'lab',
			env: {HOME: join(dir, 'home'), KUBECACHEDIR: join(dir, 'cache')},
		};
	});

	afterAll(async () => {
		if (face && face.exitCode === null) {
			face.kill('SIGTERM');
			await once(face, 'exit');
		}
		rmSync(dir, {recursive: true, force: true});
	});

	it('writes a kubeconfig for context lab with an empty user', () => {
		const text = readFileSync(join(dir, 'kubeconfig'), 'utf8');
		expect(text).toContain('current-context: lab');
		expect(text).toMatch(/server: http:\/\/127\.0\.0\.1:\d+/);
		expect(text).toContain('user: {}');
	});

	it('routes each pod class to its lab node and container prefix', async () => {
		const setup = await createKubectlTransports(kubectl, never);
		if (!setup.ok) throw new Error(setup.failure.message);
		expect(setup.nodes.map(node => [node.id, node.roles])).toEqual([
			['network', ['controller', 'gateway', 'network']],
			['compute-1', ['compute']],
		]);
		const run = async (node: string, podClass: 'l3-agent' | 'ovs-vswitchd') =>
			(
				await setup.transports
					.get(node)!
					.exec({argv: ['sh', '-c', 'echo $LABNODE'], podClass}, {signal: never})
			).stdout.trim();
		expect(await run('network', 'l3-agent')).toBe('network');
		expect(await run('compute-1', 'l3-agent')).toBe('compute-1');
		expect(await run('compute-1', 'ovs-vswitchd')).toBe('compute-1/ovs');
		const cli = await setup.cloud.exec(
			{argv: ['sh', '-c', 'echo $LABNODE'], podClass: 'keystone-client'},
			{signal: never},
		);
		expect(cli.stdout.trim()).toBe('keystone-client');
		const osdpl = await setup.fetchOpenStackDeployment(never);
		expect(JSON.parse(osdpl.result.stdout)).toMatchObject({
			items: [
				{kind: 'OpenStackDeployment', spec: {features: {neutron: {tunnel_interface: 'br-phy'}}}},
			],
		});
	});
});
