/**
 * The watch engine on a FAKE cloud (test/helpers/fake-watch-world.ts: FakeTransport nodes and a
 * fake `openstack` CLI): probe rounds over connections kept open, the same rules every round,
 * timeline rows for every transition, STALE entries, inferred flips, a bounded timeline, and a
 * node that stops answering making its rounds INCOMPLETE — never OK.
 */
import {describe, expect, it} from 'vitest';
import {WatchEngine} from '../../src/session/watch.js';
import {matchCatalog} from '../../src/collectors/catalog.js';
import type {WatchRound, WatchRow} from '../../src/model/watch.js';
import {fakeWorld, MAC, NODES, type FakeWorld} from '../helpers/fake-watch-world.js';

type Step = (round: number, world: FakeWorld) => void;

/** Run `rounds` rounds, applying `step` after each; collect every round and its rows. */
async function watch(
	rounds: number,
	step: Step,
	options: {fullEvery?: number; timelineLimit?: number} = {},
): Promise<{
	engine: WatchEngine;
	world: FakeWorld;
	seen: {round: WatchRound; rows: readonly WatchRow[]}[];
}> {
	const world = fakeWorld();
	const engine = new WatchEngine({collect: world.options, intervalMs: 0, ...options});
	const seen: {round: WatchRound; rows: readonly WatchRow[]}[] = [];
	engine.subscribe(event => {
		if (event.type === 'error') throw new Error(event.message);
		seen.push({round: event.round, rows: event.rows});
		step(event.round.round, world);
		world.update();
		if (seen.length >= rounds) void engine.stop();
	});
	await engine.start();
	return {engine, world, seen};
}

const failover = (world: FakeWorld): void => {
	world.state.holder = 'vm2';
};
const workaround = (world: FakeWorld): void => {
	for (const node of NODES) world.state.entries[node] = 'vm2';
};

describe('watch engine (fake transport)', () => {
	it('probes after the first full collection: one catalog execution per node per round, connections kept open', async () => {
		const {seen, world} = await watch(6, () => undefined, {fullEvery: 100});
		expect(seen.map(s => s.round.kind)).toEqual([
			'full',
			'probe',
			'probe',
			'probe',
			'probe',
			'probe',
		]);
		for (const {round} of seen.slice(1)) expect(round.execs).toBe(NODES.length);
		const full = seen[0]?.round;
		const probe = seen[1]?.round;
		expect(full && probe && probe.execs * 5 <= full.execs).toBe(true);
		for (const transport of world.transports.values()) {
			const probes = transport.executed.filter(argv => matchCatalog(argv)?.id === 'watch.probe');
			expect(probes).toHaveLength(5);
			// every argv was a catalog entry; the transport stayed open until the engine stopped
			for (const argv of transport.executed) expect(matchCatalog(argv)).toBeDefined();
			expect(transport.closed).toBe(true);
		}
	});

	it('a probe hint (the holder moved, an entry changed) makes the next round a full one: the API ports and the flows are read again', async () => {
		const {seen} = await watch(
			7,
			(round, world) => {
				if (round === 1) failover(world);
				if (round === 4) workaround(world);
			},
			{fullEvery: 100},
		);
		const kinds = seen.map(s => s.round.kind);
		// round 2 sees the holder move (a hint) → round 3 is full; round 5 sees the entries change → 6 full
		expect(seen[2]?.rows.some(r => r.kind === 'holder')).toBe(true);
		expect(seen[5]?.rows.some(r => r.kind === 'entry')).toBe(true);
		expect(kinds).toEqual(['full', 'probe', 'probe', 'full', 'probe', 'probe', 'full']);
	});

	it('a failover: CRITICAL transition, holder change, inferred flips with member names, STALE on every stale entry; the workaround clears it', async () => {
		const {seen} = await watch(5, (round, world) => {
			if (round === 1) failover(world);
			if (round === 3) workaround(world);
		});
		const rows = (round: number): readonly WatchRow[] => seen[round]?.rows ?? [];
		expect(seen.map(s => s.round.verdict)).toEqual([
			'incomplete',
			'incomplete',
			'critical',
			'critical',
			'incomplete',
		]);
		// round 2 saw the failover
		const r2 = rows(2);
		expect(r2.find(r => r.kind === 'verdict')?.text).toMatch(/^verdict INCOMPLETE → CRITICAL/);
		expect(r2.find(r => r.kind === 'finding')?.text).toMatch(
			/appeared: CRITICAL dvr\/stale-permanent-arp/,
		);
		expect(r2.find(r => r.kind === 'holder')?.text).toContain(
			`vm1-port ${MAC.vm1} ⇒ vm2-port ${MAC.vm2}`,
		);
		const flips = r2.filter(r => r.kind === 'keepalived');
		expect(flips.map(r => r.text.split(' (')[0])).toEqual([
			'vm2-port BACKUP→MASTER',
			'vm1-port MASTER→BACKUP/gone',
		]);
		expect(flips.every(r => r.inferred === true)).toBe(true);
		const stale = r2.filter(r => r.stale === true);
		expect(stale.map(r => r.node).sort()).toEqual([...NODES].sort());
		for (const row of stale) {
			expect(row.text).toMatch(
				new RegExp(
					`^STALE → vm1-port ${MAC.vm1} \\(old master\\); VIP held by vm2-port ${MAC.vm2} since \\d\\d:\\d\\d:\\d\\d$`,
				),
			);
			expect(row.at).toBe(seen[2]?.round.readAt[row.node ?? '']);
		}
		// round 3: nothing moved, nothing said
		expect(rows(3)).toEqual([]);
		// round 4: the entries follow the holder, out of critical
		const r4 = rows(4);
		expect(r4.find(r => r.kind === 'verdict')?.text).toMatch(/^verdict CRITICAL → INCOMPLETE/);
		expect(r4.find(r => r.kind === 'finding')?.text).toMatch(/cleared: CRITICAL/);
		const changed = r4.filter(r => r.kind === 'entry');
		expect(changed).toHaveLength(3);
		for (const row of changed)
			expect(row.text).toContain(
				`now vm2-port ${MAC.vm2} PERMANENT (was vm1-port ${MAC.vm1} PERMANENT)`,
			);
	});

	it('1,000 rounds: the timeline is capped (with a dropped count), connections constant, a node that stops answering is INCOMPLETE and never OK', async () => {
		const limit = 500;
		const {seen, engine, world} = await watch(
			1000,
			(round, w) => {
				// a failover and the workaround every 20 rounds: rows keep coming
				if (round % 20 === 5) w.state.holder = w.state.holder === 'vm1' ? 'vm2' : 'vm1';
				if (round % 20 === 10) for (const node of NODES) w.state.entries[node] = w.state.holder;
				if (round === 600) w.state.down.add('compute-2');
			},
			{fullEvery: 50, timelineLimit: limit},
		);
		expect(seen).toHaveLength(1000);
		const {rows, dropped} = engine.timeline;
		expect(rows.length).toBeLessThanOrEqual(limit);
		const total = seen.reduce((n, s) => n + s.rows.length, 0);
		expect(total).toBeGreaterThan(limit);
		expect(dropped).toBe(total - rows.length);
		expect(seen.at(-1)?.round.dropped).toBe(dropped);
		// one transport per node for the whole run, closed only at the end; same count of execs per probe
		expect(world.transports.size).toBe(NODES.length);
		for (const {round} of seen)
			if (round.kind === 'probe' && round.unread.length === 0) expect(round.execs).toBe(3);
		// after compute-2 went down: every round names it unread, and no verdict is OK
		const after = seen.filter(s => s.round.round > 600);
		expect(after.length).toBeGreaterThan(300);
		for (const {round} of after) {
			expect(round.unread.map(u => u.node)).toEqual(['compute-2']);
			expect(round.verdict).not.toBe('ok');
			expect(['incomplete', 'critical']).toContain(round.verdict);
		}
		expect(seen[601]?.rows.some(r => r.kind === 'node' && r.node === 'compute-2')).toBe(true);
		expect(seen.every(s => s.round.verdict !== 'ok')).toBe(true);
	}, 600_000);
});
