import type {OsSubnet, ParseWarning, Parser} from '../../model/facts.js';
import {readRecords, result, warning} from './common.js';

/** `openstack subnet list -f json` (`Network`, `Subnet` columns), `subnet show`, API JSON, tables. */
export const openstackSubnetsParser: Parser<'openstack-subnets'> = {
	kind: 'openstack-subnets',
	title: 'Neutron subnets',
	reads: ['openstack subnet list -f json', 'openstack subnet show <id> -f json'],
	parse(text) {
		const {records, warnings} = readRecords(text, {list: ['subnets'], single: ['subnet']});
		const out: OsSubnet[] = [];
		const more: ParseWarning[] = [];
		for (const {fields: f, line, index} of records) {
			const id = f.str('id');
			const cidr = f.str('cidr', 'subnet');
			if (id === undefined || cidr === undefined) {
				more.push(warning(line, `subnet ${index} has no ${id === undefined ? 'id' : 'cidr'}`));
				continue;
			}
			const name = f.str('name');
			const networkId = f.str('network_id', 'network');
			const gatewayIp = f.str('gateway_ip');
			const ipVersion = f.num('ip_version');
			out.push({
				id,
				...(name !== undefined ? {name} : {}),
				...(networkId !== undefined ? {networkId} : {}),
				cidr,
				...(gatewayIp !== undefined ? {gatewayIp} : {}),
				...(ipVersion !== undefined ? {ipVersion} : {}),
				index,
			});
		}
		return result('openstack-subnets', out, [...warnings, ...more]);
	},
};
