import {afterEach, describe, expect, it, vi} from 'vitest';
import {filterFlows} from '../../src/state/flow-query.js';
import {
	buildFlowIndex,
	getFlowIndex,
	hasFlowIndex,
	notesOf,
	rowOf,
	warmFlowIndex,
} from '../../src/state/flow-index.js';
import {SessionController} from '../../src/console/controller.js';
import {createAppStore} from '../../src/state/store.js';
import {analyseIncident, incidentWithBrTunFlows} from '../helpers/incident.js';
import type {CaptureSet} from '../../src/model/capture.js';
import type {Flow} from '../../src/model/facts.js';
import type {Snapshot} from '../../src/model/snapshot.js';

afterEach(() => {
	vi.useRealTimers();
});

/** The incident with 10,000 more flows in compute-1's br-tun dump (several index steps). */
function bigIncident(): CaptureSet {
	const lines: string[] = [];
	for (let i = 0; i < 10_000; i++)
		lines.push(
			` cookie=0x1, duration=5.0s, table=22, n_packets=${i}, n_bytes=0, idle_age=1, priority=1,dl_vlan=${1 + (i % 90)} actions=strip_vlan,output:2`,
		);
	return incidentWithBrTunFlows(lines);
}

const rowsOf = (index: ReturnType<typeof buildFlowIndex>, filter: string): string[] =>
	[...filterFlows(index, filter).ids].map(id => {
		const row = rowOf(index, id);
		return `${row?.node}:${row?.line}:${notesOf(index, id).join('|')}`;
	});

describe('warming the flow index in idle time', () => {
	it('builds in slices and gives the same index as building at once', () => {
		// Given a snapshot with over 10,000 flows
		const snapshot = analyseIncident(bigIncident()).snapshot;
		// When it is warmed with no time budget (one slice per call)
		let calls = 0;
		while (!warmFlowIndex(snapshot, 0)) calls++;
		// Then it took several slices, and the result is the index built in one go
		expect(calls).toBeGreaterThan(1);
		const warmed = getFlowIndex(snapshot);
		const built = buildFlowIndex(snapshot);
		expect(warmed.size).toBe(built.size);
		expect(warmed.size).toBeGreaterThan(10_000);
		for (const filter of ['table=22 && dl_vlan=7', 'output=vxlan-0a000002', 'arp', ''])
			expect(rowsOf(warmed, filter)).toEqual(rowsOf(built, filter));
	});

	it('is finished by getFlowIndex when Flows opens before idle time is over', () => {
		const snapshot = analyseIncident(bigIncident()).snapshot;
		// Given a warm-up that has begun
		expect(warmFlowIndex(snapshot, 0)).toBe(false);
		// When Flows asks for the index
		const index = getFlowIndex(snapshot);
		// Then it is complete, and warming has nothing left to do
		expect(index.size).toBe(buildFlowIndex(snapshot).size);
		expect(warmFlowIndex(snapshot, 0)).toBe(true);
		expect(getFlowIndex(snapshot)).toBe(index);
	});

	it('is started by the console controller once the data is in the store', async () => {
		vi.useFakeTimers();
		const store = createAppStore();
		const set = bigIncident();
		const c = new SessionController({
			store,
			analyze: s => analyseIncident(s),
			load: async () => set,
		});
		// (what a Flows screen on top sees the moment the data lands)
		let seenWithData: unknown = 'never';
		store.subscribe((s, prev) => {
			if (s.snapshot !== prev.snapshot) seenWithData = s.flowIndexing?.snapshot === s.snapshot;
		});
		await c.start();
		const snapshot = store.getState().snapshot;
		if (snapshot === undefined) throw new Error('no snapshot');
		// Then indexing was said before the data landed, so Flows never builds it in one block
		expect(seenWithData).toBe(true);
		// And the store says indexing has begun, with the number of flows
		expect(store.getState().flowIndexing?.snapshot).toBe(snapshot);
		expect(store.getState().flowIndexing?.total).toBeGreaterThan(10_000);
		expect(hasFlowIndex(snapshot)).toBe(false);
		// When the idle-time steps run
		await vi.runAllTimersAsync();
		// Then the index is built (warming reports it done without working) and the store says so
		expect(warmFlowIndex(snapshot, 0)).toBe(true);
		expect(hasFlowIndex(snapshot)).toBe(true);
		expect(store.getState().flowIndexing).toBeUndefined();
		c.dispose();
	});
});

/** compute-1's br-tun flow 5000 throws when read: an index build that fails midway. */
function breakFlow(snapshot: Snapshot): Snapshot {
	const flows = snapshot.nodes['compute-1']?.facts.flows?.['br-tun']?.data.flows as Flow[];
	Object.defineProperty(flows, 5000, {
		get() {
			throw new Error('flow 5000 is unreadable');
		},
	});
	return snapshot;
}

describe('a flow index that cannot be built', () => {
	it('fails warming without leaving a half-built index, and getFlowIndex reports the error', () => {
		// Given a snapshot whose flow list throws when read (a parser bug, say)
		const snapshot = breakFlow(analyseIncident(bigIncident()).snapshot);
		// Then warming throws that error (the controller catches it), every time
		expect(() => {
			while (!warmFlowIndex(snapshot, 0));
		}).toThrow('flow 5000 is unreadable');
		// And Flows gets the error, not an empty index
		expect(() => getFlowIndex(snapshot)).toThrow('flow 5000 is unreadable');
	});

	it('does not take the console down when it fails in idle time', async () => {
		vi.useFakeTimers();
		const store = createAppStore();
		const set = bigIncident();
		const c = new SessionController({
			store,
			analyze: s => {
				const analysed = analyseIncident(s);
				breakFlow(analysed.snapshot);
				return analysed;
			},
			load: async () => set,
		});
		await c.start();
		// The idle steps run and stop at the error, without throwing out of the timer
		await expect(vi.runAllTimersAsync()).resolves.not.toThrow();
		expect(store.getState().collection.status).toBe('done');
		// and Flows is not left waiting for an index that will not come
		expect(store.getState().flowIndexing).toBeUndefined();
		c.dispose();
	});
});
