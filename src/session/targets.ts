/**
 * Object-targeted collection: `--router`, `--vip`, `--loadbalancer` resolved through the
 * OpenStack API (catalog entries of scope cloud) to the hosts that carry the object.
 *
 * - A router lives on the hosts whose L3 agent hosts it (`network agent list --router`: for a DVR
 *   router only the dvr_snat node) and, when distributed, on every host with a bound port on one
 *   of its subnets (Neutron instantiates it there): the router's interface ports give the subnets,
 *   each subnet's ports their binding hosts.
 * - A VIP is a port's fixed IP (Octavia's VIP port, keepalived's reserved port) or only an allowed
 *   address pair (a VRRP pair): the subnet whose range contains it, the ports on that subnet that
 *   carry it, their binding hosts, and the routers on that subnet. An Octavia VIP port
 *   (`device_id` `lb-<id>`) adds its load balancer's amphora hosts.
 */
import type {CommandResult} from '../transport/types.js';
import {checkParam, printable, type CatalogId, type ParamValues} from '../collectors/catalog.js';
import {cidrContains, sameIp} from '../diagnostics/net.js';

export type Target =
	| {readonly kind: 'router'; readonly id: string}
	| {readonly kind: 'vip'; readonly ip: string}
	| {readonly kind: 'loadbalancer'; readonly id: string};

export const describeTarget = (target: Target): string =>
	target.kind === 'vip' ? `vip ${target.ip}` : `${target.kind} ${target.id}`;

/** Check a user-given target; `undefined` when fine, else the message. */
export function checkTarget(target: Target): string | undefined {
	const [param, value] =
		target.kind === 'vip'
			? (['ip', target.ip] as const)
			: target.kind === 'router'
				? (['router', target.id] as const)
				: (['loadbalancer', target.id] as const);
	const reason = checkParam(param, value);
	return reason === undefined ? undefined : `--${target.kind} "${printable(value)}" ${reason}`;
}

/** Runs one cloud catalog entry (the session records it as a capture). */
export type CloudRun = (id: CatalogId, values: ParamValues) => Promise<CommandResult | undefined>;

export type Resolution = {
	/** Agent host names that carry the object. */
	readonly hosts: readonly string[];
	/** Router ids involved (their namespaces are read; others skipped). */
	readonly routers: readonly string[];
	readonly problems: readonly string[];
};

type Json = Record<string, unknown>;

function parseJson(result: CommandResult | undefined): unknown {
	if (result === undefined || result.failure !== undefined || result.exitCode !== 0)
		return undefined;
	try {
		return JSON.parse(result.stdout) as unknown;
	} catch {
		return undefined;
	}
}

/** Field by any of its spellings (OSC list columns `Host`, show keys `host`). */
function field(object: unknown, ...names: string[]): unknown {
	if (typeof object !== 'object' || object === null) return undefined;
	const record = object as Json;
	for (const name of names) if (name in record) return record[name];
	return undefined;
}

const asList = (value: unknown): unknown[] =>
	Array.isArray(value) ? value : value === undefined ? [] : [value];
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const failed = (what: string, result: CommandResult | undefined): string =>
	result === undefined
		? `${what}: refused (bad parameter)`
		: result.failure
			? `${what}: ${result.failure.kind}: ${result.failure.message}`
			: `${what}: exit ${result.exitCode ?? '?'}: ${result.stderr.trim().split('\n').at(-1) ?? ''}`;

const ROUTER_OWNERS = new Set([
	'network:router_interface_distributed',
	'network:router_interface',
	'network:ha_router_replicated_interface',
	'network:router_centralized_snat',
]);

/** Ports whose binding host says where a router must be: not the router's own, nor DHCP's. */
const isServicePort = (owner: string | undefined): boolean =>
	owner === undefined || !owner.startsWith('network:');

/** At most this many `port show` calls per resolution (a subnet can hold thousands of ports). */
export const MAX_PORT_SHOWS = 400;

/** API calls in flight at once while resolving a target. */
const API_CONCURRENCY = 4;

/** Run at most `n` tasks at a time (the rest wait their turn, in order). */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
	let active = 0;
	const waiting: (() => void)[] = [];
	return async <T>(task: () => Promise<T>): Promise<T> => {
		if (active >= n) await new Promise<void>(resolve => waiting.push(resolve));
		active++;
		try {
			return await task();
		} finally {
			active--;
			waiting.shift()?.();
		}
	};
}

const subnetIdsOf = (port: unknown): string[] =>
	asList(field(port, 'fixed_ips', 'Fixed IP Addresses')).flatMap(f => {
		const id = str(field(f, 'subnet_id'));
		return id !== undefined ? [id] : [];
	});

/** True when one of the port's allowed address pairs is (or contains) `ip`. */
const carries = (port: unknown, ip: string): boolean =>
	asList(field(port, 'allowed_address_pairs', 'Allowed Address Pairs')).some(pair => {
		const address = str(field(pair, 'ip_address'));
		return (
			address !== undefined &&
			(address.includes('/') ? cidrContains(address, ip) : sameIp(address, ip))
		);
	});

/** Resolve a target to hosts. Never throws: what could not be read is listed in `problems`. */
export async function resolveTarget(target: Target, run: CloudRun): Promise<Resolution> {
	return new TargetResolver(run).resolve(target);
}

/**
 * One resolution's state: the hosts and routers found so far, the problems, and the API reads
 * already made (each port shown and each port list read once), behind one concurrency gate.
 */
class TargetResolver {
	private readonly hosts = new Set<string>();
	private readonly routers = new Set<string>();
	private readonly problems: string[] = [];
	private readonly shown = new Map<string, Promise<unknown>>();
	private readonly listed = new Map<string, Promise<unknown[]>>();
	/** At most this many API calls at once: each is a CLI process on a machine under load. */
	private readonly gate = limiter(API_CONCURRENCY);

	constructor(private readonly run: CloudRun) {}

	async resolve(target: Target): Promise<Resolution> {
		switch (target.kind) {
			case 'router':
				await this.routerHosts(target.id);
				break;
			case 'vip':
				await this.vipHosts(target.ip);
				break;
			case 'loadbalancer': {
				const shownLb = await this.run('os.loadbalancer-show', {loadbalancer: target.id});
				const vip = str(field(parseJson(shownLb), 'vip_address'));
				if (vip === undefined) this.problems.push(failed(`load balancer ${target.id}`, shownLb));
				else if (checkParam('ip', vip) === undefined) await this.vipHosts(vip);
				await this.amphoraHosts(target.id);
				break;
			}
		}
		return {
			hosts: [...this.hosts].sort(),
			routers: [...this.routers].sort(),
			problems: this.problems,
		};
	}

	/** `port show` of one port, once; past {@link MAX_PORT_SHOWS} nothing more is read. */
	private portShow(port: string): Promise<unknown> {
		const known = this.shown.get(port);
		if (known !== undefined) return known;
		if (this.shown.size >= MAX_PORT_SHOWS) {
			if (this.shown.size === MAX_PORT_SHOWS)
				this.problems.push(
					`more than ${MAX_PORT_SHOWS} ports to look at: the rest were not read (their hosts may be missing)`,
				);
			this.shown.set('', Promise.resolve(undefined));
			return Promise.resolve(undefined);
		}
		const pending = this.gate(async () => {
			const result = await this.run('os.port-show', {port});
			const value = parseJson(result);
			if (value === undefined) this.problems.push(failed(`port ${port}`, result));
			return value;
		});
		this.shown.set(port, pending);
		return pending;
	}

	private hostOf(port: unknown): void {
		const host = str(field(port, 'binding_host_id', 'binding:host_id'));
		if (host) this.hosts.add(host);
	}

	/** A port list read (`id` with `values`), once per resolution. */
	private listPorts(id: CatalogId, values: ParamValues, what: string): Promise<unknown[]> {
		const key = `${id} ${JSON.stringify(values)}`;
		const known = this.listed.get(key);
		if (known !== undefined) return known;
		const pending = this.gate(async () => {
			const result = await this.run(id, values);
			const ports = parseJson(result);
			if (!Array.isArray(ports)) this.problems.push(failed(what, result));
			return Array.isArray(ports) ? (ports as unknown[]) : [];
		});
		this.listed.set(key, pending);
		return pending;
	}

	/**
	 * The hosts of the service ports on `subnet` (for a VIP only those that carry it), and, for a
	 * VIP, the routers with an interface there.
	 */
	private async subnetHosts(subnet: string, vip?: string): Promise<string[]> {
		const ports = await this.listPorts('os.ports-by-subnet', {subnet}, `ports on subnet ${subnet}`);
		const found = await Promise.all(
			ports.map(async (port): Promise<string | undefined> => {
				const owner = str(field(port, 'Device Owner', 'device_owner'));
				const id = str(field(port, 'ID', 'id'));
				if (id === undefined || checkParam('port', id) !== undefined) return undefined;
				if (owner !== undefined && ROUTER_OWNERS.has(owner) && vip !== undefined) {
					const router = str(field(await this.portShow(id), 'device_id'));
					return router !== undefined && checkParam('router', router) === undefined
						? router
						: undefined;
				}
				if (isServicePort(owner)) {
					// For a VIP: the ports that carry it. For a router: every bound port places it.
					const details = await this.portShow(id);
					if (vip === undefined || carries(details, vip)) this.hostOf(details);
				}
				return undefined;
			}),
		);
		return [...new Set(found.filter((r): r is string => r !== undefined))];
	}

	/** The hosts whose L3 agent hosts `router`, and those of its subnets' bound ports. */
	private async routerHosts(router: string): Promise<void> {
		if (this.routers.has(router)) return;
		this.routers.add(router);
		const [result, routerPorts] = await Promise.all([
			this.gate(() => this.run('os.router-agents', {router})),
			this.listPorts('os.router-ports', {router}, `ports of router ${router}`),
		]);
		const agents = parseJson(result);
		if (!Array.isArray(agents))
			this.problems.push(failed(`agents hosting router ${router}`, result));
		for (const agent of Array.isArray(agents) ? agents : []) {
			const host = str(field(agent, 'Host', 'host'));
			if (host !== undefined) this.hosts.add(host);
		}
		// A distributed router also lives on every host with a bound port on one of its subnets.
		const subnets = new Set(routerPorts.flatMap(subnetIdsOf));
		await Promise.all(
			[...subnets]
				.filter(s => checkParam('subnet', s) === undefined)
				.map(async s => this.subnetHosts(s)),
		);
	}

	/** The hypervisor hosts of a load balancer's amphora VMs. */
	private async amphoraHosts(lb: string): Promise<void> {
		const result = await this.run('os.amphorae', {loadbalancer: lb});
		const amphorae = parseJson(result);
		if (!Array.isArray(amphorae)) {
			this.problems.push(failed(`amphorae of ${lb}`, result));
			return;
		}
		for (const amphora of amphorae) {
			const server = str(field(amphora, 'compute_id', 'Compute ID'));
			if (server === undefined || checkParam('server', server) !== undefined) continue;
			const shownServer = await this.run('os.server-show', {server});
			const host = str(
				field(parseJson(shownServer), 'OS-EXT-SRV-ATTR:host', 'hypervisor_hostname'),
			);
			if (host) this.hosts.add(host);
			else this.problems.push(failed(`host of amphora VM ${server}`, shownServer));
		}
	}

	/** Subnets whose range contains `ip` (the VIP of a VRRP pair is no port's fixed IP). */
	private async subnetsContaining(ip: string): Promise<string[]> {
		const result = await this.run('os.subnets', {});
		const subnets = parseJson(result);
		if (!Array.isArray(subnets)) {
			this.problems.push(failed('subnets', result));
			return [];
		}
		return subnets.flatMap(subnet => {
			const id = str(field(subnet, 'ID', 'id'));
			const cidr = str(field(subnet, 'Subnet', 'cidr'));
			return id !== undefined && cidr !== undefined && cidrContains(cidr, ip) ? [id] : [];
		});
	}

	/** The holders of a VIP, its load balancer's amphorae, and the routers on its subnets. */
	private async vipHosts(ip: string): Promise<void> {
		const subnets = new Set<string>();
		for (const port of await this.listPorts('os.ports-by-ip', {ip}, `ports with fixed IP ${ip}`)) {
			const id = str(field(port, 'ID', 'id'));
			if (id === undefined || checkParam('port', id) !== undefined) continue;
			const details = await this.portShow(id);
			this.hostOf(details);
			for (const subnet of subnetIdsOf(details ?? port)) subnets.add(subnet);
			const lb = /^lb-([0-9a-f-]{36})$/.exec(str(field(details, 'device_id')) ?? '')?.[1];
			if (lb !== undefined && checkParam('loadbalancer', lb) === undefined)
				await this.amphoraHosts(lb);
		}
		if (subnets.size === 0)
			for (const subnet of await this.subnetsContaining(ip)) subnets.add(subnet);
		if (subnets.size === 0) this.problems.push(`no port holds ${ip} and no subnet contains it`);
		for (const subnet of subnets) {
			if (checkParam('subnet', subnet) !== undefined) continue;
			for (const router of await this.subnetHosts(subnet, ip)) await this.routerHosts(router);
		}
	}
}
