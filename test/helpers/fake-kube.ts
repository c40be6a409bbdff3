/**
 * Test helpers around the fake Kubernetes API TEST DOUBLE (lab/fake-kube-apiserver.ts): start it
 * with a MOSK-like cluster, give the REAL kubectl its own HOME, KUBECACHEDIR and kubeconfig.
 */
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	startFakeKubeApiServer,
	type FakeExecHandler,
	type FakeKubeApiServer,
	type FakeKubeApiServerOptions,
} from '../../lab/fake-kube-apiserver.js';
import type {KubectlOptions} from '../../src/transport/kubectl.js';

/** Why the real-kubectl tests cannot run here, or undefined when kubectl is on PATH. */
export const kubectlMissingReason = (): string | undefined => {
	const probe = spawnSync('kubectl', ['version', '--client'], {encoding: 'utf8', timeout: 600_000});
	if (probe.error) return `kubectl is not installed (${probe.error.message})`;
	return probe.status === 0 ? undefined : `kubectl version --client failed: ${probe.stderr}`;
};

/** The real process side: run argv on this machine (stdin piped, so `kubectl exec -i` works). */
export const spawnLocally: FakeExecHandler = ({argv}) =>
	spawn(argv[0] ?? 'false', argv.slice(1), {stdio: ['pipe', 'pipe', 'pipe']});

export type KubeFixture = {
	readonly server: FakeKubeApiServer;
	readonly dir: string;
	readonly kubeconfig: string;
	/** Options for createKubectlClient: this kubeconfig, context `lab`, a private HOME and cache. */
	readonly kubectl: KubectlOptions;
	stop(): Promise<void>;
};

export const startKubeFixture = async (
	options: FakeKubeApiServerOptions & {readonly context?: string},
): Promise<KubeFixture> => {
	const server = await startFakeKubeApiServer(options);
	const dir = mkdtempSync(join(tmpdir(), 'dvrscope-kube-'));
	const kubeconfig = join(dir, 'kubeconfig');
	const context = options.context ?? 'lab';
	writeFileSync(kubeconfig, server.kubeconfig({context}));
	return {
		server,
		dir,
		kubeconfig,
		kubectl: {
			kubeconfig,
			context,
			env: {HOME: join(dir, 'home'), KUBECACHEDIR: join(dir, 'cache')},
		},
		async stop() {
			await server.stop();
			rmSync(dir, {recursive: true, force: true});
		},
	};
};

/** Poll until `predicate` holds (bounded), for asynchronous effects such as a killed exec. */
export const eventually = async (
	predicate: () => boolean,
	what: string,
	attempts = 100,
): Promise<void> => {
	for (let i = 0; i < attempts; i++) {
		if (predicate()) return;
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	throw new Error(`never happened: ${what}`);
};
