import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {App} from '../../src/ui/App.js';
import {createAppStore} from '../../src/state/store.js';
import {themes} from '../../src/ui/theme.js';
import {filterBudget} from '../../src/ui/hooks/use-flow-filter.js';
import {
	buildFlowIndex,
	flowIndexProgress,
	hasFlowIndex,
	warmFlowIndex,
} from '../../src/state/flow-index.js';
import {filterFlows} from '../../src/state/flow-query.js';
import {analyseIncident, incidentWithBrTunFlows} from '../helpers/incident.js';
import {fakeController} from '../helpers/console.js';
import {keys, renderTui} from '../helpers/render.js';
import type {CaptureSet} from '../../src/model/capture.js';

const budget = {...filterBudget};
afterEach(() => {
	cleanup();
	Object.assign(filterBudget, budget);
});

/** The incident with 10,000 more flows at the end of compute-1's br-tun dump (ten index steps). */
function bigIncident(): CaptureSet {
	const lines: string[] = [];
	for (let i = 0; i < 10_000; i++)
		lines.push(
			` cookie=0x1, duration=5.0s, table=22, n_packets=${i}, n_bytes=0, idle_age=1, priority=1,dl_vlan=${1 + (i % 90)} actions=strip_vlan,output:2`,
		);
	return incidentWithBrTunFlows(lines);
}

/** The console on the big incident, on the Flows screen, with the store saying what idle indexing would. */
function flowsConsole(size: {columns: number; rows: number}, indexing: boolean) {
	const {snapshot, diagnosis} = analyseIncident(bigIncident());
	const store = createAppStore({
		source: {kind: 'sample', location: 'test', description: 'big'},
		snapshot,
		diagnosis,
	});
	store.getState().setData(snapshot, diagnosis);
	if (indexing) store.getState().setFlowIndexing({snapshot, ...flowIndexProgress(snapshot)});
	const ui = renderTui(
		<App store={store} controller={fakeController()} theme={themes.plain} size={size} />,
	);
	return {...ui, store, snapshot};
}

/** `count / size[ of total] flows … · filter: X` of a frame's header line. */
const HEADER =
	/^ ?([\d,]+) \/ ([\d,]+)(?: of ([\d,]+))? flows(.*?)(?: · filter: (.*?))?( · filtering…)?\s*$/m;
const num = (s: string | undefined): number => Number((s ?? '').replaceAll(',', ''));

describe.each([
	{columns: 80, rows: 24},
	{columns: 160, rows: 45},
])('Flows while the index is built, at $columns×$rows', size => {
	it('opens before the index is complete with the first rows and how far indexing is, then shows the full result', async () => {
		// Given the console indexing 10,018 flows in idle time, not yet begun
		const ui = flowsConsole(size, true);
		const total = flowIndexProgress(ui.snapshot).total;
		expect(total).toBeGreaterThan(10_000);
		// When Flows opens
		await ui.press(':');
		await ui.type('flows');
		await ui.press(keys.enter);
		// Then rows show at once, with the part of the flows indexed so far and a status
		const first = await ui.waitForFrame(f => HEADER.test(f));
		const head = HEADER.exec(first);
		expect(num(head?.[3])).toBe(total);
		expect(num(head?.[2])).toBeLessThan(total);
		expect(head?.[4]).toMatch(/\(indexing \d+%: rows so far\)/);
		expect(first).toMatch(/compute-1 +tun +t0/);
		expect(hasFlowIndex(ui.snapshot)).toBe(false);
		// When a filter that needs the rows not yet indexed is typed
		await ui.press('/');
		await ui.type('n_packets=9999');
		// Then it runs over the rows so far: none of them yet
		const partial = await ui.waitForFrame(f => HEADER.exec(f)?.[5] === 'n_packets=9999');
		expect(HEADER.exec(partial)?.[1]).toBe('0');
		expect(partial).toContain('No flow matches "n_packets=9999"');
		// When idle time indexes more (the controller reports how far) and then finishes
		while (flowIndexProgress(ui.snapshot).rows < 5000) warmFlowIndex(ui.snapshot, 0);
		ui.store.getState().setFlowIndexing({snapshot: ui.snapshot, ...flowIndexProgress(ui.snapshot)});
		const more = await ui.waitForFrame(f => num(HEADER.exec(f)?.[2]) >= 5000);
		expect(HEADER.exec(more)?.[3]).toBeDefined();
		while (!warmFlowIndex(ui.snapshot, 0));
		ui.store.getState().setFlowIndexing(undefined);
		// Then the full result shows, over every flow, with no indexing status
		const full = await ui.waitForFrame(f => HEADER.exec(f)?.[2] === total.toLocaleString('en-US'));
		const done = HEADER.exec(full);
		expect(done?.[3]).toBeUndefined();
		expect(done?.[4]).not.toContain('indexing');
		expect(done?.[1]).toBe('1');
		expect(done?.[5]).toBe('n_packets=9999');
		expect(full).toMatch(/compute-1 +tun +t22 FLOOD_TO_TUN +p1 +dl_vlan=10 -> strip_vlan/);
	});

	it('never shows the result of a filter the next key cancelled, nor rows under a filter they are not the result of', async () => {
		// Given filters cut into one step of rows per slice (a small set, so many slices)
		filterBudget.frameMs = 0;
		filterBudget.sliceMs = 0;
		const ui = flowsConsole(size, false);
		await ui.press(':');
		await ui.type('flows');
		await ui.press(keys.enter);
		const total = buildFlowIndex(ui.snapshot).size;
		await ui.waitForFrame(f => f.includes(`/ ${total.toLocaleString('en-US')} flows`));
		const before = ui.frames.length;
		// When a filter is typed key after key, each key before the last filter is done
		await ui.press('/');
		const typed = 'n_packets>9 && dl_vlan=7';
		await ui.type(typed);
		// Then the last filter's result shows
		const last = await ui.waitForFrame(
			f => HEADER.exec(f)?.[5] === typed && HEADER.exec(f)?.[6] === undefined,
			1000,
		);
		const index = buildFlowIndex(ui.snapshot);
		expect(HEADER.exec(last)?.[1]).toBe(
			filterFlows(index, typed).ids.length.toLocaleString('en-US'),
		);
		// And every frame on the way showed rows only under the filter they are the result of
		const shown = new Map<string, string>();
		let filtering = 0;
		for (const frame of ui.frames.slice(before)) {
			const head = HEADER.exec(frame);
			if (head === null) continue;
			if (head[6] !== undefined) filtering++;
			const label = head[5] ?? '';
			shown.set(label, head[1] ?? '');
		}
		for (const [label, count] of shown)
			expect({label, count}).toEqual({
				label,
				count: filterFlows(index, label).ids.length.toLocaleString('en-US'),
			});
		// (the slices did let keys in: filters were still running when the next key came, and
		// the next key dropped them — their results never showed)
		expect(filtering).toBeGreaterThan(0);
		const prefixes = Array.from({length: typed.length}, (_, i) => typed.slice(0, i + 1).trimEnd());
		const dropped = prefixes.filter(p => !shown.has(p));
		expect(dropped.length).toBeGreaterThan(0);
	});
});
