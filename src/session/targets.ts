/**
 * Object-targeted collection: `--router`, `--vip`, `--loadbalancer` resolved through the
 * OpenStack API (the `openstack` CLI, catalog entries of scope cloud) to the hosts that carry the
 * object. A DVR router lives on every host whose L3 agent hosts it (Neutron schedules it to every
 * node with a bound port on its subnets, plus the dvr_snat nodes): `network agent list --router`.
 */
import type {CommandResult} from '../transport/types.js';
import {checkParam, printable, type CatalogId, type ParamValues} from '../collectors/catalog.js';

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

/** Resolve a target to hosts. Never throws: what could not be read is listed in `problems`. */
export async function resolveTarget(target: Target, run: CloudRun): Promise<Resolution> {
	const hosts = new Set<string>();
	const routers = new Set<string>();
	const problems: string[] = [];

	const routerHosts = async (router: string): Promise<void> => {
		routers.add(router);
		const result = await run('os.router-agents', {router});
		const agents = parseJson(result);
		if (!Array.isArray(agents)) {
			problems.push(failed(`agents hosting router ${router}`, result));
			return;
		}
		for (const agent of agents) {
			const host = str(field(agent, 'Host', 'host'));
			if (host !== undefined) hosts.add(host);
		}
	};

	const portShow = async (port: string): Promise<unknown> => {
		const result = await run('os.port-show', {port});
		const value = parseJson(result);
		if (value === undefined) problems.push(failed(`port ${port}`, result));
		return value;
	};

	const vipHosts = async (ip: string): Promise<void> => {
		const result = await run('os.ports-by-ip', {ip});
		const ports = parseJson(result);
		if (!Array.isArray(ports)) {
			problems.push(failed(`ports with fixed IP ${ip}`, result));
			return;
		}
		if (ports.length === 0) problems.push(`no port holds ${ip}`);
		const subnets = new Set<string>();
		for (const port of ports) {
			const id = str(field(port, 'ID', 'id'));
			if (id === undefined) continue;
			const shown = await portShow(id);
			const host = str(field(shown, 'binding_host_id', 'binding:host_id'));
			if (host) hosts.add(host);
			for (const fixed of asList(field(shown, 'fixed_ips', 'Fixed IP Addresses'))) {
				const subnet = str(field(fixed, 'subnet_id'));
				if (subnet !== undefined) subnets.add(subnet);
			}
		}
		for (const subnet of subnets) {
			const listed = await run('os.ports-by-subnet', {subnet});
			const onSubnet = parseJson(listed);
			if (!Array.isArray(onSubnet)) {
				problems.push(failed(`ports on subnet ${subnet}`, listed));
				continue;
			}
			for (const port of onSubnet) {
				const owner = str(field(port, 'Device Owner', 'device_owner'));
				const id = str(field(port, 'ID', 'id'));
				if (owner === undefined || id === undefined || !ROUTER_OWNERS.has(owner)) continue;
				const router = str(field(await portShow(id), 'device_id'));
				if (
					router !== undefined &&
					checkParam('router', router) === undefined &&
					!routers.has(router)
				)
					await routerHosts(router);
			}
		}
	};

	switch (target.kind) {
		case 'router':
			await routerHosts(target.id);
			break;
		case 'vip':
			await vipHosts(target.ip);
			break;
		case 'loadbalancer': {
			const shown = await run('os.loadbalancer-show', {loadbalancer: target.id});
			const lb = parseJson(shown);
			const vip = str(field(lb, 'vip_address'));
			if (vip === undefined) problems.push(failed(`load balancer ${target.id}`, shown));
			else if (checkParam('ip', vip) === undefined) await vipHosts(vip);
			const listed = await run('os.amphorae', {loadbalancer: target.id});
			const amphorae = parseJson(listed);
			if (!Array.isArray(amphorae)) {
				problems.push(failed(`amphorae of ${target.id}`, listed));
				break;
			}
			for (const amphora of amphorae) {
				const server = str(field(amphora, 'compute_id', 'Compute ID'));
				if (server === undefined || checkParam('server', server) !== undefined) continue;
				const result = await run('os.server-show', {server});
				const host = str(field(parseJson(result), 'OS-EXT-SRV-ATTR:host', 'hypervisor_hostname'));
				if (host) hosts.add(host);
				else problems.push(failed(`host of amphora VM ${server}`, result));
			}
			break;
		}
	}
	return {hosts: [...hosts].sort(), routers: [...routers].sort(), problems};
}
