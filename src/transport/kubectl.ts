/**
 * kubectl transport: runs catalog commands inside a Kubernetes node's MOSK pods with the user's
 * own `kubectl` (its kubeconfig, context, credentials plugins and error texts), one Transport per
 * Kubernetes node.
 *
 * Pods are found per node by LABEL SELECTOR and `spec.nodeName` field selector, never by name
 * (MOSK renders DaemonSet names with hashes: DOMAIN.md §5). Lookups are cached per run in a
 * {@link KubePodResolver} shared by all nodes' transports.
 *
 * kubectl's own failures are values ({@link KubectlErrorReason}), classified from its exit code
 * and stderr; `command terminated with exit code N` is the remote command's exit status N (data).
 */
import {setMaxListeners} from 'node:events';
import {execa} from 'execa';
import type {FailureKind} from '../model/capture.js';
import type {CommandResult, CommandSpec, Transport, TransportFailure} from './types.js';

// ─── pod classes ─────────────────────────────────────────────────────────────────────────────

/** Which pod (and container) answers a command; carried by catalog entries as `podClass`. */
export type PodClass =
	'l3-agent' | 'ovs-vswitchd' | 'ovs-db' | 'keystone-client' | 'ovn-nb' | 'ovn-sb';

export type PodClassSpec = {
	/** Label selector; set-based where MOSK and upstream openstack-helm differ. */
	readonly selector: string;
	readonly container: string;
	/**
	 * Containers that answer instead when the pod the selector found does not hold `container`
	 * (the same commands, another component: ml2/ovn nodes have no L3 agent).
	 */
	readonly altContainers?: readonly string[];
	/** False for cluster-wide pods (keystone-client is a Deployment, any node will do). */
	readonly nodeBound: boolean;
	readonly title: string;
};

/**
 * Label selectors (DOMAIN.md §5). Open vSwitch: MOSK's `openvswitch-vswitchd` DaemonSet has
 * `component=openvswitch-vswitchd`, upstream openstack-helm's merged `openvswitch` DaemonSet has
 * `component=server`; both pods hold the `openvswitch-db` and `openvswitch-vswitchd` containers.
 */
export const POD_CLASSES: Readonly<Record<PodClass, PodClassSpec>> = {
	// ml2/ovn nodes run no L3 agent: there the neutron chart's OVN metadata agent (it manages the
	// ovnmeta- namespaces, so it sees the host's network namespaces) answers the same commands.
	'l3-agent': {
		selector: 'application=neutron,component in (l3-agent,ovn-metadata-agent,ovn-agent)',
		container: 'neutron-l3-agent',
		// openstack-helm's neutron chart: daemonset-ovn-metadata-agent / daemonset-ovn-agent (the
		// Neutron OVN agent that replaces the metadata agent in newer releases)
		altContainers: ['neutron-ovn-metadata-agent', 'neutron-ovn-agent'],
		nodeBound: true,
		title: 'Neutron L3 agent (OVN metadata agent on ml2/ovn)',
	},
	'ovs-vswitchd': {
		selector: 'application=openvswitch,component in (openvswitch-vswitchd,server)',
		container: 'openvswitch-vswitchd',
		nodeBound: true,
		title: 'Open vSwitch',
	},
	'ovs-db': {
		selector: 'application=openvswitch,component in (openvswitch-vswitchd,server)',
		container: 'openvswitch-db',
		nodeBound: true,
		title: 'Open vSwitch database',
	},
	'keystone-client': {
		selector: 'application=keystone,component=client',
		container: 'keystone-client',
		nodeBound: false,
		title: 'keystone-client (OpenStack CLI)',
	},
	// openstack-helm `ovn` chart: StatefulSets ovn-ovsdb-nb / ovn-ovsdb-sb, container `ovsdb`,
	// labels application=ovn,component=ovn-ovsdb-nb|sb; the local unix socket answers ovn-*ctl.
	'ovn-nb': {
		selector: 'application=ovn,component=ovn-ovsdb-nb',
		container: 'ovsdb',
		nodeBound: true,
		title: 'OVN northbound DB',
	},
	'ovn-sb': {
		selector: 'application=ovn,component=ovn-ovsdb-sb',
		container: 'ovsdb',
		nodeBound: true,
		title: 'OVN southbound DB',
	},
};

const isPodClass = (value: string): value is PodClass => Object.hasOwn(POD_CLASSES, value);

/** The container of `spec` that a pod with `containers` runs commands in. */
const containerFor = (spec: PodClassSpec, containers: readonly string[]): string =>
	[spec.container, ...(spec.altContainers ?? [])].find(name => containers.includes(name)) ??
	spec.container;

/** The pod class for a spec: its own `podClass`, else guessed from the program it runs. */
export const podClassFor = (spec: CommandSpec): PodClass | undefined => {
	if (spec.podClass !== undefined) return isPodClass(spec.podClass) ? spec.podClass : undefined;
	const program = spec.argv[0];
	if (program === 'openstack') return 'keystone-client';
	if (program.startsWith('ovsdb-')) return 'ovs-db';
	if (program.startsWith('ovs-')) return 'ovs-vswitchd';
	return 'l3-agent';
};

// ─── kubectl invocation ──────────────────────────────────────────────────────────────────────

export type KubectlOptions = {
	/** The kubectl binary (default `kubectl` from PATH). */
	readonly kubectlPath?: string;
	/** `--context`; default: the kubeconfig's current context. */
	readonly context?: string;
	/** `--kubeconfig`; default: `KUBECONFIG` / `~/.kube/config`, as kubectl itself decides. */
	readonly kubeconfig?: string;
	/** Namespace of the OpenStack pods (default `openstack`, MOSK's). */
	readonly namespace?: string;
	/** Extra environment for kubectl (merged over the process environment). */
	readonly env?: Readonly<Record<string, string>>;
	/** Per-command timeout when the spec has none (default 60 s). */
	readonly defaultTimeoutMs?: number;
	/** Timeout of API reads (pod lookups, node list) (default 20 s). */
	readonly requestTimeoutMs?: number;
};

/** Why kubectl did not run the command to completion. */
export type KubectlErrorReason =
	| 'kubectl-missing'
	| 'no-context'
	| 'unauthorized'
	| 'forbidden'
	| 'pod-not-found'
	| 'container-not-found'
	| 'command-not-found'
	| 'unreachable'
	| 'timeout'
	| 'cancelled'
	| 'kubectl-error';

const FAILURE_KIND: Readonly<Record<KubectlErrorReason, FailureKind>> = {
	'kubectl-missing': 'spawn',
	'no-context': 'auth',
	unauthorized: 'auth',
	forbidden: 'auth',
	'pod-not-found': 'unreachable',
	'container-not-found': 'unreachable',
	'command-not-found': 'spawn',
	unreachable: 'unreachable',
	timeout: 'timeout',
	cancelled: 'cancelled',
	'kubectl-error': 'unreachable',
};

export const kubectlFailure = (
	reason: KubectlErrorReason,
	message: string,
	afterMs?: number,
): TransportFailure => ({
	kind: FAILURE_KIND[reason],
	reason,
	message,
	...(afterMs === undefined ? {} : {afterMs}),
});

const lastLines = (text: string, count = 3): string =>
	text
		.split('\n')
		.map(line => line.trim())
		.filter(line => line !== '' && !/^[EWI]\d{4} /.test(line)) // drop klog noise lines
		.slice(-count)
		.join(' | ');

/**
 * Classify kubectl's own error from its stderr (it exits 1 for all of them). Pure; exported for
 * tests. Texts are those of real kubectl (1.27–1.33) and API servers.
 */
export const classifyKubectlError = (
	stderr: string,
): {readonly reason: KubectlErrorReason; readonly message: string} => {
	const text = stderr;
	const summary = lastLines(text) || 'kubectl failed without a message';
	if (/Error from server \(Forbidden\)|\bis forbidden: User "/.test(text)) {
		return {reason: 'forbidden', message: `forbidden by RBAC: ${summary}`};
	}
	if (/Error from server \(NotFound\): pods "[^"]*" not found/.test(text)) {
		return {reason: 'pod-not-found', message: summary};
	}
	if (/container [^ ]+ is not valid for pod|container not found \(/.test(text)) {
		return {reason: 'container-not-found', message: summary};
	}
	if (
		/executable file not found in \$PATH|OCI runtime exec failed|exec: "[^"]*": stat [^:]+: no such file or directory/.test(
			text,
		)
	) {
		return {reason: 'command-not-found', message: `command not found in the container: ${summary}`};
	}
	if (
		/context was not found for specified context|context "[^"]*" does not exist|no context exists with the name|current-context is not set|invalid configuration: no configuration has been provided|Error in configuration/.test(
			text,
		)
	) {
		return {reason: 'no-context', message: summary};
	}
	if (/The connection to the server localhost:8080 was refused/.test(text)) {
		// kubectl's fallback when it has no kubeconfig at all.
		return {
			reason: 'no-context',
			message:
				'kubectl has no cluster configured (it fell back to localhost:8080): pass --kube-context / --kubeconfig or set KUBECONFIG',
		};
	}
	if (/Unauthorized|You must be logged in to the server|provide credentials/.test(text)) {
		return {reason: 'unauthorized', message: summary};
	}
	if (
		/The connection to the server .* was refused|Unable to connect to the server|dial tcp|no such host|i\/o timeout|TLS handshake timeout|connection reset by peer|abnormal closure|EOF$/m.test(
			text,
		)
	) {
		return {reason: 'unreachable', message: summary};
	}
	return {reason: 'kubectl-error', message: summary};
};

const EXIT_LINE = /(?:^|\n)command terminated with exit code (\d+)\n?$/;

/**
 * Split a finished `kubectl exec`: exit 0 → data; a trailing `command terminated with exit code N`
 * → the remote exit status N (data, that line removed from stderr); any other non-zero exit →
 * kubectl's own failure.
 */
export const interpretExec = (
	exitCode: number,
	stderr: string,
):
	| {readonly exitCode: number; readonly stderr: string}
	| {readonly failure: TransportFailure; readonly stderr: string} => {
	if (exitCode === 0) return {exitCode, stderr};
	const match = EXIT_LINE.exec(stderr);
	if (match) {
		return {
			exitCode: Number(match[1]),
			stderr: stderr.slice(0, match.index + (match[0].startsWith('\n') ? 1 : 0)),
		};
	}
	const {reason, message} = classifyKubectlError(stderr);
	return {failure: kubectlFailure(reason, message), stderr};
};

/** One kubectl run, raw. */
export type KubectlRun = {
	readonly stdout: Buffer;
	readonly stderr: string;
	readonly exitCode: number | null;
	readonly truncated: boolean;
	readonly startedAt: string;
	readonly durationMs: number;
	/** Set when kubectl did not run to its own exit (missing, timeout, cancelled). */
	readonly failure?: TransportFailure;
};

const DEFAULT_STDERR_CAP = 1024 * 1024;

/** Runs kubectl with the user's configuration. Everything else in this module goes through it. */
export type KubectlClient = {
	readonly options: KubectlOptions;
	readonly namespace: string;
	/** Global flags (`--kubeconfig`, `--context`) followed by `args`. */
	argsFor(args: readonly string[]): string[];
	run(
		args: readonly string[],
		options: {readonly signal: AbortSignal; readonly timeoutMs: number; readonly maxBytes?: number},
	): Promise<KubectlRun>;
};

// A whole run shares one AbortSignal across hundreds of kubectl processes: follow it through
// one linked signal that may carry that many listeners, instead of piling them on the caller's.
// Module-wide, so clients made one after another on one long-lived signal (a console session,
// watch rounds) add one listener to it in all, not one each (MaxListenersExceededWarning).
const linked = new WeakMap<AbortSignal, AbortSignal>();
const follow = (parent: AbortSignal): AbortSignal => {
	let signal = linked.get(parent);
	if (signal === undefined) {
		const controller = new AbortController();
		setMaxListeners(0, controller.signal);
		if (parent.aborted) controller.abort(parent.reason);
		else {
			parent.addEventListener(
				'abort',
				() => {
					controller.abort(parent.reason);
				},
				{once: true},
			);
		}
		signal = controller.signal;
		linked.set(parent, signal);
	}
	return signal;
};

export const createKubectlClient = (options: KubectlOptions = {}): KubectlClient => {
	const binary = options.kubectlPath ?? 'kubectl';
	const globalFlags = [
		...(options.kubeconfig === undefined ? [] : ['--kubeconfig', options.kubeconfig]),
		...(options.context === undefined ? [] : ['--context', options.context]),
	];
	const argsFor = (args: readonly string[]): string[] => [...globalFlags, ...args];

	const run: KubectlClient['run'] = async (args, {signal: callerSignal, timeoutMs, maxBytes}) => {
		const signal = follow(callerSignal);
		const startedAt = new Date().toISOString();
		const start = performance.now();
		const elapsed = (): number => Math.round(performance.now() - start);
		const cancelled = (): KubectlRun => ({
			stdout: Buffer.alloc(0),
			stderr: '',
			exitCode: null,
			truncated: false,
			startedAt,
			durationMs: elapsed(),
			failure: kubectlFailure('cancelled', 'cancelled before kubectl finished'),
		});
		if (signal.aborted) return cancelled();

		const subprocess = execa(binary, argsFor(args), {
			reject: false,
			timeout: timeoutMs,
			cancelSignal: signal,
			forceKillAfterDelay: 2000,
			buffer: false,
			stdin: 'ignore',
			...(options.env === undefined ? {} : {env: options.env}),
		});
		// Collect Buffers and decode once, so a multi-byte character split across chunks survives;
		// keep at most maxBytes and drop the rest, letting the command run to its end.
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		let outBytes = 0;
		let errBytes = 0;
		let truncated = false;
		const outCap = maxBytes ?? Number.POSITIVE_INFINITY;
		subprocess.stdout.on('data', (chunk: Buffer) => {
			if (outBytes >= outCap) {
				truncated = true;
				return;
			}
			const keep = chunk.length <= outCap - outBytes ? chunk : chunk.subarray(0, outCap - outBytes);
			if (keep.length < chunk.length) truncated = true;
			out.push(keep);
			outBytes += keep.length;
		});
		subprocess.stderr.on('data', (chunk: Buffer) => {
			if (errBytes >= DEFAULT_STDERR_CAP) return;
			err.push(chunk);
			errBytes += chunk.length;
		});

		// Cancellation settles at once; execa's cancelSignal then terminates kubectl (SIGTERM, SIGKILL
		// after 2 s), which closes the exec stream so the API server stops the remote command.
		let onAbort: (() => void) | undefined;
		const aborted = new Promise<'aborted'>(resolve => {
			onAbort = () => {
				resolve('aborted');
			};
			signal.addEventListener('abort', onAbort, {once: true});
		});
		const outcome = await Promise.race([subprocess, aborted]);
		if (onAbort) signal.removeEventListener('abort', onAbort);
		if (outcome === 'aborted') {
			subprocess.catch(() => undefined);
			return cancelled();
		}
		const result = outcome;
		const base = {
			stdout: Buffer.concat(out),
			stderr: Buffer.concat(err).toString('utf8'),
			truncated,
			startedAt,
			durationMs: elapsed(),
		};
		if (result.isCanceled) return cancelled();
		if (result.timedOut) {
			return {
				...base,
				exitCode: null,
				failure: kubectlFailure(
					'timeout',
					`kubectl did not finish within ${timeoutMs} ms`,
					timeoutMs,
				),
			};
		}
		const code = (result as {code?: string}).code;
		if (result.exitCode === undefined) {
			if (code === 'ENOENT') {
				return {
					...base,
					exitCode: null,
					failure: kubectlFailure(
						'kubectl-missing',
						`kubectl not found (${binary}): install it or pass --kubectl PATH`,
					),
				};
			}
			return {
				...base,
				exitCode: null,
				failure: kubectlFailure('kubectl-error', result.shortMessage || 'kubectl did not run'),
			};
		}
		return {...base, exitCode: result.exitCode};
	};

	return {options, namespace: options.namespace ?? 'openstack', argsFor, run};
};

// ─── pod lookup (label + spec.nodeName, cached per run) ──────────────────────────────────────

export type ResolvedPod = {
	readonly namespace: string;
	readonly name: string;
	readonly container: string;
	/** Containers the pod has, for error messages. */
	readonly containers: readonly string[];
	readonly nodeName?: string;
};

export type PodLookup =
	| {readonly ok: true; readonly pod: ResolvedPod}
	| {readonly ok: false; readonly failure: TransportFailure};

/** Finds and caches the pod of each class on each node for one collection run. */
export type KubePodResolver = {
	resolve(
		podClass: PodClass,
		nodeName: string | undefined,
		signal: AbortSignal,
	): Promise<PodLookup>;
	/** Number of `kubectl get pods` calls made (tests, progress). */
	lookups(): number;
};

type PodJson = {
	metadata?: {name?: string; namespace?: string; labels?: Record<string, string>};
	spec?: {nodeName?: string; containers?: {name?: string}[]};
	status?: {phase?: string; containerStatuses?: {name?: string; ready?: boolean}[]};
};

const podScore = (pod: PodJson, primary: string): number =>
	(pod.spec?.containers?.some(c => c.name === primary) === true ? 4 : 0) +
	(pod.status?.phase === 'Running' ? 2 : 0) +
	(pod.status?.containerStatuses?.every(status => status.ready === true) === true ? 1 : 0);

export const createPodResolver = (client: KubectlClient): KubePodResolver => {
	const cache = new Map<string, Promise<PodLookup>>();
	let lookups = 0;

	const lookup = async (
		podClass: PodClass,
		nodeName: string | undefined,
		signal: AbortSignal,
	): Promise<PodLookup> => {
		const spec = POD_CLASSES[podClass];
		const where = nodeName === undefined ? '' : ` on node ${nodeName}`;
		const args = [
			'-n',
			client.namespace,
			'get',
			'pods',
			'-l',
			spec.selector,
			...(nodeName === undefined ? [] : ['--field-selector', `spec.nodeName=${nodeName}`]),
			'-o',
			'json',
		];
		lookups++;
		const timeoutMs = client.options.requestTimeoutMs ?? 20_000;
		const run = await client.run([...args, `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`], {
			signal,
			timeoutMs: timeoutMs + 5000,
		});
		if (run.failure) return {ok: false, failure: run.failure};
		// With -o json a failed get still prints an empty List: the exit code decides.
		if (run.exitCode !== 0) {
			const {reason, message} = classifyKubectlError(run.stderr);
			return {
				ok: false,
				failure: kubectlFailure(reason, `looking up the ${spec.title} pod${where}: ${message}`),
			};
		}
		let items: PodJson[];
		try {
			items = ((JSON.parse(run.stdout.toString('utf8')) as {items?: PodJson[]}).items ?? []).filter(
				item => nodeName === undefined || item.spec?.nodeName === nodeName,
			);
		} catch {
			return {
				ok: false,
				failure: kubectlFailure('kubectl-error', `kubectl get pods printed no JSON${where}`),
			};
		}
		const best = [...items].sort(
			(a, b) =>
				podScore(b, spec.container) - podScore(a, spec.container) ||
				(a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
		)[0];
		const name = best?.metadata?.name;
		if (best === undefined || name === undefined) {
			return {
				ok: false,
				failure: kubectlFailure(
					'pod-not-found',
					`no ${spec.title} pod${where} in namespace ${client.namespace} (label selector ${spec.selector})`,
				),
			};
		}
		if (best.status?.phase !== 'Running') {
			return {
				ok: false,
				failure: kubectlFailure(
					'pod-not-found',
					`${spec.title} pod ${name}${where} is ${best.status?.phase ?? 'not running'}, not Running`,
				),
			};
		}
		const containers = (best.spec?.containers ?? []).flatMap(c =>
			c.name === undefined ? [] : [c.name],
		);
		return {
			ok: true,
			pod: {
				namespace: best.metadata?.namespace ?? client.namespace,
				name,
				container: containerFor(spec, containers),
				containers,
				...(best.spec?.nodeName === undefined ? {} : {nodeName: best.spec.nodeName}),
			},
		};
	};

	return {
		async resolve(podClass, nodeName, signal) {
			const spec = POD_CLASSES[podClass];
			const node = spec.nodeBound ? nodeName : undefined;
			// ovs-vswitchd and ovs-db share one pod: key by selector, not by class.
			const key = `${spec.selector}\u0000${node ?? '*'}`;
			let pending = cache.get(key);
			if (pending === undefined) {
				pending = lookup(podClass, node, signal);
				cache.set(key, pending);
			}
			const result = await pending;
			if (!result.ok) {
				// Timeouts and cancellations are not facts about the cluster: let the next call retry.
				if (result.failure.kind === 'timeout' || result.failure.kind === 'cancelled') {
					if (cache.get(key) === pending) cache.delete(key);
				}
				return result;
			}
			return {ok: true, pod: {...result.pod, container: containerFor(spec, result.pod.containers)}};
		},
		lookups: () => lookups,
	};
};

/** Re-read after an await (a plain `signal.aborted` is narrowed to false by an earlier check). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

// ─── the transport ───────────────────────────────────────────────────────────────────────────

export type KubectlTransportOptions = {
	readonly client: KubectlClient;
	readonly resolver: KubePodResolver;
	/** Kubernetes node name whose pods answer; absent for the cluster-wide (cloud) transport. */
	readonly nodeName?: string;
	/** Transport id (default: the node name, or `cloud`). */
	readonly id?: string;
};

/** A Transport that runs each command in the pod of its class on one Kubernetes node. */
export const createKubectlTransport = (options: KubectlTransportOptions): Transport => {
	const {client, resolver, nodeName} = options;
	const id = options.id ?? nodeName ?? 'cloud';

	const exec: Transport['exec'] = async (spec, {signal}) => {
		const startedAt = new Date().toISOString();
		const fail = (failure: TransportFailure, durationMs = 0): CommandResult => ({
			target: id,
			argv: spec.argv,
			stdout: '',
			stderr: '',
			exitCode: null,
			startedAt,
			durationMs,
			failure,
		});
		if (signal.aborted) return fail(kubectlFailure('cancelled', 'cancelled before it started'));
		const podClass = podClassFor(spec);
		if (podClass === undefined) {
			return fail({
				kind: 'refused',
				reason: 'unknown-pod-class',
				message: `unknown pod class ${spec.podClass ?? ''}: not run`,
			});
		}
		const lookup = await resolver.resolve(podClass, nodeName, signal);
		if (!lookup.ok) return fail(lookup.failure);
		if (isAborted(signal)) return fail(kubectlFailure('cancelled', 'cancelled before it started'));
		const {pod} = lookup;
		const timeoutMs = spec.timeoutMs ?? client.options.defaultTimeoutMs ?? 60_000;
		const run = await client.run(
			['-n', pod.namespace, 'exec', pod.name, '-c', pod.container, '--', ...spec.argv],
			{signal, timeoutMs, ...(spec.maxBytes === undefined ? {} : {maxBytes: spec.maxBytes})},
		);
		const common = {
			target: id,
			argv: spec.argv,
			stdout: run.stdout.toString('utf8'),
			startedAt: run.startedAt,
			durationMs: run.durationMs,
			pod: {namespace: pod.namespace, name: pod.name, container: pod.container},
			...(run.truncated ? {truncated: true} : {}),
		};
		if (run.failure) return {...common, stderr: run.stderr, exitCode: null, failure: run.failure};
		const verdict = interpretExec(run.exitCode ?? 1, run.stderr);
		if ('failure' in verdict) {
			const failure =
				verdict.failure.reason === 'container-not-found'
					? {
							...verdict.failure,
							message: `${verdict.failure.message} (pod ${pod.name} has containers: ${pod.containers.join(', ') || 'none'})`,
						}
					: verdict.failure;
			return {...common, stderr: verdict.stderr, exitCode: null, failure};
		}
		return {...common, stderr: verdict.stderr, exitCode: verdict.exitCode};
	};

	// Nothing to close: each command is its own kubectl process, ended by timeout or cancel.
	return {id, kind: 'kubectl', exec, close: () => Promise.resolve()};
};
