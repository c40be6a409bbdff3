import type {NodeId} from '../model/ids.js';
import type {OsPort} from '../model/facts.js';
import type {Snapshot} from '../model/snapshot.js';
import {fixHolder, type FixHolder} from './holder.js';
import {isBound, type Model, type RouterInfo, type Vip} from './model.js';
import {cidrContains, normalizeMac, sameIp} from './net.js';
import type {AddressPairSpec, Fix, FixAction, FixStep} from './types.js';

/**
 * Typed fixes (contract B): the commands a finding prints, each with the action it takes on the
 * cloud, derived from the VIP's observed holder. Pure. `simulate.ts` applies the actions to the
 * model and predicts the result; a fix that does not predict a recovery is not printed.
 */

const isHostPair = (pair: AddressPairSpec): boolean =>
	pair.prefixlen === undefined || pair.prefixlen === (pair.ip.includes(':') ? 128 : 32);

/** The pairs of a port exactly as Neutron holds them (each with its own MAC, CIDR kept). */
export const pairsOf = (port: OsPort): AddressPairSpec[] =>
	port.allowedAddressPairs.map(pair => ({
		ip: pair.ip,
		...(pair.prefixlen !== undefined ? {prefixlen: pair.prefixlen} : {}),
		...(pair.mac !== undefined ? {mac: pair.mac} : {}),
	}));

/** `--allowed-address ip-address=<ip>[/<len>][,mac-address=<mac>]` for one pair. */
export function pairArgument(pair: AddressPairSpec, portMac: string): string {
	const ip = pair.prefixlen !== undefined ? `${pair.ip}/${pair.prefixlen}` : pair.ip;
	const mac =
		pair.mac !== undefined && normalizeMac(pair.mac) !== normalizeMac(portMac)
			? `,mac-address=${pair.mac}`
			: '';
	return `--allowed-address ip-address=${ip}${mac}`;
}

/**
 * Re-set every allowed address pair of `port` to the same value (no pair dropped, each with its
 * own MAC and CIDR): Neutron re-sends the port's entries to every node hosting its routers.
 */
export function setAapStep(port: OsPort, note?: string): {step: FixStep; action: FixAction} {
	const pairs = pairsOf(port);
	const command = [
		'openstack port set --no-allowed-address',
		...pairs.map(p => pairArgument(p, port.mac)),
		port.id,
	].join(' ');
	return {
		step: {where: 'cloud', command, ...(note !== undefined ? {note} : {})},
		action: {kind: 'set-aap', port: port.id, pairs},
	};
}

export function replaceNeighStep(
	node: NodeId,
	namespace: string,
	ip: string,
	mac: string,
	dev: string,
	note?: string,
): {step: FixStep; action: FixAction} {
	return {
		step: {
			node,
			where: 'node',
			command: `ip netns exec ${namespace} ip neigh replace ${ip} lladdr ${mac} dev ${dev} nud permanent`,
			...(note !== undefined ? {note} : {}),
		},
		action: {kind: 'replace-neigh', node, namespace, ip, mac, dev},
	};
}

export function deleteNeighStep(
	node: NodeId,
	namespace: string,
	ip: string,
	dev: string,
	note?: string,
): {step: FixStep; action: FixAction} {
	return {
		step: {
			node,
			where: 'node',
			command: `ip netns exec ${namespace} ip neigh del ${ip} dev ${dev}`,
			...(note !== undefined ? {note} : {}),
		},
		action: {kind: 'delete-neigh', node, namespace, ip, dev},
	};
}

export const MOSK_NOTE =
	"on MOSK run the node lines inside the node's L3 agent pod: kubectl -n openstack exec <neutron-l3-agent pod on the node> -c neutron-l3-agent -- <command>";

/** Nodes of `router` whose qrouter has no PERMANENT entry `ip` → `mac` (missing or another MAC). */
export function wrongNodes(model: Model, router: RouterInfo, ip: string, mac: string): NodeId[] {
	return router.neighNodes.filter(
		node =>
			!model
				.neigh(node, `qrouter-${router.id}`)
				.some(
					o =>
						sameIp(o.entry.dst, ip) &&
						o.entry.states.includes('PERMANENT') &&
						o.entry.lladdr !== undefined &&
						normalizeMac(o.entry.lladdr) === mac,
				),
	);
}

/**
 * Read-only steps that find the holder of `ip` (no command that changes anything): the dynamic
 * entries of the router's snat- namespaces (or the network's qdhcp-), and the member ports.
 */
export function holderChecks(model: Model, ip: string, router?: RouterInfo, vip?: Vip): FixStep[] {
	const steps: FixStep[] = [];
	const probe = (node: NodeId, ns: string): FixStep => ({
		node,
		where: 'node',
		command: `ip netns exec ${ns} ping -c 2 -W 1 ${ip}; ip netns exec ${ns} ip neigh show ${ip}`,
		note: `who answers for ${ip} from ${ns}: a REACHABLE/STALE entry names the holder's MAC, FAILED means nobody answers`,
	});
	for (const node of router?.snatNodes ?? []) steps.push(probe(node, `snat-${router?.id ?? ''}`));
	if (steps.length === 0 && vip?.networkId !== undefined)
		for (const node of model.routers.size > 0
			? [...new Set([...model.routers.values()].flatMap(r => r.neighNodes))]
			: [])
			if (model.namespaces(node).includes(`qdhcp-${vip.networkId}`)) {
				steps.push(probe(node, `qdhcp-${vip.networkId}`));
				break;
			}
	for (const c of vip?.carriers ?? [])
		steps.push({
			where: 'cloud',
			command: `openstack port show ${c.port.id} -c mac_address -c allowed_address_pairs -c binding_host_id -c status`,
			note: `member ${c.label}: check on its VM which one has ${ip} (ip -br addr), then run dvrscope again`,
		});
	return steps;
}

export function checkFirstFix(basis: string, steps: readonly FixStep[]): Fix {
	return {kind: 'check-first', steps, actions: [], basis};
}

/** True when re-sending `port`'s entries would point only VIPs it holds at it. */
function resendIsSafe(snapshot: Snapshot, model: Model, port: OsPort): boolean {
	if (!isBound(port)) return false;
	for (const pair of port.allowedAddressPairs) {
		if (!isHostPair(pair)) continue;
		const vip = model.vips.find(v => sameIp(v.ip, pair.ip));
		if (vip === undefined) continue;
		const holder = fixHolder(snapshot, vip);
		if (!holder.known || holder.carrier?.port.id !== port.id) return false;
	}
	return true;
}

/**
 * The fix for a VIP's qrouter entries of `router`: on every node whose entry is not the holder's
 * MAC, replace it (stop-gap), then make Neutron re-send the holder port's entries. With an
 * unknown or contested holder: read-only checks only.
 */
export function vipRepairFix(
	snapshot: Snapshot,
	model: Model,
	vip: Vip,
	router: RouterInfo,
	holder: FixHolder = fixHolder(snapshot, vip),
): Fix {
	if (!holder.known)
		return checkFirstFix(
			`no command re-points ${vip.ip}: ${holder.reason}. Find the holder first.`,
			holderChecks(model, vip.ip, router, vip),
		);
	const steps: FixStep[] = [];
	const actions: FixAction[] = [];
	[...wrongNodes(model, router, vip.ip, holder.mac)].sort().forEach((node, i) => {
		const {step, action} = replaceNeighStep(
			node,
			`qrouter-${router.id}`,
			vip.ip,
			holder.mac,
			model.qrDevice(router, node, vip.ip),
			`stop-gap: point ${vip.ip} at the holder (transient: Neutron may rewrite it)${i === 0 ? `; ${MOSK_NOTE}` : ''}`,
		);
		steps.push(step);
		actions.push(action);
	});
	const port = holder.carrier?.port;
	if (port !== undefined && resendIsSafe(snapshot, model, port)) {
		const {step, action} = setAapStep(
			port,
			`make Neutron re-send the holder's entries to every node: every pair of this port re-set to the same value (none dropped)`,
		);
		steps.push(step);
		actions.push(action);
	}
	return {kind: 'fix', steps, actions, basis: holder.basis};
}

/** The port that has `ip` as a fixed IP (Neutron's owner of a non-VIP address). */
export const fixedIpOwner = (model: Model, ip: string): OsPort | undefined =>
	model.ports.find(p => p.fixedIps.some(f => sameIp(f.ip, ip)));

/**
 * The fix for a non-VIP address `ip` in qrouter-`router`: point the wrong nodes at the MAC of the
 * port that has `ip` as its fixed IP; delete the entry when no port has it any more.
 */
export function addressRepairFix(
	snapshot: Snapshot,
	model: Model,
	ip: string,
	router: RouterInfo,
	nodes: readonly NodeId[],
): Fix {
	const owner = fixedIpOwner(model, ip);
	const steps: FixStep[] = [];
	const actions: FixAction[] = [];
	const ns = `qrouter-${router.id}`;
	if (owner === undefined) {
		for (const node of nodes) {
			const {step, action} = deleteNeighStep(
				node,
				ns,
				ip,
				model.qrDevice(router, node, ip),
				MOSK_NOTE,
			);
			steps.push(step);
			actions.push(action);
		}
		return {kind: 'fix', steps, actions, basis: `no Neutron port has ${ip} any more (port list)`};
	}
	const mac = normalizeMac(owner.mac);
	for (const node of nodes) {
		const {step, action} = replaceNeighStep(
			node,
			ns,
			ip,
			mac,
			model.qrDevice(router, node, ip),
			MOSK_NOTE,
		);
		steps.push(step);
		actions.push(action);
	}
	if (
		owner.allowedAddressPairs.length > 0 &&
		resendIsSafe(snapshot, model, owner) &&
		router.subnets.some(s => cidrContains(s.cidr, ip))
	) {
		const {step, action} = setAapStep(
			owner,
			`make Neutron re-send this port's entries to every node`,
		);
		steps.push(step);
		actions.push(action);
	}
	return {
		kind: 'fix',
		steps,
		actions,
		basis: `${ip} is the fixed IP of ${model.carrierLabel(owner)} with MAC ${mac} (port list)`,
	};
}

/** Legacy `remediation` lines from a fix: notes as comments, `<command>  # on <node>`. */
export function remediationOf(fix: Fix): string[] {
	const out: string[] = [];
	out.push(
		fix.kind === 'check-first' ? `# no fix printed — ${fix.basis}` : `# derived from: ${fix.basis}`,
	);
	for (const step of fix.steps) {
		if (step.note !== undefined) out.push(`# ${step.note}`);
		out.push(step.node !== undefined ? `${step.command}  # on ${step.node}` : step.command);
	}
	if (fix.prediction !== undefined) out.push(`# predicted: ${fix.prediction.summary}`);
	return out;
}
