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

/**
 * `configurations` (API) / `configuration` (OSC): an object, JSON text, the table's Python repr
 * (`{'agent_mode': 'dvr', …}`), or `key='value', …`.
 */
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
	// OSC's table shows the dict as Python repr: {'agent_mode': 'dvr_snat', 'routers': 1, 'x': True}
	for (const m of text.matchAll(
		/'([^'\\]+)'\s*:\s*(?:'([^']*)'|"([^"]*)"|(True|False|None)|(-?\d+(?:\.\d+)?))/g,
	)) {
		const key = m[1] ?? '';
		if (m[2] !== undefined || m[3] !== undefined) out[key] = m[2] ?? m[3];
		else if (m[4] !== undefined) out[key] = m[4] === 'None' ? null : m[4] === 'True';
		else if (m[5] !== undefined) out[key] = Number(m[5]);
	}
	if (Object.keys(out).length > 0) return out;
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
