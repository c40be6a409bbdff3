import type {OsNetwork, ParseWarning, Parser} from '../../model/facts.js';
import {asStringList, readRecords, result, warning} from './common.js';

/**
 * `openstack network list [--long] -f json`, `network show -f json`, API JSON, tables.
 * `router:external` is a bool in the API and `External`/`Internal` in OSC (`Router Type` in lists).
 */
export const openstackNetworksParser: Parser<'openstack-networks'> = {
	kind: 'openstack-networks',
	title: 'Neutron networks',
	reads: ['openstack network list --long -f json', 'openstack network show <id> -f json'],
	parse(text) {
		const {records, warnings} = readRecords(text, {list: ['networks'], single: ['network']});
		const out: OsNetwork[] = [];
		const more: ParseWarning[] = [];
		for (const {fields: f, line, index} of records) {
			const id = f.str('id');
			if (id === undefined) {
				more.push(warning(line, `network ${index} has no id`));
				continue;
			}
			const name = f.str('name');
			const external = f.bool('router_external', 'router_type', 'external');
			const networkType = f.str('provider_network_type', 'network_type');
			const physicalNetwork = f.str('provider_physical_network', 'physical_network');
			const segmentationId = f.num('provider_segmentation_id', 'segmentation_id');
			out.push({
				id,
				...(name !== undefined ? {name} : {}),
				...(external !== undefined ? {external} : {}),
				...(networkType !== undefined ? {networkType} : {}),
				...(physicalNetwork !== undefined ? {physicalNetwork} : {}),
				...(segmentationId !== undefined ? {segmentationId} : {}),
				subnets: asStringList(f.get('subnets')),
				index,
			});
		}
		return result('openstack-networks', out, [...warnings, ...more]);
	},
};
