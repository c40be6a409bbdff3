/**
 * TEST DOUBLE of the Kubernetes API server — NOT a Kubernetes implementation.
 *
 * It serves exactly what the REAL `kubectl` needs to list nodes, list pods by label and field
 * selector, read an OpenStackDeployment and `kubectl exec` into a pod (WebSocket
 * `v5.channel.k8s.io`), on 127.0.0.1 only, plain HTTP, no authentication (kubeconfig user `{}`).
 * Tests use it to drive the real kubectl binary; the lab (`npm run lab:up`) uses it as the
 * MOSK-like Kubernetes face of its nodes, with an `execHandler` that runs the command inside that
 * lab node's namespaces. What runs is decided by `execHandler`; the server never runs anything on
 * its own.
 *
 * Fidelity notes (what is real, what is not):
 * - Responses are the shapes and texts of a real API server (Status objects, `pods "x" not
 *   found`, `… is forbidden: User "system:anonymous" cannot …`), so kubectl prints its real errors.
 * - `/version` reports v1.32 so the kubectl dispatcher picks a client ≥ 1.30, whose exec speaks
 *   WebSocket; SPDY upgrades are answered with an HTTP error (never spoken).
 * - The WebSocket framing (RFC 6455) is implemented here with node:crypto: unmasked binary frames
 *   out, masked frames in, ping → pong, close handshake.
 * - No watch, no Table output (kubectl falls back to its own columns), no write verbs.
 */
import {createHash} from 'node:crypto';
import {createServer, STATUS_CODES} from 'node:http';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import type {Readable, Writable} from 'node:stream';
import {constants as osConstants} from 'node:os';

// ─── object shapes (the subset of the Kubernetes types this double serves) ──────────────────────

/** Metadata of any object the double serves. */
export type KubeObjectMeta = {
	name: string;
	namespace?: string;
	labels?: Record<string, string>;
	annotations?: Record<string, string>;
	uid?: string;
	resourceVersion?: string;
	creationTimestamp?: string;
	ownerReferences?: {apiVersion: string; kind: string; name: string; uid: string}[];
};

export type KubeContainer = {name: string; image: string};

export type KubePod = {
	metadata: KubeObjectMeta & {namespace: string};
	spec: {nodeName?: string; containers: KubeContainer[]; initContainers?: KubeContainer[]};
	status: {
		phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
		podIP?: string;
		hostIP?: string;
		containerStatuses?: {
			name: string;
			ready: boolean;
			restartCount: number;
			image: string;
			imageID: string;
			state: Record<string, unknown>;
		}[];
	};
};

export type KubeNode = {
	metadata: KubeObjectMeta;
	spec?: Record<string, unknown>;
	status?: {
		addresses?: {type: string; address: string}[];
		conditions?: {type: string; status: string}[];
		nodeInfo?: Record<string, string>;
	};
};

/** Any namespaced custom resource (an OpenStackDeployment, for instance). */
export type KubeCustomObject = {
	metadata: KubeObjectMeta & {namespace: string};
	spec?: unknown;
	status?: unknown;
};

/** One API access, as RBAC would see it; passed to the `forbidden` predicate. */
export type FakeKubeAccess = {
	readonly verb: 'get' | 'list' | 'create';
	/** `pods`, `pods/exec`, `nodes`, `namespaces`, `openstackdeployments`. */
	readonly resource: string;
	/** API group: `''` for core, `lcm.mirantis.com` for OpenStackDeployments. */
	readonly group: string;
	readonly namespace?: string;
	readonly name?: string;
};

/** What an exec runs: the output and exit code given directly … */
export type FakeExecReply = {
	readonly stdout?: string | Uint8Array;
	readonly stderr?: string | Uint8Array;
	readonly exitCode: number;
};

/** … or the executable is missing in the container (the container runtime's own error). */
export type FakeExecNotFound = {readonly commandNotFound: true};

/**
 * … or a real process: anything with stdout/stderr streams, `close`/`error` events and `kill`
 * (a `ChildProcess` from `spawn(…, {stdio: ['pipe' | 'ignore', 'pipe', 'pipe']})`). A spawn
 * `error` with code ENOENT is reported as "executable file not found", like containerd does.
 */
export type FakeExecProcess = {
	readonly stdout: Readable | null;
	readonly stderr: Readable | null;
	readonly stdin: Writable | null;
	kill(signal?: NodeJS.Signals | number): boolean;
	on(
		event: 'close',
		listener: (code: number | null, signal: NodeJS.Signals | null) => void,
	): unknown;
	on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
};

export type FakeExecRequest = {
	readonly pod: KubePod;
	readonly container: string;
	readonly argv: readonly string[];
	/** True when kubectl was run with `-i` (stdin is forwarded to the process). */
	readonly stdin: boolean;
};

export type FakeExecHandler = (
	request: FakeExecRequest,
) => FakeExecProcess | FakeExecReply | FakeExecNotFound | Promise<FakeExecReply | FakeExecNotFound>;

export type FakeKubeApiServerOptions = {
	/** TCP port on 127.0.0.1; 0 (default) picks a free one. */
	readonly port?: number;
	readonly pods?: readonly KubePod[];
	readonly nodes?: readonly KubeNode[];
	/**
	 * Custom resources by plural name; `openstackdeployments` is the one served. Without it the
	 * `lcm.mirantis.com` API group is not served at all (a cluster without the OpenStackDeployment CRD).
	 */
	readonly customResources?: {readonly openstackdeployments?: readonly KubeCustomObject[]};
	/** Extra namespaces beyond `default`, `kube-system` and the pods' and resources' namespaces. */
	readonly namespaces?: readonly string[];
	/** Runs `kubectl exec`. Without one, every exec answers "command not found". */
	readonly execHandler?: FakeExecHandler;
	/** RBAC stand-in: return true to answer 403 Forbidden for that access. */
	readonly forbidden?: (access: FakeKubeAccess) => boolean;
	/** Server version reported on /version (default v1.32.4; ≥ 1.30 is needed for WebSocket exec). */
	readonly version?: string;
	/** Log each request to stderr. */
	readonly log?: boolean;
	/** How many requests `requests` keeps (oldest dropped first; default 10 000). */
	readonly maxRequests?: number;
};

/** One request the double saw, for tests that assert how kubectl was driven. */
export type FakeKubeRequest = {
	readonly method: string;
	readonly path: string;
	readonly query: Readonly<Record<string, string>>;
	/** `websocket`, `SPDY/3.1` for exec upgrades. */
	readonly upgrade?: string;
};

export type FakeKubeApiServer = {
	readonly port: number;
	/** `http://127.0.0.1:<port>` */
	readonly url: string;
	/** The requests so far (at most `maxRequests`, the most recent), oldest first. */
	readonly requests: readonly FakeKubeRequest[];
	/** Replace the objects served (e.g. a lab scenario that moves pods). */
	setPods(pods: readonly KubePod[]): void;
	setNodes(nodes: readonly KubeNode[]): void;
	setOpenStackDeployments(objects: readonly KubeCustomObject[]): void;
	/** A kubeconfig (YAML text) pointing at this server, user `{}`, context `name`. */
	kubeconfig(options?: {readonly context?: string; readonly namespace?: string}): string;
	/** Execs still running. */
	activeExecs(): number;
	/** Close the listener, kill running execs, drop open connections. */
	stop(): Promise<void>;
};

// ─── helpers ─────────────────────────────────────────────────────────────────────────────────

const OSDPL_GROUP = 'lcm.mirantis.com';
const OSDPL_VERSION = 'v1alpha1';
const ANONYMOUS = 'system:anonymous';

type Status = {
	kind: 'Status';
	apiVersion: 'v1';
	metadata: Record<string, never>;
	status: 'Failure';
	message: string;
	reason: string;
	code: number;
	details?: {name?: string; group?: string; kind: string};
};

const failure = (
	code: number,
	reason: string,
	message: string,
	details?: Status['details'],
): Status => ({
	kind: 'Status',
	apiVersion: 'v1',
	metadata: {},
	status: 'Failure',
	message,
	reason,
	code,
	...(details === undefined ? {} : {details}),
});

const notFound = (resource: string, name: string, group = ''): Status =>
	failure(404, 'NotFound', `${resource}${group ? `.${group}` : ''} "${name}" not found`, {
		name,
		...(group ? {group} : {}),
		kind: resource,
	});

/** The real API server's Forbidden text (k8s.io/apiserver authorization messages). */
const forbiddenStatus = (access: FakeKubeAccess): Status => {
	const [resource = access.resource, subresource] = access.resource.split('/');
	const subject = access.name === undefined ? resource : `${resource} "${access.name}"`;
	const where =
		access.namespace === undefined
			? 'at the cluster scope'
			: `in the namespace "${access.namespace}"`;
	const what = subresource === undefined ? resource : `${resource}/${subresource}`;
	return failure(
		403,
		'Forbidden',
		`${subject} is forbidden: User "${ANONYMOUS}" cannot ${access.verb} resource "${what}" in API group "${access.group}" ${where}`,
		{...(access.name === undefined ? {} : {name: access.name}), kind: resource},
	);
};

const sendJson = (res: ServerResponse, code: number, body: unknown): void => {
	const text = JSON.stringify(body);
	res.writeHead(code, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(text),
	});
	res.end(text);
};

/** A field of an object by dotted path (`spec.nodeName`, `metadata.name`). */
const fieldOf = (object: unknown, path: string): string | undefined => {
	let value: unknown = object;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return typeof value === 'string' ? value : undefined;
};

/**
 * Kubernetes label-selector semantics: comma = AND; `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`. Throws with the API server's wording on a term it cannot parse.
 */
export const matchesSelector = (
	selector: string | undefined,
	get: (key: string) => string | undefined,
): boolean => {
	if (selector === undefined || selector.trim() === '') return true;
	// Split on commas outside parentheses.
	const terms: string[] = [];
	let depth = 0;
	let current = '';
	for (const char of selector) {
		if (char === '(') depth++;
		if (char === ')') depth--;
		if (char === ',' && depth === 0) {
			terms.push(current);
			current = '';
		} else current += char;
	}
	terms.push(current);
	return terms.every(term => {
		const set = /^\s*([A-Za-z0-9_./-]+)\s+(in|notin)\s+\(([A-Za-z0-9_.,\s-]*)\)\s*$/.exec(term);
		if (set) {
			const [, key = '', op, list = ''] = set;
			const values = list.split(',').map(v => v.trim());
			const value = get(key);
			return op === 'in'
				? value !== undefined && values.includes(value)
				: value === undefined || !values.includes(value);
		}
		const eq = /^\s*(!?)([A-Za-z0-9_./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9_.-]*))?\s*$/.exec(term);
		if (!eq) throw new Error(`unable to parse requirement: ${term}`);
		const [, not, key = '', op, expected] = eq;
		const value = get(key);
		if (op === undefined) return not ? value === undefined : value !== undefined;
		return op === '!=' ? value !== expected : value === expected;
	});
};

const POD_FIELDS = new Set([
	'metadata.name',
	'metadata.namespace',
	'spec.nodeName',
	'spec.restartPolicy',
	'spec.schedulerName',
	'spec.serviceAccountName',
	'status.phase',
	'status.podIP',
]);

// ─── WebSocket (RFC 6455), the minimal server side kubectl's exec needs ──────────────────────

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

const encodeFrame = (opcode: number, payload: Uint8Array): Buffer => {
	const length = payload.length;
	let header: Buffer;
	if (length < 126) {
		header = Buffer.from([0x80 | opcode, length]);
	} else if (length < 0x10000) {
		header = Buffer.alloc(4);
		header[0] = 0x80 | opcode;
		header[1] = 126;
		header.writeUInt16BE(length, 2);
	} else {
		header = Buffer.alloc(10);
		header[0] = 0x80 | opcode;
		header[1] = 127;
		header.writeBigUInt64BE(BigInt(length), 2);
	}
	return Buffer.concat([header, payload]);
};

type WsMessageHandler = (opcode: number, payload: Buffer) => void;

/** Reads client frames (always masked) from a byte stream; reassembles fragmented messages. */
const createFrameReader = (onMessage: WsMessageHandler, onProtocolError: () => void) => {
	let buffered: Buffer = Buffer.alloc(0);
	let fragments: Buffer[] = [];
	let fragmentOpcode = 0;
	return (chunk: Buffer): void => {
		buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
		for (;;) {
			if (buffered.length < 2) return;
			const first = buffered[0] ?? 0;
			const second = buffered[1] ?? 0;
			const fin = (first & 0x80) !== 0;
			const opcode = first & 0x0f;
			const masked = (second & 0x80) !== 0;
			let length = second & 0x7f;
			let offset = 2;
			if (length === 126) {
				if (buffered.length < 4) return;
				length = buffered.readUInt16BE(2);
				offset = 4;
			} else if (length === 127) {
				if (buffered.length < 10) return;
				const big = buffered.readBigUInt64BE(2);
				if (big > BigInt(64 * 1024 * 1024)) {
					onProtocolError();
					return;
				}
				length = Number(big);
				offset = 10;
			}
			if (!masked) {
				onProtocolError(); // RFC 6455 §5.1: a client frame must be masked
				return;
			}
			if (buffered.length < offset + 4 + length) return;
			const mask = buffered.subarray(offset, offset + 4);
			const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + length));
			for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
			buffered = buffered.subarray(offset + 4 + length);
			if (opcode >= 0x8) {
				onMessage(opcode, payload); // control frames are never fragmented
			} else if (opcode === OP_CONTINUATION) {
				fragments.push(payload);
				if (fin) {
					const whole = Buffer.concat(fragments);
					fragments = [];
					onMessage(fragmentOpcode, whole);
				}
			} else if (fin) {
				onMessage(opcode, payload);
			} else {
				fragmentOpcode = opcode;
				fragments = [payload];
			}
		}
	};
};

// ─── the server ──────────────────────────────────────────────────────────────────────────────

/** Start the TEST DOUBLE of the Kubernetes API on 127.0.0.1. */
export const startFakeKubeApiServer = async (
	options: FakeKubeApiServerOptions = {},
): Promise<FakeKubeApiServer> => {
	let pods: readonly KubePod[] = options.pods ?? [];
	let nodes: readonly KubeNode[] = options.nodes ?? [];
	let osdpls: readonly KubeCustomObject[] = options.customResources?.openstackdeployments ?? [];
	const version = options.version ?? 'v1.32.4';
	const requests: FakeKubeRequest[] = [];
	const maxRequests = options.maxRequests ?? 10_000;
	const sockets = new Set<Socket>();
	const running = new Set<() => void>();
	const isForbidden = options.forbidden ?? (() => false);
	// Like a cluster without Rockoon (upstream openstack-helm): no lcm.mirantis.com group at all.
	const hasOsdplCrd = options.customResources?.openstackdeployments !== undefined;

	// Namespaces outlive the pods in them (a test that empties the pod list keeps `openstack`).
	const knownNamespaces = new Set(['default', 'kube-system', ...(options.namespaces ?? [])]);
	const namespaces = (): Set<string> => {
		for (const pod of pods) knownNamespaces.add(pod.metadata.namespace);
		for (const object of osdpls) knownNamespaces.add(object.metadata.namespace);
		return knownNamespaces;
	};
	namespaces();

	const record = (req: IncomingMessage, upgrade?: string): URL => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const entry: FakeKubeRequest = {
			method: req.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			...(upgrade === undefined ? {} : {upgrade}),
		};
		requests.push(entry);
		// A long-lived lab server must not grow without bound: keep the most recent requests.
		if (requests.length > maxRequests) requests.splice(0, requests.length - maxRequests);
		if (options.log) {
			console.error('[fake-kube-apiserver]', entry.method, req.url, upgrade ?? '');
		}
		return url;
	};

	const list = (
		res: ServerResponse,
		url: URL,
		kind: string,
		apiVersion: string,
		items: readonly {metadata: KubeObjectMeta}[],
		fields: ReadonlySet<string> | undefined,
	): void => {
		const fieldSelector = url.searchParams.get('fieldSelector') ?? '';
		if (fields !== undefined) {
			const bad = fieldSelector
				.split(',')
				.map(term => term.split(/!?=/)[0]?.trim() ?? '')
				.find(field => field !== '' && !fields.has(field));
			if (bad !== undefined) {
				sendJson(res, 400, failure(400, 'BadRequest', `field label not supported: ${bad}`));
				return;
			}
		}
		try {
			const selected = items.filter(
				item =>
					matchesSelector(
						url.searchParams.get('labelSelector') ?? undefined,
						key => item.metadata.labels?.[key],
					) && matchesSelector(fieldSelector, key => fieldOf(item, key)),
			);
			sendJson(res, 200, {
				kind,
				apiVersion,
				metadata: {resourceVersion: '1'},
				items: selected.map(item => ({
					apiVersion,
					kind: kind.replace(/List$/, ''),
					...item,
				})),
			});
		} catch (error) {
			sendJson(res, 400, failure(400, 'BadRequest', (error as Error).message));
		}
	};

	const handle = (req: IncomingMessage, res: ServerResponse): void => {
		const url = record(req);
		const path = url.pathname;
		if (req.method !== 'GET') {
			sendJson(res, 405, failure(405, 'MethodNotAllowed', 'the server does not allow this method'));
			return;
		}
		const deny = (access: FakeKubeAccess): boolean => {
			if (!isForbidden(access)) return false;
			sendJson(res, 403, forbiddenStatus(access));
			return true;
		};

		if (path === '/version') {
			const [major = '1', minor = '32'] = version.replace(/^v/, '').split('.');
			sendJson(res, 200, {
				major,
				minor,
				gitVersion: version,
				gitCommit: 'fake-kube-apiserver',
				platform: 'linux/amd64',
			});
			return;
		}
		if (path === '/api') {
			sendJson(res, 200, {
				kind: 'APIVersions',
				versions: ['v1'],
				serverAddressByClientCIDRs: [
					{clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? ''},
				],
			});
			return;
		}
		if (path === '/apis') {
			const groupVersion = {
				groupVersion: `${OSDPL_GROUP}/${OSDPL_VERSION}`,
				version: OSDPL_VERSION,
			};
			sendJson(res, 200, {
				kind: 'APIGroupList',
				apiVersion: 'v1',
				groups: hasOsdplCrd
					? [{name: OSDPL_GROUP, versions: [groupVersion], preferredVersion: groupVersion}]
					: [],
			});
			return;
		}
		if (path === '/api/v1') {
			sendJson(res, 200, {
				kind: 'APIResourceList',
				groupVersion: 'v1',
				resources: [
					{
						name: 'namespaces',
						singularName: 'namespace',
						namespaced: false,
						kind: 'Namespace',
						verbs: ['get', 'list'],
						shortNames: ['ns'],
					},
					{
						name: 'nodes',
						singularName: 'node',
						namespaced: false,
						kind: 'Node',
						verbs: ['get', 'list'],
						shortNames: ['no'],
					},
					{
						name: 'pods',
						singularName: 'pod',
						namespaced: true,
						kind: 'Pod',
						verbs: ['get', 'list'],
						shortNames: ['po'],
						categories: ['all'],
					},
					{
						name: 'pods/exec',
						singularName: '',
						namespaced: true,
						kind: 'PodExecOptions',
						verbs: ['create', 'get'],
					},
				],
			});
			return;
		}
		if (hasOsdplCrd && path === `/apis/${OSDPL_GROUP}/${OSDPL_VERSION}`) {
			sendJson(res, 200, {
				kind: 'APIResourceList',
				apiVersion: 'v1',
				groupVersion: `${OSDPL_GROUP}/${OSDPL_VERSION}`,
				resources: [
					{
						name: 'openstackdeployments',
						singularName: 'openstackdeployment',
						namespaced: true,
						kind: 'OpenStackDeployment',
						verbs: ['get', 'list'],
						shortNames: ['osdpl'],
					},
				],
			});
			return;
		}

		// Nodes (cluster-scoped).
		const nodeMatch = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(path);
		if (nodeMatch) {
			const name = nodeMatch[1];
			if (name === undefined) {
				if (deny({verb: 'list', resource: 'nodes', group: ''})) return;
				list(res, url, 'NodeList', 'v1', nodes, new Set(['metadata.name']));
				return;
			}
			if (deny({verb: 'get', resource: 'nodes', group: '', name})) return;
			const node = nodes.find(candidate => candidate.metadata.name === name);
			if (node) sendJson(res, 200, {kind: 'Node', apiVersion: 'v1', ...node});
			else sendJson(res, 404, notFound('nodes', name));
			return;
		}

		// Namespaces: kubectl reads the namespace after a 404 on a pod to word its error.
		const nsMatch = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(path);
		if (nsMatch) {
			const name = nsMatch[1];
			const known = [...namespaces()].sort();
			if (name === undefined) {
				if (deny({verb: 'list', resource: 'namespaces', group: ''})) return;
				const items = known.map(ns => ({metadata: {name: ns}, status: {phase: 'Active'}}));
				list(res, url, 'NamespaceList', 'v1', items, new Set(['metadata.name', 'status.phase']));
				return;
			}
			if (deny({verb: 'get', resource: 'namespaces', group: '', name})) return;
			if (known.includes(name)) {
				sendJson(res, 200, {
					kind: 'Namespace',
					apiVersion: 'v1',
					metadata: {name},
					status: {phase: 'Active'},
				});
			} else sendJson(res, 404, notFound('namespaces', name));
			return;
		}

		// Pods.
		const podMatch = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods(?:\/([^/]+))?$/.exec(path);
		if (podMatch && !(podMatch[2] !== undefined && podMatch[1] === undefined)) {
			const [, namespace, name] = podMatch;
			if (name === undefined || namespace === undefined) {
				if (
					deny({
						verb: 'list',
						resource: 'pods',
						group: '',
						...(namespace === undefined ? {} : {namespace}),
					})
				)
					return;
				const inScope = pods.filter(
					pod => namespace === undefined || pod.metadata.namespace === namespace,
				);
				list(res, url, 'PodList', 'v1', inScope, POD_FIELDS);
				return;
			}
			if (deny({verb: 'get', resource: 'pods', group: '', namespace, name})) return;
			const pod = pods.find(p => p.metadata.namespace === namespace && p.metadata.name === name);
			if (pod) sendJson(res, 200, {kind: 'Pod', apiVersion: 'v1', ...pod});
			else sendJson(res, 404, notFound('pods', name));
			return;
		}

		// OpenStackDeployments (lcm.mirantis.com/v1alpha1).
		const osdplMatch = new RegExp(
			`^/apis/${OSDPL_GROUP.replace(/\./g, '\\.')}/${OSDPL_VERSION}(?:/namespaces/([^/]+))?/openstackdeployments(?:/([^/]+))?$`,
		).exec(path);
		if (
			hasOsdplCrd &&
			osdplMatch &&
			!(osdplMatch[2] !== undefined && osdplMatch[1] === undefined)
		) {
			const [, namespace, name] = osdplMatch;
			const apiVersion = `${OSDPL_GROUP}/${OSDPL_VERSION}`;
			if (name === undefined || namespace === undefined) {
				const access = {
					verb: 'list',
					resource: 'openstackdeployments',
					group: OSDPL_GROUP,
				} as const;
				if (deny(namespace === undefined ? access : {...access, namespace})) return;
				const inScope = osdpls.filter(
					object => namespace === undefined || object.metadata.namespace === namespace,
				);
				list(
					res,
					url,
					'OpenStackDeploymentList',
					apiVersion,
					inScope,
					new Set(['metadata.name', 'metadata.namespace']),
				);
				return;
			}
			if (
				deny({verb: 'get', resource: 'openstackdeployments', group: OSDPL_GROUP, namespace, name})
			)
				return;
			const object = osdpls.find(
				o => o.metadata.namespace === namespace && o.metadata.name === name,
			);
			if (object) sendJson(res, 200, {kind: 'OpenStackDeployment', apiVersion, ...object});
			else sendJson(res, 404, notFound('openstackdeployments', name, OSDPL_GROUP));
			return;
		}

		sendJson(
			res,
			404,
			failure(404, 'NotFound', 'the server could not find the requested resource'),
		);
	};

	// ── exec over WebSocket ──────────────────────────────────────────────────────────────────

	const rejectUpgrade = (socket: Socket, code: number, body: Status): void => {
		const text = JSON.stringify(body);
		socket.end(
			`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}\r\nContent-Type: application/json\r\n` +
				`Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
		);
	};

	const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
		const upgrade = req.headers.upgrade ?? '';
		const url = record(req, upgrade);
		const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
		if (!match) {
			rejectUpgrade(
				socket,
				404,
				failure(404, 'NotFound', 'the server could not find the requested resource'),
			);
			return;
		}
		const [, namespace = '', name = ''] = match;
		const access: FakeKubeAccess = {
			verb: 'create',
			resource: 'pods/exec',
			group: '',
			namespace,
			name,
		};
		if (isForbidden(access)) {
			rejectUpgrade(socket, 403, forbiddenStatus(access));
			return;
		}
		const pod = pods.find(p => p.metadata.namespace === namespace && p.metadata.name === name);
		if (!pod) {
			rejectUpgrade(socket, 404, notFound('pods', name));
			return;
		}
		const container = url.searchParams.get('container') ?? pod.spec.containers[0]?.name ?? '';
		if (!pod.spec.containers.some(c => c.name === container)) {
			rejectUpgrade(
				socket,
				400,
				failure(400, 'BadRequest', `container ${container} is not valid for pod ${name}`),
			);
			return;
		}
		const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map(p => p.trim());
		const key = req.headers['sec-websocket-key'];
		if (
			upgrade.toLowerCase() !== 'websocket' ||
			!protocols.includes('v5.channel.k8s.io') ||
			typeof key !== 'string'
		) {
			rejectUpgrade(
				socket,
				400,
				failure(
					400,
					'BadRequest',
					'fake-kube-apiserver (test double): only WebSocket v5.channel.k8s.io exec is implemented (no SPDY)',
				),
			);
			return;
		}
		const accept = createHash('sha1')
			.update(key + WS_GUID)
			.digest('base64');
		socket.write(
			'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
				`Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`,
		);
		runExec(socket, head, {
			pod,
			container,
			argv: url.searchParams.getAll('command'),
			stdin: url.searchParams.get('stdin') === 'true',
		});
	};

	const runExec = (socket: Socket, head: Buffer, request: FakeExecRequest): void => {
		socket.setNoDelay(true);
		let finished = false;
		let closeSent = false;
		// Mutated from socket callbacks: kept in an object so control-flow narrowing does not lie.
		const exec: {child?: FakeExecProcess; stdinEnded: boolean} = {stdinEnded: false};
		const pendingStdin: Buffer[] = [];

		const sendFrame = (opcode: number, payload: Uint8Array): boolean =>
			socket.writable ? socket.write(encodeFrame(opcode, payload)) : false;
		const sendChannel = (channel: number, data: Uint8Array | string): boolean =>
			sendFrame(OP_BINARY, Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
		const sendClose = (code: number): void => {
			if (closeSent) return;
			closeSent = true;
			const payload = Buffer.alloc(2);
			payload.writeUInt16BE(code, 0);
			sendFrame(OP_CLOSE, payload);
			// Give kubectl a moment to answer the close handshake, then drop the connection.
			setTimeout(() => socket.destroy(), 2000).unref();
		};
		const finish = (status: Record<string, unknown>): void => {
			if (finished) return;
			finished = true;
			running.delete(abort);
			sendChannel(3, JSON.stringify({metadata: {}, ...status}));
			sendClose(1000);
		};
		const exitStatus = (code: number): Record<string, unknown> =>
			code === 0
				? {status: 'Success'}
				: {
						status: 'Failure',
						reason: 'NonZeroExitCode',
						message: `command terminated with non-zero exit code: exit status ${code}`,
						details: {causes: [{reason: 'ExitCode', message: String(code)}]},
					};
		const notFoundStatus = (): Record<string, unknown> => ({
			status: 'Failure',
			reason: 'InternalError',
			code: 500,
			message: `Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "${request.argv[0] ?? ''}": executable file not found in $PATH: unknown`,
		});
		const abort = (): void => {
			if (!finished) {
				finished = true;
				exec.child?.kill('SIGKILL');
			}
			running.delete(abort);
			socket.destroy();
		};
		running.add(abort);

		const reader = createFrameReader(
			(opcode, payload) => {
				if (opcode === OP_PING) sendFrame(OP_PONG, payload);
				else if (opcode === OP_CLOSE) {
					sendClose(1000);
					socket.end();
					if (!finished) abort();
				} else if (opcode === OP_BINARY || opcode === OP_TEXT) {
					const channel = payload[0];
					if (channel === 0) {
						if (exec.child?.stdin) exec.child.stdin.write(payload.subarray(1));
						else pendingStdin.push(payload.subarray(1));
					} else if (channel === 255 && payload[1] === 0) {
						exec.stdinEnded = true;
						exec.child?.stdin?.end();
					}
				}
			},
			() => abort(),
		);
		socket.on('data', reader);
		// The HTTP server's sockets allow half-open connections: a killed kubectl is an 'end'.
		socket.on('end', () => {
			if (!finished) abort();
		});
		socket.on('close', () => {
			if (!finished) abort();
		});
		socket.on('error', () => {
			if (!finished) abort();
		});
		if (head.length > 0) reader(head);

		const handler: FakeExecHandler = options.execHandler ?? (() => ({commandNotFound: true}));
		let outcome: ReturnType<FakeExecHandler>;
		try {
			outcome = handler(request);
		} catch (error) {
			finish({
				status: 'Failure',
				reason: 'InternalError',
				code: 500,
				message: `Internal error occurred: ${(error as Error).message}`,
			});
			return;
		}
		const reply = (value: FakeExecReply | FakeExecNotFound): void => {
			if (finished) return;
			if ('commandNotFound' in value) {
				finish(notFoundStatus());
				return;
			}
			if (value.stdout !== undefined && value.stdout.length > 0) sendChannel(1, value.stdout);
			if (value.stderr !== undefined && value.stderr.length > 0) sendChannel(2, value.stderr);
			finish(exitStatus(value.exitCode));
		};
		if (outcome instanceof Promise) {
			outcome.then(reply, (error: unknown) =>
				finish({
					status: 'Failure',
					reason: 'InternalError',
					code: 500,
					message: `Internal error occurred: ${(error as Error).message}`,
				}),
			);
			return;
		}
		// A ChildProcess also has an `exitCode` property: tell a process by its `kill` method.
		if (!('kill' in outcome)) {
			reply(outcome);
			return;
		}
		const proc = outcome;
		exec.child = proc;
		for (const chunk of pendingStdin) proc.stdin?.write(chunk);
		if (exec.stdinEnded) proc.stdin?.end();
		proc.stdin?.on('error', () => undefined);
		const pipe = (stream: Readable | null, channel: number): void => {
			stream?.on('data', (chunk: Buffer) => {
				// Back-pressure: a several-MB output must not pile up in memory.
				if (!sendChannel(channel, chunk)) {
					stream.pause();
					socket.once('drain', () => stream.resume());
				}
			});
		};
		pipe(proc.stdout, 1);
		pipe(proc.stderr, 2);
		proc.on('error', error => {
			finish(
				error.code === 'ENOENT'
					? notFoundStatus()
					: {
							status: 'Failure',
							reason: 'InternalError',
							code: 500,
							message: `Internal error occurred: ${error.message}`,
						},
			);
		});
		proc.on('close', (code, signal) => {
			const signalNumber =
				signal === null ? 0 : ((osConstants.signals[signal] as number | undefined) ?? 0);
			finish(exitStatus(code ?? 128 + signalNumber));
		});
	};

	const server = createServer(handle);
	server.on('upgrade', onUpgrade);
	server.on('connection', socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	const port = typeof address === 'object' && address !== null ? address.port : 0;
	const url = `http://127.0.0.1:${port}`;

	return {
		port,
		url,
		requests,
		setPods(next) {
			pods = next;
		},
		setNodes(next) {
			nodes = next;
		},
		setOpenStackDeployments(next) {
			osdpls = next;
		},
		kubeconfig({context = 'fake', namespace} = {}) {
			return [
				'apiVersion: v1',
				'kind: Config',
				'clusters:',
				`- name: ${context}`,
				'  cluster:',
				`    server: ${url}`,
				'contexts:',
				`- name: ${context}`,
				'  context:',
				`    cluster: ${context}`,
				`    user: ${context}`,
				...(namespace === undefined ? [] : [`    namespace: ${namespace}`]),
				`current-context: ${context}`,
				'users:',
				`- name: ${context}`,
				'  user: {}',
				'',
			].join('\n');
		},
		activeExecs: () => running.size,
		async stop() {
			for (const abort of [...running]) abort();
			const closed = new Promise<void>(resolve => server.close(() => resolve()));
			for (const socket of sockets) socket.destroy();
			await closed;
		},
	};
};
