import type {OsRouter, ParseWarning, Parser} from '../../model/facts.js';
import {asString, isObject, parseKeyValueDicts, readRecords, result, warning} from './common.js';

/** `external_gateway_info`: object, JSON text, or OSC's `network_id='…', …` string. */
function externalNetworkId(value: unknown): string | undefined {
	if (isObject(value)) return asString(value['network_id']);
	if (typeof value !== 'string') return undefined;
	const json = /"network_id"\s*:\s*"([^"]+)"/.exec(value);
	if (json !== null) return json[1];
	return asString(parseKeyValueDicts(value)[0]?.['network_id']);
}

/** `openstack router list [--long] -f json`, `router show -f json`, API JSON, table text. */
export const openstackRoutersParser: Parser<'openstack-routers'> = {
	kind: 'openstack-routers',
	title: 'Neutron routers',
	reads: ['openstack router list --long -f json', 'openstack router show <id> -f json'],
	parse(text) {
		const {records, warnings} = readRecords(text, {list: ['routers'], single: ['router']});
		const out: OsRouter[] = [];
		const more: ParseWarning[] = [];
		for (const {fields: f, line, index} of records) {
			const id = f.str('id');
			if (id === undefined) {
				more.push(warning(line, `router ${index} has no id`));
				continue;
			}
			const name = f.str('name');
			const distributed = f.bool('distributed');
			const ha = f.bool('ha');
			const status = f.str('status');
			const adminStateUp = f.bool('admin_state_up', 'state');
			const ext = externalNetworkId(f.get('external_gateway_info', 'external_gateway'));
			out.push({
				id,
				...(name !== undefined ? {name} : {}),
				...(distributed !== undefined ? {distributed} : {}),
				...(ha !== undefined ? {ha} : {}),
				...(status !== undefined ? {status} : {}),
				...(adminStateUp !== undefined ? {adminStateUp} : {}),
				...(ext !== undefined ? {externalNetworkId: ext} : {}),
				index,
			});
		}
		return result('openstack-routers', out, [...warnings, ...more]);
	},
};
