import {afterEach, describe, expect, it, vi} from 'vitest';
import {SessionController} from '../../src/console/controller.js';
import {createAppStore} from '../../src/state/store.js';
import {analyseIncident, makeIncidentSet} from '../helpers/incident.js';
import type {CaptureSet} from '../../src/model/capture.js';

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
