import type {Amphora, ParseWarning, Parser} from '../../model/facts.js';
import {readRecords, result, warning} from './common.js';

/**
 * `openstack loadbalancer amphora list/show -f json`, the Octavia API (`{"amphorae":[…]}`,
 * `{"amphora":{…}}`; the API-ref spells `load_balancer_id`, OSC `loadbalancer_id`) and table text.
 */
export const octaviaAmphoraeParser: Parser<'octavia-amphorae'> = {
	kind: 'octavia-amphorae',
	title: 'Octavia amphorae',
	reads: [
		'openstack loadbalancer amphora list -f json',
		'openstack loadbalancer amphora show <id> -f json',
	],
	parse(text) {
		const {records, warnings} = readRecords(text, {list: ['amphorae'], single: ['amphora']});
		const out: Amphora[] = [];
		const more: ParseWarning[] = [];
		for (const {fields: f, line, index} of records) {
			const id = f.str('id');
			if (id === undefined) {
				more.push(warning(line, `amphora ${index} has no id`));
				continue;
			}
			const values = {
				loadbalancerId: f.str('loadbalancer_id', 'load_balancer_id'),
				computeId: f.str('compute_id'),
				status: f.str('status'),
				role: f.str('role')?.toUpperCase(),
				lbNetworkIp: f.str('lb_network_ip'),
				vrrpIp: f.str('vrrp_ip'),
				haIp: f.str('ha_ip'),
				vrrpPortId: f.str('vrrp_port_id'),
				haPortId: f.str('ha_port_id'),
				vrrpPriority: f.num('vrrp_priority'),
			};
			const amphora: Record<string, unknown> = {id};
			for (const [key, value] of Object.entries(values))
				if (value !== undefined) amphora[key] = value;
			amphora['index'] = index;
			out.push(amphora as Amphora);
		}
		return result('octavia-amphorae', out, [...warnings, ...more]);
	},
};
