import type {OsAgent, ParseWarning, Parser} from '../../model/facts.js';
import {
	asString,
	bareRecord,
	isObject,
	parseKeyValueDicts,
	readRecords,
	result,
	warning,
} from './common.js';

/** `configurations`: object (API/JSON) or the CLI's `key='value', …` / JSON text. */
function configurations(value: unknown): Record<string, unknown> | undefined {
	if (isObject(value)) return {...value};
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const text = value.trim();
	if (text.startsWith('{')) {
		try {
			const parsed = JSON.parse(text) as unknown;
			if (isObject(parsed)) return {...parsed};
		} catch {
			// fall through to the key='value' form
		}
	}
	const out = bareRecord<unknown>();
	for (const dict of parseKeyValueDicts(text)) Object.assign(out, dict);
	return Object.keys(out).length > 0 ? out : undefined;
}

/** `openstack network agent list [--router X --long] -f json`, `agent show`, API JSON, table text. */
export const openstackAgentsParser: Parser<'openstack-agents'> = {
	kind: 'openstack-agents',
	title: 'Neutron agents',
	reads: [
		'openstack network agent list -f json',
		'openstack network agent list --router <id> --long -f json',
		'openstack network agent show <id> -f json',
	],
	parse(text) {
		const {records, warnings} = readRecords(text, {list: ['agents'], single: ['agent']});
		const out: OsAgent[] = [];
		const more: ParseWarning[] = [];
		for (const {fields: f, line, index} of records) {
			const id = f.str('id');
			if (id === undefined) {
				more.push(warning(line, `agent ${index} has no id`));
				continue;
			}
			const config = configurations(f.get('configurations', 'configuration'));
			const binary = f.str('binary');
			const alive = f.bool('alive');
			const adminStateUp = f.bool('admin_state_up', 'state');
			const availabilityZone = f.str('availability_zone');
			const haState = f.str('ha_state');
			const agentMode = asString(config?.['agent_mode']);
			out.push({
				id,
				agentType: f.str('agent_type') ?? '',
				host: f.str('host') ?? '',
				...(binary !== undefined ? {binary} : {}),
				...(alive !== undefined ? {alive} : {}),
				...(adminStateUp !== undefined ? {adminStateUp} : {}),
				...(availabilityZone !== undefined ? {availabilityZone} : {}),
				...(haState !== undefined ? {haState} : {}),
				...(agentMode !== undefined ? {agentMode} : {}),
				...(config !== undefined ? {configurations: config} : {}),
				index,
			});
		}
		return result('openstack-agents', out, [...warnings, ...more]);
	},
};
