/**
 * The OpenStack API through kubectl with ONE exec into the keystone-client pod for a whole
 * collection: `kubectl exec -i <keystone-client pod> -- sh -c '<python relay>'` starts the pod's
 * own Python (the interpreter of its `openstack` CLI, so its openstacksdk / keystoneauth and its
 * clouds.yaml / OS_* credentials) once, and every read of the API phase is a line on its stdin:
 *
 *   → {"id": 1, "service": "network", "path": "/v2.0/ports", "strip": "…", "timeout": 60, "max": N}
 *   ← {"id": 1, "status": 200, "body": "…", "truncated": false}
 *   ← {"id": 1, "error": "unreachable", "message": "…"}
 *
 * The relay answers GETs only (the script has no other method), and this side sends only requests
 * on {@link checkApiRequest}'s allow-list — the same requests, replies and captures as
 * {@link OpenStackApi} from Node, with `via` `openstack-api-kubectl`. The CLI in the pod (one
 * exec, one Python process per read) stays as `--openstack cli`.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {
	apiReadFrame,
	type ApiReadOptions,
	type ApiRequest,
	type CloudApi,
} from './openstack-api.js';
import {
	classifyKubectlError,
	kubectlFailure,
	type KubectlClient,
	type KubePodResolver,
} from './kubectl.js';
import type {CommandResult, TransportFailure} from './types.js';
import type {ApiService} from '../model/api-request.js';

/** The endpoint suffix removed before the path is appended (as {@link OpenStackApi} does). */
const STRIP: Readonly<Record<ApiService, string>> = {
	network: '/v2\\.0/?$',
	'load-balancer': '/v2(?:\\.\\d+)?/?$',
	compute: '$^',
};

/**
 * The relay, run by the pod's Python. Reads request lines, answers each on one line; GET only.
 * Auth type none (a Neutron without Keystone) gives only the network endpoint, as from Node.
 */
export const RELAY_PY = String.raw`
import json, re, sys, threading
from concurrent.futures import ThreadPoolExecutor
sys.modules["osprofiler"] = None  # optional in keystoneauth (trace headers only); halves the start-up
lock = threading.Lock()
def send(msg):
    line = json.dumps(msg) + "\n"
    with lock:
        sys.stdout.write(line)
        sys.stdout.flush()
try:
    from openstack import config as occ
    from keystoneauth1 import exceptions as kse
    cloud = occ.OpenStackConfig().get_one()
    sess = cloud.get_session()
    noauth = cloud.config.get("auth_type") in ("none", "noauth")
except Exception as e:
    send({"fatal": "%s: %s" % (type(e).__name__, str(e)[:500])})
    sys.exit(0)
send({"ready": True, "cloud": cloud.name, "auth_type": cloud.config.get("auth_type")})
roots = {}
roots_lock = threading.Lock()
def root(service, strip):
    with roots_lock:
        if service not in roots:
            ep = None
            if not noauth or service == "network":
                try:
                    ep = cloud.get_session_endpoint(service)
                except kse.EndpointNotFound:
                    ep = None
            roots[service] = None if not ep else re.sub(strip, "", ep.rstrip("/") + "/").rstrip("/")
        return roots[service]
def one(req):
    rid = req.get("id")
    try:
        base = root(req["service"], req["strip"])
        if base is None:
            send({"id": rid, "error": "no-endpoint", "message": "no %s endpoint in the pod's cloud %s (interface %s)" % (req["service"], cloud.name, cloud.get_interface(req["service"]))})
            return
        r = sess.get(base + req["path"], raise_exc=False, timeout=req["timeout"], headers={"Accept": "application/json"})
        body = r.content
        cut = len(body) > req["max"]
        send({"id": rid, "status": r.status_code, "body": body[: req["max"]].decode("utf-8", "replace"), "truncated": cut})
    except (kse.Unauthorized, kse.AuthorizationFailure, kse.MissingAuthPlugin) as e:
        send({"id": rid, "error": "auth", "message": "%s: %s" % (type(e).__name__, str(e)[:500])})
    except (kse.ConnectTimeout, kse.RequestTimeout) as e:
        send({"id": rid, "error": "timeout", "message": "%s: %s" % (type(e).__name__, str(e)[:500])})
    except Exception as e:
        send({"id": rid, "error": "unreachable", "message": "%s: %s" % (type(e).__name__, str(e)[:500])})
pool = ThreadPoolExecutor(4)
for line in sys.stdin:
    if line.strip():
        pool.submit(one, json.loads(line))
pool.shutdown(wait=True)
`;

/** Runs the relay with the interpreter of the pod's `openstack` CLI (its shebang). */
const LAUNCH =
	'o=$(command -v openstack) || { echo "no openstack CLI in this container" >&2; exit 127; }; ' +
	`p=$(sed -n '1s/^#! *//p' "$o"); exec \${p:-python3} -u -c "$0"`;

type Answer =
	| {id: number; status: number; body: string; truncated?: boolean}
	| {id: number; error: string; message: string};

type Relay = {
	readonly process: ChildProcess;
	/** Settles when the exec ended. */
	readonly ended: Promise<void>;
	readonly pending: Map<number, (answer: Answer | TransportFailure) => void>;
	/** Settles when the relay said it is ready, or with why it is not. */
	readonly ready: Promise<TransportFailure | undefined>;
	failure?: TransportFailure;
	/** The exec has ended (closed by us, or died). */
	over?: boolean;
};

const FAILURE_KIND: Readonly<Record<string, TransportFailure['kind']>> = {
	auth: 'auth',
	timeout: 'timeout',
	'no-endpoint': 'refused',
};

/** The relay's start, bounded by one read's timeout and signal. */
async function bounded(
	ready: Promise<TransportFailure | undefined>,
	timeoutMs: number,
	signal: AbortSignal,
): Promise<TransportFailure | undefined> {
	let timer: NodeJS.Timeout | undefined;
	let onAbort: (() => void) | undefined;
	const stop = new Promise<TransportFailure>(resolve => {
		timer = setTimeout(() => {
			resolve({
				kind: 'timeout',
				message: `the API relay in the keystone-client pod did not start within ${Math.round(timeoutMs / 1000)} s`,
				afterMs: timeoutMs,
			});
		}, timeoutMs);
		onAbort = () => {
			resolve(kubectlFailure('cancelled', 'cancelled'));
		};
		signal.addEventListener('abort', onAbort, {once: true});
	});
	try {
		return await Promise.race([ready, stop]);
	} finally {
		clearTimeout(timer);
		if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
	}
}

/** {@link CloudApi} through one `kubectl exec -i` into the keystone-client pod. */
export class KubectlOpenStackApi implements CloudApi {
	readonly kind = 'openstack-api-kubectl';
	readonly id: string;
	#relay: Relay | undefined;
	#next = 1;
	#execs = 0;

	constructor(
		readonly options: {
			readonly client: KubectlClient;
			readonly resolver: KubePodResolver;
			readonly id?: string;
		},
	) {
		this.id = options.id ?? 'cloud';
	}

	/** How many `kubectl exec` this reader started (tests, the benchmark): at most 1 unless it died. */
	get execs(): number {
		return this.#execs;
	}

	async get(request: ApiRequest, options: ApiReadOptions): Promise<CommandResult> {
		const {refused, failed, replied} = apiReadFrame(this.id, request);
		if (refused !== undefined) return refused;
		if (options.signal.aborted)
			return failed(kubectlFailure('cancelled', 'cancelled before it started'));
		const timeoutMs = options.timeoutMs ?? 60_000;
		const relay = await this.#start(options.signal);
		if ('kind' in relay) return failed(relay);
		const notReady = await bounded(relay.ready, timeoutMs, options.signal);
		if (notReady !== undefined) return failed(notReady);
		const id = this.#next++;
		const answer = await new Promise<Answer | TransportFailure>(resolve => {
			const timer = setTimeout(() => {
				settle({
					kind: 'timeout',
					message: `no answer from the keystone-client pod within ${Math.round(timeoutMs / 1000)} s`,
					afterMs: timeoutMs,
				});
			}, timeoutMs + 5000);
			const onAbort = (): void => {
				settle(kubectlFailure('cancelled', 'cancelled'));
			};
			const settle = (value: Answer | TransportFailure): void => {
				clearTimeout(timer);
				options.signal.removeEventListener('abort', onAbort);
				relay.pending.delete(id);
				resolve(value);
			};
			options.signal.addEventListener('abort', onAbort, {once: true});
			relay.pending.set(id, settle);
			relay.process.stdin?.write(
				`${JSON.stringify({
					id,
					service: request.service,
					path: request.path,
					strip: STRIP[request.service],
					timeout: Math.ceil(timeoutMs / 1000),
					max: options.maxBytes ?? 64 * 1024 * 1024,
				})}\n`,
			);
		});
		if ('kind' in answer) return failed(answer);
		if ('error' in answer)
			return failed({
				kind: FAILURE_KIND[answer.error] ?? 'unreachable',
				reason: answer.error,
				message: `keystone-client pod: ${answer.message}`,
			});
		return replied(answer);
	}

	/** Ends the relay: stdin closed (it finishes what it has), killed after 2 s. */
	async close(): Promise<void> {
		const relay = this.#relay;
		if (relay === undefined) return;
		this.#relay = undefined; // a later read starts a new relay
		relay.process.stdin?.end();
		const timer = setTimeout(() => relay.process.kill('SIGTERM'), 2000);
		await relay.ended;
		clearTimeout(timer);
	}

	/** The relay, started on the first read (its pod looked up through the shared resolver). */
	async #start(signal: AbortSignal): Promise<Relay | TransportFailure> {
		const current = this.#relay;
		if (current !== undefined && current.failure === undefined) return current;
		// a pod without a usable cloud configuration stays so; a relay that died is started again
		// by the next read
		if (
			current?.failure !== undefined &&
			(current.failure.reason === 'openstack-config' || current.over !== true)
		)
			return current.failure;
		this.#relay = undefined;
		const lookup = await this.options.resolver.resolve('keystone-client', undefined, signal);
		if (!lookup.ok) return lookup.failure;
		// another read started it meanwhile
		const raced = this.#relay as Relay | undefined;
		if (raced !== undefined) return raced.failure ?? raced;
		const {client} = this.options;
		const {pod} = lookup;
		this.#execs++;
		const child = spawn(
			client.options.kubectlPath ?? 'kubectl',
			client.argsFor([
				'-n',
				pod.namespace,
				'exec',
				'-i',
				pod.name,
				'-c',
				pod.container,
				'--',
				'sh',
				'-c',
				LAUNCH,
				RELAY_PY,
			]),
			{
				stdio: ['pipe', 'pipe', 'pipe'],
				...(client.options.env === undefined ? {} : {env: {...process.env, ...client.options.env}}),
			},
		);
		const ended = new Promise<{code: number | null; signal: string | null; error?: Error}>(
			resolve => {
				child.on('error', error => {
					resolve({code: null, signal: null, error});
				});
				child.on('close', (code, signal) => {
					resolve({code, signal});
				});
			},
		);
		child.stdin.on('error', () => undefined); // a relay that died: its readers get the failure
		let stderr = '';
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			if (stderr.length < 65536) stderr += chunk;
		});
		let onReady: (value: TransportFailure | undefined) => void = () => undefined;
		const relay: Relay = {
			process: child,
			ended: ended.then(() => undefined),
			pending: new Map(),
			ready: new Promise(resolve => {
				onReady = resolve;
			}),
		};
		this.#relay = relay;
		const fail = (failure: TransportFailure): void => {
			relay.failure ??= failure;
			onReady(relay.failure);
			for (const settle of [...relay.pending.values()]) settle(relay.failure);
		};
		const lines = createInterface({input: child.stdout});
		lines.on('line', line => {
			let message: unknown;
			try {
				message = JSON.parse(line);
			} catch {
				return; // not ours (a warning the pod's Python printed)
			}
			if (typeof message !== 'object' || message === null) return;
			const record = message as Record<string, unknown>;
			if (typeof record['fatal'] === 'string')
				fail({
					kind: 'auth',
					reason: 'openstack-config',
					message: `the keystone-client pod ${pod.name} has no usable cloud configuration: ${record['fatal']}`,
				});
			else if (record['ready'] === true) onReady(undefined);
			else if (typeof record['id'] === 'number')
				relay.pending.get(record['id'])?.(record as unknown as Answer);
		});
		void ended.then(result => {
			relay.over = true;
			if (result.error !== undefined) {
				const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
				fail(
					kubectlFailure(
						missing ? 'kubectl-missing' : 'kubectl-error',
						missing ? `kubectl not found: ${result.error.message}` : result.error.message,
					),
				);
				return;
			}
			const why = classifyKubectlError(stderr);
			fail({
				kind: why.reason === 'command-not-found' ? 'spawn' : 'unreachable',
				reason: why.reason,
				message: `the API relay in the keystone-client pod ${pod.name} ended (exit ${String(result.code ?? result.signal ?? '?')}): ${why.message} (--openstack cli runs the openstack CLI there instead)`,
			});
		});
		return relay;
	}
}
