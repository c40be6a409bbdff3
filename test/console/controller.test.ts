import {afterEach, describe, expect, it, vi} from 'vitest';
import {SessionController} from '../../src/console/controller.js';
import {createAppStore} from '../../src/state/store.js';
import {analyseIncident, makeIncidentSet} from '../helpers/incident.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {WatchEngine} from '../../src/session/watch.js';
import {fakeWorld, NODES} from '../helpers/fake-watch-world.js';

afterEach(() => {
	vi.useRealTimers();
});

const analyze = (set: CaptureSet) => analyseIncident(set);

describe('SessionController', () => {
	it('loads saved data into the store; a load failure lands in the errors pane', async () => {
		const store = createAppStore();
		const set = makeIncidentSet();
		const load = vi.fn(async () => set);
		const c = new SessionController({store, analyze, load});
		await c.start();
		expect(load).toHaveBeenCalledTimes(1);
		expect(store.getState().diagnosis?.findings.length).toBeGreaterThan(0);
		expect(store.getState().collection.status).toBe('done');
		expect(store.getState().collection.commands).toHaveLength(set.captures.length);
		// When the reload fails
		load.mockRejectedValueOnce(new Error('manifest.json: invalid JSON'));
		await c.start();
		expect(store.getState().ui.errors.at(-1)?.message).toContain('invalid JSON');
		expect(store.getState().collection.status).toBe('failed');
	});

	it('collects live with events, and cancel aborts the signal and keeps partial results', async () => {
		const store = createAppStore();
		const set = makeIncidentSet();
		let seen: AbortSignal | undefined;
		const collect = vi.fn(
			async ({signal, onEvent}: {signal: AbortSignal; onEvent: (e: never) => void}) => {
				seen = signal;
				onEvent({
					type: 'collection-started',
					at: 'x',
					nodes: [{id: 'compute-1', roles: ['compute']}],
					concurrency: 1,
				} as never);
				await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve()));
				onEvent({
					type: 'collection-done',
					at: 'x',
					partial: true,
					cancelled: true,
					nodesOk: 0,
					nodesFailed: 0,
					captures: 0,
					durationMs: 1,
				} as never);
				return set;
			},
		);
		const c = new SessionController({store, analyze, collect});
		const running = c.start();
		await Promise.resolve();
		expect(c.isBusy()).toBe(true);
		expect(store.getState().collection.status).toBe('collecting');
		expect(c.cancel()).toBe(true);
		await running;
		expect(seen?.aborted).toBe(true);
		expect(store.getState().collection.status).toBe('cancelled');
		expect(store.getState().snapshot).toBeDefined();
		expect(c.cancel()).toBe(false);
	});

	it('watch: re-reads every interval and appends a per-VIP timeline round', async () => {
		vi.useFakeTimers();
		const store = createAppStore({watchIntervalS: 5});
		const set = makeIncidentSet();
		const load = vi.fn(async () => set);
		const c = new SessionController({store, analyze, load});
		await c.start();
		c.toggleWatch();
		await vi.advanceTimersByTimeAsync(0);
		expect(store.getState().watch.round).toBe(1);
		await vi.advanceTimersByTimeAsync(5000);
		expect(store.getState().watch.round).toBe(2);
		expect(load).toHaveBeenCalledTimes(3);
		const tl = store.getState().watch.timeline;
		expect(tl.some(e => e.kind === 'baseline')).toBe(true);
		expect(tl.filter(e => e.round === 2 && e.kind === 'neigh').every(e => !e.changed)).toBe(true);
		c.toggleWatch();
		await vi.advanceTimersByTimeAsync(20_000);
		expect(load).toHaveBeenCalledTimes(3);
		c.dispose();
	});

	it('live watch: w runs the session engine; the store gets its rows (STALE, verdict), the verdict and cost; r asks a full round; Ctrl-C stops it and closes the connections; e bundles the timeline', async () => {
		const store = createAppStore();
		const world = fakeWorld();
		const engines: WatchEngine[] = [];
		const exportBundle = vi.fn<
			(set: CaptureSet, extra?: {watchTimeline?: string}) => Promise<string>
		>(async () => '/tmp/w.tar.gz');
		const c = new SessionController({
			store,
			analyze,
			collect: async () => makeIncidentSet(),
			exportBundle,
			watch: async ({intervalMs, onEvent}) => {
				const engine = new WatchEngine({
					collect: world.options,
					intervalMs,
					onCollectEvent: onEvent,
				});
				engine.subscribe(event => {
					if (event.type !== 'round') return;
					if (event.round.round === 1) world.state.holder = 'vm2';
					world.update();
				});
				engines.push(engine);
				return engine;
			},
		});
		expect(store.getState().watch.intervalS).toBe(2);
		// the first round that went critical, as the store got it (a later full round may follow
		// before the poll below looks, on a loaded machine)
		let firstCritical: ReturnType<typeof store.getState>['watch']['last'];
		const unsubscribe = store.subscribe(s => {
			if (firstCritical === undefined && s.watch.last?.verdict === 'critical')
				firstCritical = s.watch.last;
		});
		c.toggleWatch();
		await vi.waitFor(
			() => {
				expect(store.getState().watch.last?.verdict).toBe('critical');
			},
			{timeout: 60_000},
		);
		unsubscribe();
		const {watch} = store.getState();
		expect(firstCritical?.kind).toBe('probe');
		expect(firstCritical?.execs).toBe(NODES.length);
		expect(watch.timeline.filter(e => e.stale === true)).toHaveLength(3);
		expect(watch.timeline.some(e => e.kind === 'verdict' && e.level === 'critical')).toBe(true);
		// the other screens show the round's data
		await vi.waitFor(() => {
			expect(
				store.getState().diagnosis?.findings.some(f => f.ruleId === 'dvr/stale-permanent-arp'),
			).toBe(true);
		});
		c.recollect();
		await vi.waitFor(
			() => {
				expect(store.getState().watch.last?.kind).toBe('full');
			},
			{timeout: 60_000},
		);
		c.exportBundle();
		await vi.waitFor(() => {
			expect(exportBundle).toHaveBeenCalledTimes(1);
		});
		expect(exportBundle.mock.calls[0]?.[1]?.watchTimeline).toMatch(/"stale":true/);
		// Ctrl-C stops the watch and the engine closes every connection
		expect(c.cancel()).toBe(true);
		expect(store.getState().watch.active).toBe(false);
		await vi.waitFor(() => {
			for (const t of world.transports.values()) expect(t.closed).toBe(true);
		});
		expect(engines).toHaveLength(1);
		c.dispose();
	}, 120_000);

	it('export: says plainly when no exporter is wired, else reports the path', async () => {
		const store = createAppStore();
		const c = new SessionController({store, analyze, load: async () => makeIncidentSet()});
		c.exportBundle();
		expect(store.getState().ui.flash?.text).toContain('not available');
		const exportBundle = vi.fn(async () => '/tmp/b.tar.gz');
		const d = new SessionController({
			store,
			analyze,
			load: async () => makeIncidentSet(),
			exportBundle,
		});
		await d.start();
		d.exportBundle();
		await vi.waitFor(() => {
			expect(store.getState().ui.flash?.text).toBe('Bundle written: /tmp/b.tar.gz');
		});
	});
});
