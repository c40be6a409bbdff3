/**
 * The kubectl transport with the REAL `kubectl` binary against the fake Kubernetes API TEST
 * DOUBLE (lab/fake-kube-apiserver.ts). kubectl, its kubeconfig handling and its error texts are
 * real; exec runs real local processes (`sh -c …`) as the pod's process side.
 */
import {spawnSync, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import type {FakeExecHandler} from '../../lab/fake-kube-apiserver.js';
import {kubePod, moskCluster, type KubeFlavor} from '../../lab/mosk-kube-objects.js';
import {
	classifyKubectlError,
	createKubectlClient,
	createKubectlTransport,
	createPodResolver,
	interpretExec,
	type KubectlOptions,
} from '../../src/transport/kubectl.js';
import type {CommandSpec, Transport} from '../../src/transport/types.js';
import {
	eventually,
	kubectlMissingReason,
	spawnLocally,
	startKubeFixture,
	type KubeFixture,
} from '../helpers/fake-kube.js';

const missing = kubectlMissingReason();
if (missing !== undefined) console.warn(`SKIPPED kubectl transport tests: ${missing}`);

const NODES = [
	{name: 'ctl-0', roles: ['control-plane', 'gateway']},
	{name: 'cmp-1', roles: ['compute']},
	{name: 'cmp-2', roles: ['compute']},
] as const;

/** Processes the exec handler started, to prove a timed-out or cancelled one was stopped. */
let children: ChildProcess[] = [];

/** Answers `whoami-pod` with the pod, container and node that ran it; runs anything else locally. */
const whoamiOrLocal: FakeExecHandler = request => {
	if (request.argv[0] === 'whoami-pod') {
		return {
			stdout: `${request.pod.metadata.name} ${request.container} ${request.pod.spec.nodeName ?? '-'}\n`,
			exitCode: 0,
		};
	}
	const child = spawnLocally(request) as ChildProcess;
	children.push(child);
	return child;
};
const allChildrenEnded = (): boolean =>
	children.every(child => child.exitCode !== null || child.signalCode !== null);

const never = new AbortController().signal;

let fixture: KubeFixture | undefined;
afterEach(async () => {
	children = [];
	await fixture?.stop();
	fixture = undefined;
});

const setup = async (
	options: {
		flavor?: KubeFlavor;
		forbidden?: Parameters<typeof startKubeFixture>[0]['forbidden'];
		pods?: ReturnType<typeof moskCluster>['pods'];
	} = {},
) => {
	const cluster = moskCluster(NODES, {flavor: options.flavor ?? 'mosk', keystoneClient: true});
	fixture = await startKubeFixture({
		nodes: cluster.nodes,
		pods: options.pods ?? cluster.pods,
		execHandler: whoamiOrLocal,
		...(options.forbidden === undefined ? {} : {forbidden: options.forbidden}),
	});
	const client = createKubectlClient(fixture.kubectl);
	const resolver = createPodResolver(client);
	const transport = (nodeName: string): Transport =>
		createKubectlTransport({client, resolver, nodeName});
	return {fixture, client, resolver, transport, cluster};
};

const sh = (script: string, extra: Partial<CommandSpec> = {}): CommandSpec => ({
	argv: ['sh', '-c', script],
	podClass: 'l3-agent',
	...extra,
});

describe.skipIf(missing !== undefined)('kubectl transport (real kubectl, fake API server)', () => {
	it('runs a command in the L3 agent pod of its node, found by label and spec.nodeName', async () => {
		// Given a MOSK-like cluster
		const {transport, fixture: f, cluster} = await setup();
		// When a command runs on cmp-1
		const result = await transport('cmp-1').exec(sh('echo hello; echo warn >&2'), {signal: never});
		// Then it ran in cmp-1's L3 agent pod and its output, exit code and pod are recorded
		const l3 = cluster.pods.find(
			p => p.spec.nodeName === 'cmp-1' && p.metadata.labels?.['component'] === 'l3-agent',
		);
		expect(result).toMatchObject({
			target: 'cmp-1',
			argv: ['sh', '-c', 'echo hello; echo warn >&2'],
			stdout: 'hello\n',
			stderr: 'warn\n',
			exitCode: 0,
			pod: {namespace: 'openstack', name: l3?.metadata.name, container: 'neutron-l3-agent'},
		});
		expect(result.failure).toBeUndefined();
		// And the pod was listed by selector, never fetched by a guessed name first
		const podRequests = f.server.requests.filter(r => r.path.includes('/pods'));
		expect(podRequests[0]).toMatchObject({
			path: '/api/v1/namespaces/openstack/pods',
			query: {
				labelSelector: 'application=neutron,component in (l3-agent,ovn-metadata-agent,ovn-agent)',
				fieldSelector: 'spec.nodeName=cmp-1',
			},
		});
	});

	it('returns a non-zero exit as data, without kubectl\'s "command terminated" line', async () => {
		const {transport} = await setup();
		const result = await transport('cmp-2').exec(sh('echo some output; echo failing >&2; exit 3'), {
			signal: never,
		});
		expect(result).toMatchObject({stdout: 'some output\n', stderr: 'failing\n', exitCode: 3});
		expect(result.failure).toBeUndefined();
	});

	it.each([
		['mosk', 'l3-agent', 'cmp-1', /^neutron-l3-agent-[0-9a-f]{16}-\w{5}$/, 'neutron-l3-agent'],
		['mosk', 'l3-agent', 'ctl-0', /^neutron-l3-agent-default-\w{5}$/, 'neutron-l3-agent'],
		[
			'mosk',
			'ovs-vswitchd',
			'cmp-2',
			/^openvswitch-openvswitch-vswitchd-default-\w{5}$/,
			'openvswitch-vswitchd',
		],
		[
			'mosk',
			'ovs-db',
			'cmp-2',
			/^openvswitch-openvswitch-vswitchd-default-\w{5}$/,
			'openvswitch-db',
		],
		['mosk', 'keystone-client', 'cmp-1', /^keystone-client-[0-9a-f]{10}-\w{5}$/, 'keystone-client'],
		['openstack-helm', 'l3-agent', 'cmp-2', /^neutron-l3-agent-default-\w{5}$/, 'neutron-l3-agent'],
		['openstack-helm', 'ovs-vswitchd', 'cmp-1', /^openvswitch-\w{5}$/, 'openvswitch-vswitchd'],
		['openstack-helm', 'ovs-db', 'ctl-0', /^openvswitch-\w{5}$/, 'openvswitch-db'],
	] as const)(
		'%s labels: %s on %s runs in the right pod and container',
		async (flavor, podClass, node, podName, container) => {
			// Given a cluster with that chart family's labels
			const {transport} = await setup({flavor});
			// When a command of that pod class runs on the node
			const result = await transport(node).exec(
				{argv: ['whoami-pod'], podClass: podClass},
				{signal: never},
			);
			// Then the pod that answered matches the class, and node-bound classes ran on that node
			expect(result.failure).toBeUndefined();
			const [pod, usedContainer, podNode] = result.stdout.trim().split(' ');
			expect(pod).toMatch(podName);
			expect(usedContainer).toBe(container);
			if (podClass !== 'keystone-client') expect(podNode).toBe(node);
		},
	);

	it('looks each pod up once per run and node (ovs-vswitchd and ovs-db share the pod)', async () => {
		const {transport, resolver, fixture: f} = await setup();
		const cmp1 = transport('cmp-1');
		for (const podClass of ['l3-agent', 'l3-agent', 'ovs-vswitchd', 'ovs-db'] as const) {
			const result = await cmp1.exec({argv: ['true'], podClass}, {signal: never});
			expect(result.exitCode).toBe(0);
		}
		expect(resolver.lookups()).toBe(2);
		expect(
			f.server.requests.filter(r => r.path === '/api/v1/namespaces/openstack/pods'),
		).toHaveLength(2);
	});

	it('Given 12 clients made one after another on one long-lived signal, then it gets no listener leak warning', async () => {
		const warnings: Error[] = [];
		const onWarning = (warning: Error): void => {
			warnings.push(warning);
		};
		process.on('warning', onWarning);
		const longLived = new AbortController().signal;
		for (let i = 0; i < 12; i++)
			// `true` stands in for kubectl: only the signal bookkeeping is under test here.
			await createKubectlClient({kubectlPath: 'true'}).run(['version'], {
				signal: longLived,
				timeoutMs: 600_000,
			});
		await new Promise(resolve => setImmediate(resolve));
		process.off('warning', onWarning);
		expect(warnings.map(warning => warning.name)).not.toContain('MaxListenersExceededWarning');
	});

	it('keeps 12 parallel execs on one signal apart: own output, own exit code, no listener leak', async () => {
		const {transport} = await setup();
		const warnings: Error[] = [];
		const onWarning = (warning: Error): void => {
			warnings.push(warning);
		};
		process.on('warning', onWarning);
		const shared = new AbortController().signal;
		const results = await Promise.all(
			Array.from({length: 12}, (_, i) =>
				transport(i % 2 === 0 ? 'cmp-1' : 'cmp-2').exec(
					sh(`seq 1 2000 | sed s/^/${i + 1}-/; exit ${i + 1}`),
					{signal: shared},
				),
			),
		);
		await new Promise(resolve => setImmediate(resolve));
		process.off('warning', onWarning);
		results.forEach((result, i) => {
			const lines = result.stdout.trim().split('\n');
			expect(result.exitCode).toBe(i + 1);
			expect(lines).toHaveLength(2000);
			expect(lines.every(line => line.startsWith(`${i + 1}-`))).toBe(true);
		});
		expect(warnings.map(warning => warning.name)).not.toContain('MaxListenersExceededWarning');
	});

	it('reports a node without the pod as pod-not-found, naming the selector, and runs nothing', async () => {
		const {transport, fixture: f} = await setup();
		const result = await transport('cmp-9').exec(sh('echo never'), {signal: never});
		expect(result.exitCode).toBeNull();
		expect(result.failure).toMatchObject({kind: 'unreachable', reason: 'pod-not-found'});
		expect(result.failure?.message).toContain(
			'application=neutron,component in (l3-agent,ovn-metadata-agent,ovn-agent)',
		);
		expect(result.failure?.message).toContain('cmp-9');
		expect(f.server.requests.some(r => r.upgrade !== undefined)).toBe(false);
	});

	it('classifies kubectl\'s own "pods not found" when the pod vanished after the lookup', async () => {
		const {transport, fixture: f} = await setup();
		const cmp1 = transport('cmp-1');
		expect((await cmp1.exec(sh('true'), {signal: never})).exitCode).toBe(0);
		// When the pod is gone (rescheduled) but the run's cache still names it
		f.server.setPods([]);
		const result = await cmp1.exec(sh('true'), {signal: never});
		// Then kubectl's real NotFound error is classified
		expect(result.failure).toMatchObject({kind: 'unreachable', reason: 'pod-not-found'});
		expect(result.failure?.message).toMatch(/Error from server \(NotFound\): pods ".+" not found/);
	});

	it('classifies a missing container, listing the containers the pod has', async () => {
		// Given an Open vSwitch pod without the openvswitch-db container
		const pods = moskCluster(NODES).pods.map(pod =>
			pod.metadata.labels?.['application'] === 'openvswitch'
				? kubePod({
						name: pod.metadata.name,
						nodeName: pod.spec.nodeName ?? '',
						labels: pod.metadata.labels,
						containers: ['openvswitch-vswitchd'],
					})
				: pod,
		);
		const {transport} = await setup({pods});
		const result = await transport('cmp-1').exec(
			{argv: ['ovsdb-client', 'dump'], podClass: 'ovs-db'},
			{signal: never},
		);
		expect(result.failure).toMatchObject({kind: 'unreachable', reason: 'container-not-found'});
		expect(result.failure?.message).toContain('container openvswitch-db is not valid for pod');
		expect(result.failure?.message).toContain('has containers: openvswitch-vswitchd');
	});

	it('classifies a command missing in the container', async () => {
		const {transport} = await setup();
		const result = await transport('cmp-1').exec(
			{argv: ['dvrscope-no-such-binary'], podClass: 'l3-agent'},
			{signal: never},
		);
		expect(result.failure).toMatchObject({kind: 'spawn', reason: 'command-not-found'});
		expect(result.failure?.message).toContain('executable file not found');
	});

	it('carries several MB of output byte for byte, and cuts at maxBytes when asked', async () => {
		const {transport} = await setup();
		const expected = spawnSync('seq', ['1', '1000000'], {
			encoding: 'utf8',
			maxBuffer: 64 << 20,
		}).stdout;
		expect(expected.length).toBeGreaterThan(6_000_000);
		const full = await transport('cmp-1').exec(
			{argv: ['seq', '1', '1000000'], podClass: 'l3-agent'},
			{signal: never},
		);
		expect(full.exitCode).toBe(0);
		expect(full.stdout.length).toBe(expected.length);
		expect(full.stdout === expected).toBe(true);
		expect(full.truncated).toBeUndefined();

		const capped = await transport('cmp-1').exec(
			{argv: ['seq', '1', '1000000'], podClass: 'l3-agent', maxBytes: 1000},
			{signal: never},
		);
		expect(capped).toMatchObject({exitCode: 0, truncated: true});
		expect(capped.stdout).toBe(expected.slice(0, 1000));
	});

	it("reports a stopped API server as unreachable, with kubectl's message", async () => {
		const {transport, fixture: f} = await setup();
		await f.server.stop();
		const result = await transport('cmp-1').exec(sh('true'), {signal: never});
		expect(result.failure).toMatchObject({kind: 'unreachable', reason: 'unreachable'});
		expect(result.failure?.message).toContain(
			`The connection to the server 127.0.0.1:${f.server.port} was refused`,
		);
	});

	it('reports an API server that goes away mid-output as a failure, keeping the partial output', async () => {
		const {transport, fixture: f} = await setup();
		const pending = transport('cmp-1').exec(sh('echo partial; sleep 60'), {signal: never});
		await eventually(() => f.server.activeExecs() === 1, 'the exec started');
		await new Promise(resolve => setTimeout(resolve, 300)); // let "partial" reach kubectl
		await f.server.stop();
		const result = await pending;
		expect(result.exitCode).toBeNull();
		expect(result.failure).toMatchObject({kind: 'unreachable', reason: 'unreachable'});
		expect(result.stdout).toBe('partial\n');
		await eventually(allChildrenEnded, 'the remote sleep was killed');
	});

	it('times out a hanging exec, and the remote process is stopped', async () => {
		const {transport, fixture: f} = await setup();
		const result = await transport('cmp-1').exec(sh('echo started; sleep 60', {timeoutMs: 2000}), {
			signal: never,
		});
		expect(result.exitCode).toBeNull();
		expect(result.failure).toMatchObject({kind: 'timeout', reason: 'timeout', afterMs: 2000});
		await eventually(
			() => f.server.activeExecs() === 0,
			'the exec stream closed after kubectl was killed',
		);
		await eventually(allChildrenEnded, 'the remote sleep was killed');
		expect(children).toHaveLength(1);
	});

	it('settles at once on cancellation and the remote process is stopped', async () => {
		const {transport, fixture: f} = await setup();
		const controller = new AbortController();
		const pending = transport('cmp-1').exec(sh('sleep 60'), {signal: controller.signal});
		await eventually(() => f.server.activeExecs() === 1, 'the exec started');
		controller.abort();
		const result = await pending;
		expect(result.failure).toMatchObject({kind: 'cancelled'});
		await eventually(() => f.server.activeExecs() === 0, 'the exec stream closed after cancel');
		await eventually(allChildrenEnded, 'the remote sleep was killed');
		// And an already-aborted signal runs nothing
		const before = f.server.requests.length;
		const again = await transport('cmp-2').exec(sh('true'), {signal: controller.signal});
		expect(again.failure).toMatchObject({kind: 'cancelled'});
		expect(f.server.requests.length).toBe(before);
	});

	it.each([
		['listing pods', {verb: 'list', resource: 'pods'}, 'cannot list resource "pods"'],
		['exec', {verb: 'create', resource: 'pods/exec'}, 'cannot create resource "pods/exec"'],
	] as const)('classifies RBAC Forbidden on %s', async (_what, denied, text) => {
		const {transport} = await setup({
			forbidden: access => access.verb === denied.verb && access.resource === denied.resource,
		});
		const result = await transport('cmp-1').exec(sh('true'), {signal: never});
		expect(result.failure).toMatchObject({kind: 'auth', reason: 'forbidden'});
		expect(result.failure?.message).toContain(text);
	});

	it.each([
		['an unknown context', {context: 'no-such-context'}, 'no-context'],
		['a missing kubectl', {kubectlPath: '/nonexistent/kubectl'}, 'kubectl-missing'],
	] as const)('classifies %s', async (_what, override: Partial<KubectlOptions>, reason) => {
		const {fixture: f} = await setup();
		const client = createKubectlClient({...f.kubectl, ...override});
		const transport = createKubectlTransport({
			client,
			resolver: createPodResolver(client),
			nodeName: 'cmp-1',
		});
		const result = await transport.exec(sh('true'), {signal: never});
		expect(result.failure?.reason).toBe(reason);
	});

	it('classifies a kubeconfig-less kubectl (the localhost:8080 fallback) as no-context', async () => {
		const {fixture: f} = await setup();
		const client = createKubectlClient({env: {...f.kubectl.env, KUBECONFIG: `${f.dir}/absent`}});
		const transport = createKubectlTransport({
			client,
			resolver: createPodResolver(client),
			nodeName: 'cmp-1',
		});
		const result = await transport.exec(sh('true'), {signal: never});
		expect(result.failure).toMatchObject({kind: 'auth', reason: 'no-context'});
	});
});

describe('kubectl error classification (pure)', () => {
	it.each([
		[
			'Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods"',
			'forbidden',
		],
		['Error from server (NotFound): pods "nope" not found', 'pod-not-found'],
		[
			'Error from server (BadRequest): container nope is not valid for pod p',
			'container-not-found',
		],
		[
			'error: unable to upgrade connection: container not found ("neutron-l3-agent")',
			'container-not-found',
		],
		[
			'error: Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "x": executable file not found in $PATH: unknown',
			'command-not-found',
		],
		['error: context "prod" does not exist', 'no-context'],
		['Error in configuration: context was not found for specified context: prod', 'no-context'],
		[
			'The connection to the server localhost:8080 was refused - did you specify the right host or port?',
			'no-context',
		],
		['error: You must be logged in to the server (Unauthorized)', 'unauthorized'],
		[
			'The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?',
			'unreachable',
		],
		['Unable to connect to the server: dial tcp: lookup k8s.example: no such host', 'unreachable'],
		[
			'error: error reading from error stream: next reader: websocket: close 1006 (abnormal closure): unexpected EOF',
			'unreachable',
		],
		['error: something else entirely', 'kubectl-error'],
	] as const)('%s → %s', (stderr, reason) => {
		expect(classifyKubectlError(stderr).reason).toBe(reason);
	});

	it("reads the remote exit code from kubectl's last stderr line only", () => {
		expect(interpretExec(3, 'oops\ncommand terminated with exit code 3\n')).toEqual({
			exitCode: 3,
			stderr: 'oops\n',
		});
		expect(interpretExec(137, 'command terminated with exit code 137\n')).toEqual({
			exitCode: 137,
			stderr: '',
		});
		// A remote program that prints that text mid-stream does not fool it.
		expect(
			interpretExec(
				1,
				'command terminated with exit code 0\nError from server (NotFound): pods "x" not found\n',
			),
		).toMatchObject({failure: {reason: 'pod-not-found'}});
	});
});
