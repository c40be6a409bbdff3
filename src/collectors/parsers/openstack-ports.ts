import type {AllowedAddressPair, FixedIp, OsPort, ParseWarning, Parser} from '../../model/facts.js';
import {asString, isObject, parseKeyValueDicts, readRecords, result, warning} from './common.js';

/** `fixed_ips`: API/OSC list of dicts, or OSC's string form `ip_address='…', subnet_id='…'`. */
export function readFixedIps(value: unknown): FixedIp[] {
	const dicts: Record<string, unknown>[] = Array.isArray(value)
		? (value as unknown[]).filter(isObject)
		: typeof value === 'string'
			? parseKeyValueDicts(value)
			: [];
	const out: FixedIp[] = [];
	for (const d of dicts) {
		const ip = asString(d['ip_address']);
		const subnetId = asString(d['subnet_id']);
		if (ip !== undefined) out.push(subnetId === undefined ? {ip} : {ip, subnetId});
	}
	return out;
}

/** `allowed_address_pairs`: list of `{ip_address, mac_address}` or OSC's string form. */
export function readAllowedAddressPairs(value: unknown): AllowedAddressPair[] {
	const dicts: Record<string, unknown>[] = Array.isArray(value)
		? (value as unknown[]).filter(isObject)
		: typeof value === 'string'
			? parseKeyValueDicts(value)
			: [];
	const out: AllowedAddressPair[] = [];
	for (const d of dicts) {
		const address = asString(d['ip_address']);
		if (address === undefined) continue;
		const m = /^(.*?)\/(\d+)$/.exec(address);
		const mac = asString(d['mac_address'])?.toLowerCase();
		out.push({
			ip: m === null ? address : (m[1] ?? address),
			...(m !== null ? {prefixlen: Number(m[2])} : {}),
			...(mac !== undefined ? {mac} : {}),
		});
	}
	return out;
}

/**
 * `openstack port list [--long] -f json` (title-case keys), `openstack port show -f json`
 * (snake-case), the Neutron API (`binding:host_id`, `{"ports":[…]}` / `{"port":{…}}`), and the
 * table text of `port show` / `port list`.
 */
export const openstackPortsParser: Parser<'openstack-ports'> = {
	kind: 'openstack-ports',
	title: 'Neutron ports',
	reads: ['openstack port list --long -f json', 'openstack port show <id> -f json'],
	parse(text) {
		const {records, warnings} = readRecords(text, {list: ['ports'], single: ['port']});
		const out: OsPort[] = [];
		const more: ParseWarning[] = [];
		for (const {fields: f, line, index} of records) {
			const id = f.str('id');
			if (id === undefined) {
				more.push(warning(line, `port ${index} has no id`));
				continue;
			}
			const name = f.str('name');
			const networkId = f.str('network_id');
			const deviceOwner = f.str('device_owner');
			const deviceId = f.str('device_id');
			const bindingHostId = f.str('binding_host_id');
			const bindingVifType = f.str('binding_vif_type');
			const status = f.str('status');
			const adminStateUp = f.bool('admin_state_up', 'state');
			out.push({
				id,
				...(name !== undefined ? {name} : {}),
				mac: (f.str('mac_address') ?? '').toLowerCase(),
				...(networkId !== undefined ? {networkId} : {}),
				fixedIps: readFixedIps(f.get('fixed_ips', 'fixed_ip_addresses')),
				allowedAddressPairs: readAllowedAddressPairs(f.get('allowed_address_pairs')),
				...(deviceOwner !== undefined ? {deviceOwner} : {}),
				...(deviceId !== undefined ? {deviceId} : {}),
				...(bindingHostId !== undefined ? {bindingHostId} : {}),
				...(bindingVifType !== undefined ? {bindingVifType} : {}),
				...(status !== undefined ? {status} : {}),
				...(adminStateUp !== undefined ? {adminStateUp} : {}),
				index,
			});
		}
		return result('openstack-ports', out, [...warnings, ...more]);
	},
};
