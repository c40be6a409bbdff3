import {describe, expect, it} from 'vitest';
import {FlowFilterJob} from '../../src/state/flow-filter-job.js';
import {filterFlows} from '../../src/state/flow-query.js';
import {buildFlowIndex} from '../../src/state/flow-index.js';
import {analyseIncident, incidentWithBrTunFlows} from '../helpers/incident.js';
import type {CaptureSet} from '../../src/model/capture.js';

/** The incident with 10,000 more flows in compute-1's br-tun dump (ten steps of rows). */
function bigIncident(): CaptureSet {
	const lines: string[] = [];
	for (let i = 0; i < 10_000; i++)
		lines.push(
			` cookie=0x1, duration=5.0s, table=${i % 3 === 0 ? 21 : 22}, n_packets=${i}, n_bytes=0, idle_age=1, priority=${1 + (i % 4)},dl_vlan=${1 + (i % 90)} actions=${i % 5 === 0 ? 'drop' : `strip_vlan,output:${2 + (i % 3)}`}`,
		);
	return incidentWithBrTunFlows(lines);
}

const index = buildFlowIndex(analyseIncident(bigIncident()).snapshot);
const scratch = (text: string): number[] => [...filterFlows(index, text).ids];

describe('the filter job', () => {
	it.each([
		'table=22 && actions~=drop',
		'n_packets>50 && dl_vlan=7',
		'priority>2 || table=21',
		'drop && compute',
		'dl_vlan=1',
	])(
		'typed key by key, each key dropping the unfinished filter of the key before, ends with the result of "%s"',
		typed => {
			// For several paces of typing: 0–3 slices of one step of rows between keys
			for (const pace of [0, 1, 2, 3]) {
				const job = new FlowFilterJob();
				let dropped = 0;
				for (let i = 1; i <= typed.length; i++) {
					const text = typed.slice(0, i);
					if (job.pending) dropped++;
					job.want(index, text, text, 0);
					for (let k = 0; k < pace && job.pending; k++) job.work(0);
					// Whatever shows is the whole result of the filter it is labelled with
					const shown = job.shown;
					if (shown !== undefined) expect([...shown.result.ids]).toEqual(scratch(shown.filter));
				}
				while (!job.work(0));
				expect(job.shown?.filter).toBe(typed);
				expect([...(job.shown?.result.ids ?? [])]).toEqual(scratch(typed));
				// (typing outpaced the filter: keys did drop unfinished filters)
				if (pace === 0) expect(dropped).toBeGreaterThan(0);
			}
		},
	);

	it('starts over, not from a dropped filter, when the next one does not narrow it', () => {
		const job = new FlowFilterJob();
		job.want(index, 'table=22', 'table=22', 0);
		expect(job.pending).toBe(true);
		job.want(index, 'table=21', 'table=21', 0);
		while (!job.work(0));
		expect([...(job.shown?.result.ids ?? [])]).toEqual(scratch('table=21'));
	});

	it('goes on from where a dropped filter got when the next one narrows it, instead of starting over', () => {
		const steps = (job: FlowFilterJob): number => {
			let n = 0;
			while (!job.work(0)) n++;
			return n;
		};
		// From scratch
		const fresh = new FlowFilterJob();
		fresh.want(index, '10.0.', '10.0.', 0);
		const alone = steps(fresh);
		expect(alone).toBeGreaterThan(6);
		// After `10.0` had gone five steps of rows when `.` was typed
		const job = new FlowFilterJob();
		job.want(index, '10.0', '10.0', 0);
		for (let i = 0; i < 5; i++) job.work(0);
		job.want(index, '10.0.', '10.0.', 0);
		expect(steps(job)).toBeLessThanOrEqual(alone - 4);
		expect([...(job.shown?.result.ids ?? [])]).toEqual(scratch('10.0.'));
	});
});
