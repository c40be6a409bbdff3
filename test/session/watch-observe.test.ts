/**
 * Watch's row diff (src/session/watch-observe.ts) for the flips dvrscope SEES — which the lab
 * cannot show, since its keepalived runs in VM namespaces collection never reads (its flips are
 * *inferred*; test/lab/console-watch-steps.ts): an L3-HA router's state file changing, and a
 * holder seen on an interface. Hand-built observations; the MACs and ids are made up.
 */
import {describe, expect, it} from 'vitest';
import {diffRound, type Observations, type VipObs} from '../../src/session/watch-observe.js';
import {WATCH_TIMELINE_LIMIT} from '../../src/model/watch.js';

const ROUTER = '7d0d3b2e-5c4a-4f1e-9a8b-1c2d3e4f5a6b';
const VIP = '10.0.0.100';
const A = 'fa:16:3e:aa:aa:aa';
const B = 'fa:16:3e:bb:bb:bb';

const obs = (
	holder: {mac: string; who: string; direct: boolean},
	ha: Record<string, string>,
): Observations => {
	const vip: VipObs = {
		holder: {
			...holder,
			source: holder.direct ? 'interface address' : 'dynamic ARP entry',
			detail: `${holder.mac} on compute-1`,
			node: 'compute-1',
		},
		entries: new Map(),
	};
	return {
		verdict: 'ok',
		critical: 0,
		warning: 0,
		headline: 'Verdict: OK',
		findings: new Map(),
		vips: new Map([[VIP, vip]]),
		ha: new Map(
			Object.entries(ha).map(([node, state]) => [
				`${node}|${ROUTER}`,
				{node, router: ROUTER, state},
			]),
		),
		unread: new Map(),
	};
};

const ctx = (round: number) => ({
	round,
	roundAt: `2026-12-07T12:00:0${round}.000Z`,
	readAt: (node: string | undefined) =>
		`2026-12-07T12:00:0${round}.${node === 'network' ? 1 : 2}00Z`,
	holderSince: new Map<string, {mac: string; at: string}>(),
});

describe('watch rows: flips seen, not inferred', () => {
	it('an L3-HA state file that changes is a keepalived row per node, BACKUP→PRIMARY, with the read time of that node', () => {
		const before = obs(
			{mac: A, who: 'vm1-port', direct: true},
			{network: 'primary', 'compute-1': 'backup'},
		);
		const after = obs(
			{mac: A, who: 'vm1-port', direct: true},
			{network: 'backup', 'compute-1': 'primary'},
		);
		const rows = diffRound(before, after, ctx(3)).filter(r => r.kind === 'keepalived');
		expect(rows.map(r => [r.node, r.text, r.at, r.inferred])).toEqual([
			[
				'network',
				`L3-HA router ${ROUTER.slice(0, 8)} on network: PRIMARY→BACKUP`,
				'2026-12-07T12:00:03.100Z',
				undefined,
			],
			[
				'compute-1',
				`L3-HA router ${ROUTER.slice(0, 8)} on compute-1: BACKUP→PRIMARY`,
				'2026-12-07T12:00:03.200Z',
				undefined,
			],
		]);
		const gone = diffRound(
			after,
			obs({mac: A, who: 'vm1-port', direct: true}, {network: 'backup'}),
			ctx(4),
		);
		expect(gone.filter(r => r.kind === 'keepalived').map(r => r.text)).toEqual([
			`L3-HA router ${ROUTER.slice(0, 8)} on compute-1: PRIMARY→gone`,
		]);
	});

	it('a holder seen on an interface gives flips marked seen, never inferred; a holder worked out gives inferred ones', () => {
		const seen = diffRound(
			obs({mac: A, who: 'vm1-port', direct: true}, {}),
			obs({mac: B, who: 'vm2-port', direct: true}, {}),
			ctx(2),
		).filter(r => r.kind === 'keepalived');
		expect(seen.map(r => [r.text.split(' (')[0], r.inferred])).toEqual([
			['vm2-port BACKUP→MASTER', undefined],
			['vm1-port MASTER→BACKUP/gone', undefined],
		]);
		expect(seen[0]?.text).toContain('(seen: ');
		const worked = diffRound(
			obs({mac: A, who: 'vm1-port', direct: false}, {}),
			obs({mac: B, who: 'vm2-port', direct: false}, {}),
			ctx(2),
		).filter(r => r.kind === 'keepalived');
		expect(worked.map(r => r.inferred)).toEqual([true, true]);
		expect(worked[0]?.text).toContain('(inferred from the holder change: ');
	});

	it('the timeline keeps the last 10,000 rows by default (docs/watch.md)', () => {
		expect(WATCH_TIMELINE_LIMIT).toBe(10_000);
	});
});
