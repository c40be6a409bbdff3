/**
 * The OpenStack API from Node, without the Python CLI: read-only GETs to Neutron, Octavia and Nova
 * (a server's host), authenticated through Keystone v3 once per session.
 *
 * Allow-list: {@link API_ALLOW_LIST} is every request this module will send to a service — GET
 * only (there is no method parameter), a path matching one of the patterns, parameters as strict as
 * the node catalog's. The one other request is the token request to Keystone
 * (`POST <auth_url>/auth/tokens`), which reads a token and changes nothing in the cloud; with auth
 * type `none` (a Neutron without Keystone, as in the lab) there is none.
 *
 * A reply is a {@link CommandResult}: `argv` is `['GET', service, path]`, stdout the response body
 * as the API sent it (the parsers read the API's JSON as well as the CLI's), exit 0 for 2xx and 1
 * otherwise (`HTTP 404 …` on stderr); a request that never got an answer carries a failure
 * (`unreachable`, `timeout`, `auth`, `cancelled`, `refused` for a request off the allow-list).
 */
import http from 'node:http';
import https from 'node:https';
import {readFileSync} from 'node:fs';
import type {CloudConfig} from './openstack-config.js';
import type {CommandResult, TransportFailure} from './types.js';

import type {ApiRequest, ApiService} from '../model/api-request.js';

export type {ApiRequest, ApiService};

/** How long and how much one read may take. */
export type ApiReadOptions = {
	readonly signal: AbortSignal;
	readonly timeoutMs?: number;
	readonly maxBytes?: number;
};

/** The interface both the collection's API phase and target lookups use. */
export type CloudApi = {
	readonly id: string;
	/** `openstack-api` (Node to the API), `openstack-api-kubectl` (one exec in keystone-client). */
	readonly kind: string;
	get(request: ApiRequest, options: ApiReadOptions): Promise<CommandResult>;
	close(): Promise<void>;
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const IP = '[0-9a-fA-F.:]{2,45}';

/** Every request a service may receive: GET, one of these paths. */
export const API_ALLOW_LIST: Readonly<Record<ApiService, readonly RegExp[]>> = {
	network: [
		/^\/v2\.0\/(?:agents|routers|networks|subnets|ports)$/,
		new RegExp(`^/v2\\.0/ports\\?fixed_ips=ip_address%3D${IP}$`),
		new RegExp(`^/v2\\.0/ports\\?fixed_ips=subnet_id%3D${UUID}$`),
		new RegExp(`^/v2\\.0/ports\\?device_id=${UUID}$`),
		new RegExp(`^/v2\\.0/ports/${UUID}$`),
		new RegExp(`^/v2\\.0/routers/${UUID}/l3-agents$`),
	],
	'load-balancer': [
		new RegExp(`^/v2/lbaas/loadbalancers/${UUID}$`),
		new RegExp(`^/v2/octavia/amphorae\\?loadbalancer_id=${UUID}$`),
		new RegExp(`^/v2/octavia/amphorae/${UUID}$`),
	],
	compute: [new RegExp(`^/servers/${UUID}$`)],
};

/** Undefined when the request is on the allow-list, else why not. */
export function checkApiRequest(request: ApiRequest): string | undefined {
	const patterns = (API_ALLOW_LIST as Partial<Record<string, readonly RegExp[]>>)[request.service];
	if (patterns === undefined) return `service "${request.service}" is not read`;
	if (request.path.length > 200 || !patterns.some(pattern => pattern.test(request.path)))
		return `GET ${request.service} ${JSON.stringify(request.path).slice(0, 120)} is not on the allow-list`;
	return undefined;
}

/** One read's result, framed the same by every API reader: the failure and HTTP-reply shapes. */
export function apiReadFrame(
	target: string,
	request: ApiRequest,
): {
	/** The read refused before anything is sent (not on the allow-list), else undefined. */
	readonly refused: CommandResult | undefined;
	readonly failed: (failure: TransportFailure) => CommandResult;
	readonly replied: (reply: {status: number; body: string; truncated?: boolean}) => CommandResult;
} {
	const started = Date.now();
	const base = {
		target,
		argv: ['GET', request.service, request.path],
		startedAt: new Date(started).toISOString(),
	};
	const failed = (failure: TransportFailure): CommandResult => ({
		...base,
		stdout: '',
		stderr: '',
		exitCode: null,
		durationMs: Date.now() - started,
		failure,
	});
	const refusal = checkApiRequest(request);
	return {
		refused:
			refusal === undefined
				? undefined
				: failed({kind: 'refused', message: `${refusal}: not sent`}),
		failed,
		replied: reply => {
			const ok = reply.status >= 200 && reply.status < 300;
			return {
				...base,
				stdout: ok ? reply.body : '',
				stderr: ok ? '' : `HTTP ${reply.status}: ${reply.body.slice(0, 500)}`,
				exitCode: ok ? 0 : 1,
				durationMs: Date.now() - started,
				...(reply.truncated === true ? {truncated: true} : {}),
			};
		},
	};
}

type Session = {
	readonly token?: string;
	readonly endpoints: Readonly<Partial<Record<ApiService, string>>>;
};

type Reply = {status: number; headers: http.IncomingHttpHeaders; body: string; truncated: boolean};

class HttpFailure extends Error {
	constructor(readonly failure: TransportFailure) {
		super(failure.message);
	}
}

const API_PATH_PREFIX: Readonly<Record<ApiService, RegExp>> = {
	network: /\/v2\.0\/?$/,
	'load-balancer': /\/v2(?:\.\d+)?\/?$/,
	compute: /$^/,
};

/** Node's HTTP(S) client with the cloud's CA bundle / insecure flag and kept-alive connections. */
export class OpenStackApi implements CloudApi {
	readonly kind = 'openstack-api';
	readonly id: string;
	#session: Promise<Session> | undefined;
	readonly #agents: {http: http.Agent; https: https.Agent};

	constructor(
		readonly config: CloudConfig,
		options: {readonly id?: string} = {},
	) {
		this.id = options.id ?? 'cloud';
		const ca = config.cacert === undefined ? undefined : readFileSync(config.cacert);
		this.#agents = {
			http: new http.Agent({keepAlive: true, maxSockets: 8}),
			https: new https.Agent({
				keepAlive: true,
				maxSockets: 8,
				...(ca === undefined ? {} : {ca}),
				rejectUnauthorized: !config.insecure,
			}),
		};
	}

	async get(request: ApiRequest, options: ApiReadOptions): Promise<CommandResult> {
		const {refused, failed, replied} = apiReadFrame(this.id, request);
		if (refused !== undefined) return refused;
		try {
			const session = await (this.#session ??= this.#authenticate(options.signal));
			const root = session.endpoints[request.service];
			if (root === undefined)
				return failed({
					kind: 'refused',
					reason: 'no-endpoint',
					message: `no ${request.service} endpoint (${this.config.authType === 'none' ? 'auth type none gives only the endpoint of Neutron' : `interface ${this.config.interface}${this.config.region === undefined ? '' : `, region ${this.config.region}`}`})`,
				});
			const url = `${root.replace(API_PATH_PREFIX[request.service], '').replace(/\/$/, '')}${request.path}`;
			const reply = await this.#send('GET', url, session.token, undefined, options);
			return replied(reply);
		} catch (error) {
			if (error instanceof HttpFailure) {
				// A failed authentication is retried by the next request, not remembered.
				if (error.failure.kind === 'auth' || error.failure.kind === 'unreachable')
					this.#session = undefined;
				return failed(error.failure);
			}
			throw error;
		}
	}

	async close(): Promise<void> {
		this.#agents.http.destroy();
		this.#agents.https.destroy();
		return Promise.resolve();
	}

	/** The token and the service endpoints (Keystone's catalog, or the noauth endpoint). */
	async #authenticate(signal: AbortSignal): Promise<Session> {
		const config = this.config;
		if (config.authType === 'none') return {endpoints: {network: config.endpoint ?? ''}};
		const authUrl = (config.authUrl ?? '').replace(/\/$/, '');
		const v3 = /\/v3$/.test(authUrl) ? authUrl : `${authUrl}/v3`;
		const reply = await this.#send(
			'POST',
			`${v3}/auth/tokens`,
			undefined,
			JSON.stringify(tokenRequest(config)),
			{
				signal,
				timeoutMs: 30_000,
			},
		);
		if (reply.status !== 201 && reply.status !== 200)
			throw new HttpFailure({
				kind: reply.status === 401 || reply.status === 403 ? 'auth' : 'unreachable',
				reason: 'keystone',
				message: `Keystone refused the ${config.authType} authentication (${config.source}): HTTP ${reply.status} ${reply.body.slice(0, 200)}`,
			});
		const token = reply.headers['x-subject-token'];
		if (typeof token !== 'string')
			throw new HttpFailure({
				kind: 'auth',
				message: 'Keystone answered without an X-Subject-Token',
			});
		return {token, endpoints: catalogEndpoints(reply.body, config)};
	}

	#send(
		method: 'GET' | 'POST',
		url: string,
		token: string | undefined,
		body: string | undefined,
		options: ApiReadOptions,
	): Promise<Reply> {
		return new Promise((resolve, reject) => {
			let target: URL;
			try {
				target = new URL(url);
			} catch {
				reject(new HttpFailure({kind: 'refused', message: `not a URL: ${url}`}));
				return;
			}
			const secure = target.protocol === 'https:';
			const limit = options.maxBytes ?? 64 * 1024 * 1024;
			const request = (secure ? https : http).request(
				target,
				{
					method,
					agent: secure ? this.#agents.https : this.#agents.http,
					headers: {
						Accept: 'application/json',
						'User-Agent': 'dvrscope',
						...(token === undefined ? {} : {'X-Auth-Token': token}),
						...(body === undefined ? {} : {'Content-Type': 'application/json'}),
					},
					signal: options.signal,
					timeout: options.timeoutMs ?? 60_000,
				},
				response => {
					const chunks: Buffer[] = [];
					let size = 0;
					let truncated = false;
					response.on('data', (chunk: Buffer) => {
						if (size + chunk.length > limit) {
							truncated = true;
							chunks.push(chunk.subarray(0, Math.max(0, limit - size)));
							size = limit;
							return;
						}
						chunks.push(chunk);
						size += chunk.length;
					});
					response.on('end', () => {
						resolve({
							status: response.statusCode ?? 0,
							headers: response.headers,
							body: Buffer.concat(chunks).toString('utf8'),
							truncated,
						});
					});
					response.on('error', error => {
						reject(new HttpFailure(networkFailure(error, url)));
					});
				},
			);
			request.on('timeout', () => {
				request.destroy(
					new HttpFailure({
						kind: 'timeout',
						message: `no answer from ${target.origin} within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`,
					}),
				);
			});
			request.on('error', error => {
				reject(error instanceof HttpFailure ? error : new HttpFailure(networkFailure(error, url)));
			});
			request.end(body);
		});
	}
}

function networkFailure(error: Error, url: string): TransportFailure {
	const code = (error as NodeJS.ErrnoException).code;
	if (error.name === 'AbortError') return {kind: 'cancelled', message: 'cancelled'};
	const origin = URL.canParse(url) ? new URL(url).origin : url;
	if (code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO/.test(code))
		return {
			kind: 'refused',
			reason: 'tls',
			message: `${origin}: TLS certificate not trusted (${code}); give the CA bundle (cacert, OS_CACERT) or insecure`,
		};
	return {kind: 'unreachable', message: `${origin}: ${code ?? error.message}`};
}

/** Keystone v3 `POST /auth/tokens` body for the configured auth type (scoped to the project). */
export function tokenRequest(config: CloudConfig): unknown {
	const domain = (name?: string, id?: string): unknown =>
		id !== undefined ? {id} : name !== undefined ? {name} : {id: 'default'};
	const scope =
		config.projectId !== undefined
			? {project: {id: config.projectId}}
			: config.projectName !== undefined
				? {
						project: {
							name: config.projectName,
							domain: domain(
								config.projectDomainName ?? config.domainName,
								config.projectDomainId ?? config.domainId,
							),
						},
					}
				: config.domainName !== undefined || config.domainId !== undefined
					? {domain: domain(config.domainName, config.domainId)}
					: undefined;
	if (config.authType === 'v3applicationcredential') {
		const credential =
			config.applicationCredentialId !== undefined
				? {id: config.applicationCredentialId, secret: config.applicationCredentialSecret}
				: {
						name: config.applicationCredentialName,
						secret: config.applicationCredentialSecret,
						user:
							config.userId !== undefined
								? {id: config.userId}
								: {
										name: config.username,
										domain: domain(config.userDomainName, config.userDomainId),
									},
					};
		// An application credential carries its own scope.
		return {
			auth: {identity: {methods: ['application_credential'], application_credential: credential}},
		};
	}
	const identity =
		config.authType === 'token'
			? {methods: ['token'], token: {id: config.token}}
			: {
					methods: ['password'],
					password: {
						user:
							config.userId !== undefined
								? {id: config.userId, password: config.password}
								: {
										name: config.username,
										domain: domain(config.userDomainName, config.userDomainId),
										password: config.password,
									},
					},
				};
	return {auth: {identity, ...(scope === undefined ? {} : {scope})}};
}

/** Service endpoints from a Keystone v3 token body, by interface and region. */
export function catalogEndpoints(
	body: string,
	config: Pick<CloudConfig, 'interface' | 'region'>,
): Partial<Record<ApiService, string>> {
	let catalog: unknown;
	try {
		catalog = (JSON.parse(body) as {token?: {catalog?: unknown}}).token?.catalog;
	} catch {
		return {};
	}
	const out: Partial<Record<ApiService, string>> = {};
	if (!Array.isArray(catalog)) return out;
	for (const service of catalog as {type?: unknown; endpoints?: unknown}[]) {
		const type = service.type;
		if (type !== 'network' && type !== 'load-balancer' && type !== 'compute') continue;
		if (!Array.isArray(service.endpoints)) continue;
		const endpoint = (
			service.endpoints as {
				interface?: unknown;
				region?: unknown;
				region_id?: unknown;
				url?: unknown;
			}[]
		).find(
			e =>
				e.interface === config.interface &&
				(config.region === undefined ||
					e.region === config.region ||
					e.region_id === config.region),
		);
		if (typeof endpoint?.url === 'string') out[type] = endpoint.url;
	}
	return out;
}
