import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {renderConsole} from '../helpers/console.js';
import {progressRows} from '../../src/state/selectors.js';
import type {SessionEvent} from '../../src/model/events.js';
import type {CaptureMeta} from '../../src/model/capture.js';
import type {AppStore} from '../../src/state/store.js';

afterEach(() => {
	cleanup();
});

const at = '2026-11-26T03:00:00.000Z';

const meta = (id: string, catalogId: string, node?: string): CaptureMeta => ({
	id,
	scope: node === undefined ? 'cloud' : 'node',
	...(node === undefined ? {} : {node}),
	argv: ['true'],
	catalogId,
	exitCode: 0,
	startedAt: at,
	durationMs: 10,
	stdoutFile: `${id}.out`,
	stdoutBytes: 100,
	stderrBytes: 0,
});

const started = (captureId: string, catalogId: string, node?: string): SessionEvent => ({
	type: 'capture-started',
	at,
	...(node === undefined ? {} : {node}),
	captureId,
	catalogId,
	argv: ['true'],
});

const done = (captureId: string, catalogId: string, node?: string): SessionEvent => ({
	type: 'capture-done',
	at,
	...(node === undefined ? {} : {node}),
	captureId,
	capture: meta(captureId, catalogId, node),
});

/**
 * A live run as collect() reports it: node collectors on compute-1 (finished) and gw-1 (still
 * running, with the L3-HA files compute-1 never reads), and API collectors answered by no node.
 * Columns in first-seen order: a=netns.list b=os.ports c=os.routers d=ovs.bridge-batch e=l3ha.files
 */
const liveRun: SessionEvent[] = [
	{
		type: 'collection-started',
		at,
		nodes: [
			{id: 'compute-1', roles: ['compute']},
			{id: 'gw-1', roles: ['gateway']},
		],
		concurrency: 20,
	},
	{type: 'node-started', at, node: 'compute-1'},
	started('compute-1.netns.list', 'netns.list', 'compute-1'),
	done('compute-1.netns.list', 'netns.list', 'compute-1'),
	started('cloud.os.ports', 'os.ports'),
	done('cloud.os.ports', 'os.ports'),
	started('cloud.os.routers', 'os.routers'),
	started('compute-1.ovs.bridge-batch', 'ovs.bridge-batch', 'compute-1'),
	done('compute-1.ovs.bridge-batch', 'ovs.bridge-batch', 'compute-1'),
	{type: 'node-done', at, node: 'compute-1', captures: 2, failedCaptures: 0, durationMs: 900},
	{type: 'node-started', at, node: 'gw-1'},
	started('gw-1.netns.list', 'netns.list', 'gw-1'),
	started('gw-1.l3ha.files', 'l3ha.files', 'gw-1'),
	done('gw-1.l3ha.files', 'l3ha.files', 'gw-1'),
];

/** A live console with nothing loaded yet, fed the events through the real store. */
function renderLive(events: readonly SessionEvent[]) {
	const ui = renderConsole();
	ui.store.setState(s => {
		const next: Partial<typeof s> & {snapshot?: unknown; diagnosis?: unknown} = {...s};
		delete next.snapshot;
		delete next.diagnosis;
		return next as typeof s;
	}, true);
	for (const e of events) ui.store.getState().applyEvent(e);
	return ui;
}

/** The marks of a grid row, one per column (a cell is 3 characters after the 14-wide name). */
function marks(frame: string, row: string, columns: number): string[] {
	const line = frame.split('\n').find(l => l.startsWith(`${row} `));
	if (line === undefined) throw new Error(`no grid row ${row} in:\n${frame}`);
	return Array.from({length: columns}, (_, i) => line.charAt(15 + i * 3));
}

const rowOf = (store: AppStore, row: string) =>
	progressRows(store.getState().collection).find(r => r.row === row);

describe('progress grid: each row shows only the collectors of its scope', () => {
	it('the cloud row has API collectors only, node rows node collectors only; queued only where it can still run', async () => {
		// Given / When
		const ui = renderLive(liveRun);
		// Then
		const f = await ui.waitForFrame(s => s.includes('a=netns.list'));
		expect(f).toContain('b=os.ports c=os.routers d=ovs.bridge-batch e=l3ha.files');
		// cloud: a d e are node collectors → blank; b done; c running; the row is running, not queued
		expect(marks(f, 'cloud', 5)).toEqual([' ', '✓', '…', ' ', ' ']);
		expect(f).toMatch(/^cloud\s.*running/m);
		// compute-1 (done): API collectors blank; l3ha.files never ran there → –, not queued
		expect(marks(f, 'compute-1', 5)).toEqual(['✓', ' ', ' ', '✓', '–']);
		// gw-1 (running): ovs.bridge-batch may still come → queued; API collectors blank
		expect(marks(f, 'gw-1', 5)).toEqual(['…', ' ', ' ', '·', '✓']);
		expect(f).toContain('2 node(s)');
	});

	it('the cloud row is done once its captures are, and a finished node never shows queued', async () => {
		// Given the run above, then the last API capture and gw-1 finish
		const ui = renderLive([
			...liveRun,
			done('cloud.os.routers', 'os.routers'),
			done('gw-1.netns.list', 'netns.list', 'gw-1'),
			{type: 'node-done', at, node: 'gw-1', captures: 2, failedCaptures: 0, durationMs: 800},
		]);
		// Then
		const f = await ui.waitForFrame(s => /^gw-1\s.*done/m.test(s));
		expect(marks(f, 'cloud', 5)).toEqual([' ', '✓', '✓', ' ', ' ']);
		expect(f).toMatch(/^cloud\s.*done/m);
		expect(marks(f, 'gw-1', 5)).toEqual(['✓', ' ', ' ', '–', '✓']);
		for (const row of ['cloud', 'compute-1', 'gw-1'])
			expect(
				rowOf(ui.store, row)?.cells.some(
					c => c !== 'n/a' && c !== 'not-run' && c.state === 'queued',
				),
			).toBe(false);
		expect(rowOf(ui.store, 'cloud')).toMatchObject({
			scope: 'cloud',
			progress: {state: 'done', captures: 2},
		});
	});

	it('a node that failed before running anything shows no queued cells', async () => {
		const ui = renderLive([
			...liveRun.slice(0, 10),
			{
				type: 'node-failed',
				at,
				node: 'gw-1',
				kind: 'unreachable',
				message: 'connect ECONNREFUSED',
				captures: 0,
			},
		]);
		const f = await ui.waitForFrame(s => s.includes('✗ unreachable'));
		// columns so far: a=netns.list b=os.ports c=os.routers d=ovs.bridge-batch
		expect(marks(f, 'gw-1', 4)).toEqual(['–', ' ', ' ', '–']);
	});
});
