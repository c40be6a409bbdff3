import type {HaState, Parser} from '../../model/facts.js';
import {clip, result, warning} from './common.js';

const STATES: ReadonlyMap<string, HaState['state']> = new Map([
	['primary', 'primary'],
	['master', 'primary'],
	['backup', 'backup'],
	['fault', 'fault'],
	['unknown', 'unknown'],
]);

/**
 * Neutron `ha_confs/<router>/state`: one word, written without a trailing newline. `master`
 * (Neutron ≤ 16.x) and `primary` both read as `primary`.
 */
export const neutronHaStateParser: Parser<'neutron-ha-state'> = {
	kind: 'neutron-ha-state',
	title: 'Neutron L3-HA router state file',
	reads: ['cat <ha_confs_path>/<router_id>/state'],
	parse(text) {
		const raw = clip(text.trim(), 200);
		if (raw === '')
			return result('neutron-ha-state', {state: 'unknown', raw}, [warning(1, 'empty state file')]);
		const state = STATES.get(raw.toLowerCase());
		if (state !== undefined) return result('neutron-ha-state', {state, raw}, []);
		const firstLine = text.split(/\r?\n/).findIndex(l => l.trim() !== '') + 1;
		return result('neutron-ha-state', {state: 'unknown', raw}, [
			warning(
				Math.max(firstLine, 1),
				'not a Neutron HA state (expected primary, master, backup or fault)',
				raw,
			),
		]);
	},
};
