/**
 * FAKE Keystone v3 and FAKE Neutron/Octavia/Nova HTTP servers on 127.0.0.1 for the API client's
 * tests: a TEST DOUBLE, not OpenStack. Keystone issues a token for the credentials it was given
 * and lists the other fake services in its catalog; the services answer canned JSON for a path and
 * 401 without the token. Every request is recorded (method, path, headers, body). The lab test
 * reads the REAL Neutron instead (test/lab).
 */
import {createServer as createHttp, type IncomingMessage, type Server} from 'node:http';
import {createServer as createHttps} from 'node:https';
import type {AddressInfo} from 'node:net';

export type RecordedRequest = {
	readonly server: string;
	readonly method: string;
	readonly path: string;
	readonly headers: IncomingMessage['headers'];
	readonly body: string;
};

export type FakeOpenStack = {
	readonly keystoneUrl: string;
	readonly serviceUrl: string;
	readonly requests: RecordedRequest[];
	/** The last token issued. */
	readonly token: () => string | undefined;
	close(): Promise<void>;
};

export type FakeOpenStackOptions = {
	/** Accepts a token request body (the auth object); false → 401. */
	readonly accept: (auth: {identity?: {methods?: string[]}} & Record<string, unknown>) => boolean;
	/** Canned bodies by service type and path (with query). */
	readonly replies: Readonly<Record<string, unknown>>;
	/** Region and interface of the catalog's endpoints (default RegionOne, every interface). */
	readonly region?: string;
	readonly tls?: {readonly key: string; readonly cert: string};
};

const listen = async (server: Server): Promise<number> =>
	new Promise(resolve => {
		server.listen(0, '127.0.0.1', () => {
			resolve((server.address() as AddressInfo).port);
		});
	});

const readBody = async (request: IncomingMessage): Promise<string> => {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
};

export async function startFakeOpenStack(options: FakeOpenStackOptions): Promise<FakeOpenStack> {
	const requests: RecordedRequest[] = [];
	let issued: string | undefined;
	let serviceBase = '';
	const make = options.tls
		? (h: Parameters<typeof createHttp>[1]) => createHttps(options.tls ?? {}, h)
		: createHttp;
	const keystone = make((request, response) => {
		void readBody(request).then(body => {
			requests.push({
				server: 'keystone',
				method: request.method ?? '',
				path: request.url ?? '',
				headers: request.headers,
				body,
			});
			if (request.method !== 'POST' || request.url !== '/v3/auth/tokens') {
				response.writeHead(404).end('{}');
				return;
			}
			const auth = (JSON.parse(body) as {auth: Parameters<FakeOpenStackOptions['accept']>[0]}).auth;
			if (!options.accept(auth)) {
				response.writeHead(401, {'Content-Type': 'application/json'}).end('{"error":{"code":401}}');
				return;
			}
			issued = `fake-token-${requests.length}`;
			const endpoints = (path: string): unknown[] =>
				['public', 'internal', 'admin'].map(iface => ({
					interface: iface,
					region: options.region ?? 'RegionOne',
					region_id: options.region ?? 'RegionOne',
					url: `${serviceBase}/${iface}${path}`,
				}));
			response.writeHead(201, {'Content-Type': 'application/json', 'X-Subject-Token': issued}).end(
				JSON.stringify({
					token: {
						catalog: [
							{type: 'network', endpoints: endpoints('/network')},
							{type: 'load-balancer', endpoints: endpoints('/octavia')},
							{type: 'compute', endpoints: endpoints('/compute/v2.1')},
							{type: 'identity', endpoints: endpoints('/identity')},
						],
					},
				}),
			);
		});
	});
	const services = make((request, response) => {
		void readBody(request).then(body => {
			requests.push({
				server: 'services',
				method: request.method ?? '',
				path: request.url ?? '',
				headers: request.headers,
				body,
			});
			const noauth = request.url?.startsWith('/noauth/') === true;
			if (!noauth && (issued === undefined || request.headers['x-auth-token'] !== issued)) {
				response.writeHead(401).end('{"error":"no token"}');
				return;
			}
			const reply =
				options.replies[(request.url ?? '').replace(/^\/(?:public|internal|admin|noauth)/, '')];
			if (reply === undefined) {
				response
					.writeHead(404, {'Content-Type': 'application/json'})
					.end('{"NeutronError":"not found"}');
				return;
			}
			response.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify(reply));
		});
	});
	const scheme = options.tls ? 'https' : 'http';
	const keystonePort = await listen(keystone);
	const servicePort = await listen(services);
	serviceBase = `${scheme}://127.0.0.1:${servicePort}`;
	return {
		keystoneUrl: `${scheme}://127.0.0.1:${keystonePort}/v3`,
		serviceUrl: serviceBase,
		requests,
		token: () => issued,
		close: async () => {
			keystone.closeAllConnections();
			services.closeAllConnections();
			await Promise.all([
				new Promise(resolve => keystone.close(resolve)),
				new Promise(resolve => services.close(resolve)),
			]);
		},
	};
}
