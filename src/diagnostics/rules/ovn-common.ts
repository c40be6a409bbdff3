import type {Snapshot} from '../../model/snapshot.js';
import type {OvnRow} from '../../model/facts.js';
import {readBackend} from '../backend.js';
import {getOvn, lspMac, str, type OvnModel, type OvnVip} from '../ovn.js';
import type {Need, RuleContext} from '../types.js';
import type {VipOwner} from '../model.js';
import type {NodeId} from '../../model/ids.js';

/** The NB/SB reads every OVN rule needs (absent: the rule is skipped, never pass). */
export const OVN_REQUIRES = ['cloud.ovnNb', 'cloud.ovnSb'] as const;

/** The OVN model; the engine skipped the rule before when NB or SB is missing. */
export function ovnOf(snapshot: Snapshot): OvnModel {
	const ovn = getOvn(snapshot);
	if (ovn === undefined) throw new Error('OVN rule ran without OVN NB and SB data');
	return ovn;
}

/** VIPs whose live holder the rule needs: it must be known (from the VM or node data) to check. */
export function ovnHolderNeeds(context: RuleContext<string>): Need[] {
	const ovn = getOvn(context.snapshot);
	if (ovn === undefined) return [];
	const needs: Need[] = [];
	for (const v of ovn.vips) {
		if (v.vipBinding === undefined && v.macBindings.length === 0) continue;
		if (v.owner !== undefined) continue;
		needs.push({
			for: `VIP ${v.ip}`,
			fact: 'node.addr',
			unmet: `who holds VIP ${v.ip} now is unknown (${v.ownerUnknownReason ?? 'no Neutron port or node data for it'})`,
			remedy:
				"the br-int flows of every member's chassis while clients reach the VIP (OVN port-security counters), or ip addr / keepalived state inside the VRRP members",
		});
	}
	return needs;
}

/** The NB Logical_Switch_Port with this MAC, and its name. */
export function lspWithMac(ovn: OvnModel, mac: string): {row: OvnRow; name: string} | undefined {
	const row = ovn.lspByMac(mac);
	const name = row !== undefined ? str(row['name']) : undefined;
	return row !== undefined && name !== undefined ? {row, name} : undefined;
}

/** The live holder as an LSP: the LSP whose MAC is the holder's MAC. */
export function holderLsp(ovn: OvnModel, v: OvnVip): {row: OvnRow; name: string} | undefined {
	const mac = v.owner?.mac;
	return mac === undefined ? undefined : lspWithMac(ovn, mac);
}

/** The node the holder was seen on, as a finding's `nodes` (none when only the API knows it). */
export const holderNodes = (owner: VipOwner): NodeId[] =>
	owner.observation.node !== undefined ? [owner.observation.node] : [];

/** A southbound Chassis by `_uuid` or name, and its name (the reference itself when absent). */
export function chassisOf(ovn: OvnModel, ref: string): {row: OvnRow | undefined; name: string} {
	const row = ovn.chassis(ref);
	return {row, name: (row !== undefined ? str(row['name']) : undefined) ?? ref};
}

/** The MAC of an LSP by name, when it is in the NB. */
export const macOfLsp = (ovn: OvnModel, name: string): string | undefined => {
	const row = ovn.lsp(name);
	return row === undefined ? undefined : lspMac(row);
};

/** Printed (never run) steps that make OVN learn the holder again: one GARP from the master. */
export function garpSteps(v: OvnVip): string[] {
	const obs = v.owner?.observation;
	const where =
		obs?.namespace !== undefined && obs.namespace !== '' && obs.node !== undefined
			? `ip netns exec ${obs.namespace} arping -U -c 1 -I <interface holding ${v.ip}> ${v.ip}  # on ${obs.node}`
			: `arping -U -c 1 -I <interface holding ${v.ip}> ${v.ip}  # inside the VM that holds ${v.ip} now`;
	return [
		where,
		`systemctl restart keepalived  # inside the VM that holds ${v.ip} now (keepalived sends gratuitous ARPs when it becomes master)`,
	];
}

/**
 * Not applicable when nothing in the set points at ml2/ovn (no OVN DB, agent, chassis or
 * OpenStackDeployment evidence): an OVS capture set without backend clues stays as it was.
 */
export function noOvnEvidence(snapshot: Snapshot): string | undefined {
	return readBackend(snapshot).backend === 'unknown'
		? 'no sign of ml2/ovn in what was read (no OVN DB, OVN agent, chassis or OpenStackDeployment backend)'
		: undefined;
}
