/**
 * vrrp/no-master with the VRRP members' own namespaces not read (the lab's VMs, a tenant's guests,
 * amphorae): the group verdict "nobody holds the VIP" is refuted by LIVE node evidence of a holder
 * — a REACHABLE neighbour entry, or an ARP sent from the VIP no more than LIVE_HOLDER_S before the
 * node's newest read — and skipped (INCOMPLETE) otherwise. A watch probe round re-reads the
 * neighbours but not the flows: the age of the last ARP runs on to the probe's read time.
 */
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose} from '../../src/diagnostics/index.js';
import {getModel} from '../../src/diagnostics/model.js';
import {LIVE_HOLDER_S, vrrpNoMaster} from '../../src/diagnostics/rules/vrrp-no-master.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {type CaptureSpec, neigh, ROUTER, snapshotOf} from '../helpers/capture-set.js';
import {ruleTester} from '../helpers/rule-tester.js';
import {dvrCaptures, M1, VIP} from './rules/fixtures.js';

const snat = (mac: string | undefined, state: string): CaptureSpec => ({
	id: 'net-1-snat-neigh',
	node: 'net-1',
	kind: 'ip-neigh',
	params: {namespace: `snat-${ROUTER}`},
	stdout: neigh([[VIP, mac, state]], 'sg-5a6b7c8d-9e'),
});

ruleTester(vrrpNoMaster, {
	valid: [
		{
			name: 'members not read, the snat- namespace learnt the holder REACHABLE (live)',
			snapshot: () => snapshotOf([...dvrCaptures(), snat(M1, 'REACHABLE')]),
		},
	],
	skipped: [
		{
			name: 'members not read, the snat- entry is STALE (how old is unknown)',
			snapshot: () => snapshotOf([...dvrCaptures(), snat(M1, 'STALE')]),
		},
		{
			name: 'members not read, a REACHABLE qdhcp- entry but the snat- probe went unanswered',
			snapshot: () =>
				snapshotOf([
					...dvrCaptures(),
					{
						id: 'net-1-qdhcp',
						kind: 'ip-neigh',
						node: 'net-1',
						params: {namespace: 'qdhcp-353f5937-41ba-4a3c-8225-fa1af2538141'},
						stdout: neigh([[VIP, M1, 'REACHABLE']], 'tap1234'),
					},
					snat(undefined, 'FAILED'),
				]),
		},
	],
	invalid: [],
});

const ROOT = path.resolve('test/scenarios');

/** The set with its snat- neighbour tables left out, and `laterS` added to compute-1's neighbour reads. */
async function labHealthy(laterS: number): Promise<CaptureSet> {
	const set = await readCaptureSet(path.join(ROOT, 'lab-healthy'));
	const captures = set.captures
		.filter(c => !c.id.includes('neigh.snat-'))
		.map(c =>
			c.node === 'compute-1' && c.kind === 'ip-neigh'
				? {...c, startedAt: new Date(Date.parse(c.startedAt) + laterS * 1000).toISOString()}
				: c,
		);
	const ids = new Set(captures.map(c => c.id));
	return {
		manifest: {...set.manifest, captures: set.manifest.captures.filter(c => ids.has(c.id))},
		captures,
	};
}

describe('live holder evidence from the anti-spoofing counters (lab-healthy, no snat- entry)', () => {
	it('an ARP from the VIP 0 s before the read proves a master: no-master passes, the verdict is WARNING', async () => {
		const snapshot = assembleSnapshot(await labHealthy(0));
		const vip = getModel(snapshot).vips[0];
		expect(vip?.owner?.source).toBe('arp-spa');
		expect(vip?.owner?.observation.confirmedWithinS).toBe(0);
		const diagnosis = diagnose(snapshot);
		expect(diagnosis.verdict).toBe('warning');
		expect(diagnosis.outcomes.find(r => r.ruleId === 'vrrp/no-master')?.status).toBe('pass');
	});

	it('read again later (a watch probe round: neighbours new, flows from the full round), the same ARP is too old: INCOMPLETE, never OK', async () => {
		const snapshot = assembleSnapshot(await labHealthy(LIVE_HOLDER_S + 5));
		const vip = getModel(snapshot).vips[0];
		expect(vip?.owner?.observation.confirmedWithinS).toBe(LIVE_HOLDER_S + 5);
		const diagnosis = diagnose(snapshot);
		expect(diagnosis.verdict).toBe('incomplete');
		const skipped = diagnosis.outcomes.find(r => r.ruleId === 'vrrp/no-master');
		expect(skipped?.status).toBe('skipped');
		expect(JSON.stringify(diagnosis.coverage)).toContain(`in the last ${LIVE_HOLDER_S} s`);
	});
});
