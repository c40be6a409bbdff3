/**
 * The console's Path view (issue 22, `t` from a finding or a VIP) on the built-in sample incident
 * (sample/incident-failover: the lab's failover with the path proof's trace reads recorded in the
 * same bring-up, test/fixtures/trace/make-sample.ts). What an engineer needs must be on the first
 * screen at 80×24 and at 160×45: the verdict, the hop that breaks (marked in text: NO_COLOR), the
 * old master the stale entry still names, the holder, the `dvrscope trace` command as pasteable
 * text, and the way back (Esc). The view renders the finding's proof; it runs nothing.
 */
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {App} from '../../src/ui/App.js';
import {createAppStore} from '../../src/state/store.js';
import {selectTop} from '../../src/state/selectors.js';
import {themes, type Theme} from '../../src/ui/theme.js';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {commandLines, hopLines} from '../../src/ui/screens/PathScreen.js';
import type {CaptureSet} from '../../src/model/capture.js';
import {analyseIncident, makeIncidentSet} from '../helpers/incident.js';
import {fakeController} from '../helpers/console.js';
import {keys, renderTui} from '../helpers/render.js';

afterEach(() => cleanup());

const VIP = '198.19.0.100';
const SAMPLE = path.join(import.meta.dirname, '..', '..', 'sample', 'incident-failover');
const COMMAND = `dvrscope trace --from 198.19.1.21 --to ${VIP} sample/incident-failover`;

async function open(
	size: {columns: number; rows: number},
	options: {theme?: Theme; set?: CaptureSet; live?: boolean} = {},
) {
	const set = options.set ?? (await readCaptureSet(SAMPLE));
	const {snapshot, diagnosis} = analyseIncident(set);
	const store = createAppStore({
		source:
			options.live === true
				? {kind: 'live', location: '--inventory lab.yaml'}
				: {kind: 'sample', location: 'sample/incident-failover', description: 'sample'},
		snapshot,
		diagnosis,
	});
	store.getState().setData(snapshot, diagnosis);
	const controller = fakeController();
	const ui = renderTui(
		<App store={store} controller={controller} theme={options.theme ?? themes.plain} size={size} />,
	);
	await ui.waitForFrame(s => s.includes('CRIT') || s.includes('finding'));
	return {...ui, store, controller};
}

describe('Path view (t)', () => {
	for (const size of [
		{columns: 80, rows: 24},
		{columns: 160, rows: 45},
	])
		it(`at ${size.columns}×${size.rows}: t on the stale-entry finding shows the black hole, the breaking hop marked in text, the old master, the holder, the command in one piece, and Esc goes back`, async () => {
			const ui = await open(size);
			await ui.press('t');
			const frame = await ui.waitForFrame(s => s.includes('BLACK HOLE'));
			expect(selectTop(ui.store.getState()).view).toMatchObject({kind: 'path', vip: VIP});
			expect(frame).toMatch(
				/✗ BLACK HOLE {2}198\.19\.1\.21 → 198\.19\.0\.100 · breaks at hop 3 of 7/,
			);
			expect(frame).toMatch(
				/breaks at: compute-2 qrouter-\w+.*neighbour entry for 198\.19\.0\.100/,
			);
			expect(frame).toMatch(/old master: port vm2 \(0301b5c7\)/);
			expect(frame).toMatch(/holder: +port vm1 \(e08aa042\) on compute-1 \(fa:16:3e:4c:55:f0\)/);
			// pasteable as shown: one line when it fits, else continued with ` \`
			const shown = frame
				.split('\n')
				.filter(l => /^ {2}(dvrscope trace| {2}--)/.test(l) || /\\$/.test(l))
				.map(l => l.trim().replace(/ \\$/, ''))
				.join(' ');
			expect(shown).toBe(COMMAND);
			expect(frame).toMatch(/Esc back to overview/);
			// the breaking hop, marked without colour, with its evidence line under it
			expect(frame).toMatch(
				/› *3 ✗ BREAK +compute-2 qrouter-efc4d540…: neighbour entry for 198\.19\.0\.100/,
			);
			// under it, what it shows: the entry names the old master's MAC
			expect(frame).toMatch(/198\.19\.0\.100 lladdr fa:16:3e:bb:67:05 PERMANENT/);
			if (size.columns >= 160) {
				expect(frame).toMatch(/3 ✗ BREAK .*✗ contradicts the holder/);
				expect(frame).toMatch(/▸ compute-2\.netns\.neigh\.qrouter-\S+ line 1/);
				expect(frame).toMatch(/7 ✗ BREAK +compute-1: tap-vm2 → port vm2/);
			}
			await ui.press(keys.escape);
			await ui.waitForFrame(s => !s.includes('BLACK HOLE'));
			expect(selectTop(ui.store.getState()).view.kind).toBe('overview');
			// the UI ran nothing: no collection, no watch
			expect(ui.controller.recollect).not.toHaveBeenCalled();
			expect(ui.controller.toggleWatch).not.toHaveBeenCalled();
		});

	it('from the finding detail and from the VIP table; Enter on an evidence line opens the capture at that line; Esc returns to where t was pressed', async () => {
		const ui = await open({columns: 120, rows: 40});
		await ui.press(keys.enter);
		await ui.waitForFrame(s => s.includes('Evidence ('));
		expect(ui.frame()).toContain('t opens the packet-path proof: BLACK HOLE, 7 hops');
		await ui.press('t');
		await ui.waitForFrame(s => s.includes('BLACK HOLE'));
		expect(ui.frame()).toMatch(/Esc back to finding/);
		expect(ui.frame()).toMatch(/proves: Stale PERMANENT ARP entry/);
		for (let i = 0; i < 5 && !/›\s+▸ compute-2\.netns\.neigh/.test(ui.frame()); i++)
			await ui.press(keys.down);
		await ui.waitForFrame(s => /›\s+▸ compute-2\.netns\.neigh/.test(s));
		await ui.press(keys.enter);
		await ui.waitForFrame(s => !s.includes('BLACK HOLE'));
		const opened = selectTop(ui.store.getState()).view;
		expect(opened).toMatchObject({kind: 'capture', line: 1});
		expect(opened.kind === 'capture' ? opened.capture : '').toMatch(
			/^compute-2\.netns\.neigh\.qrouter-/,
		);
		await ui.press(keys.escape);
		await ui.waitForFrame(s => s.includes('BLACK HOLE'));
		await ui.press(keys.escape);
		await ui.waitForFrame(s => s.includes('Evidence ('));
		expect(selectTop(ui.store.getState()).view.kind).toBe('finding');

		await ui.press(':');
		await ui.type(`vip ${VIP}`);
		await ui.press(keys.enter);
		await ui.waitForFrame(s => s.includes('Owner now'));
		await ui.press('t');
		await ui.waitForFrame(s => s.includes('BLACK HOLE'));
		expect(ui.frame()).toMatch(new RegExp(`Esc back to VIP ${VIP.replaceAll('.', '\\.')}`));
		await ui.press(keys.escape);
		await ui.waitForFrame(s => s.includes('Owner now'));
	});

	it('NO_COLOR carries the meaning in text; the colour theme paints the breaking hops red (the tmux check sees it on a real terminal)', async () => {
		const plain = await open({columns: 100, rows: 30});
		await plain.press('t');
		await plain.waitForFrame(s => s.includes('BLACK HOLE'));
		// eslint-disable-next-line no-control-regex
		expect(plain.lastFrame()).not.toMatch(/\u001B\[3\dm/);
		const proof = plain.store.getState().diagnosis?.findings.find(f => f.path)?.path;
		expect(proof).toBeDefined();
		if (proof === undefined) return;
		const coloured = hopLines(proof, 100, themes.coloured).filter(l => l.id.match(/^hop:\d+$/));
		expect(coloured.map(l => l.color)).toEqual([
			'green',
			'green',
			'red',
			'green',
			'green',
			'green',
			'red',
		]);
		const none = hopLines(proof, 100, themes.plain).filter(l => l.id.match(/^hop:\d+$/));
		expect(none.every(l => l.color === undefined)).toBe(true);
		expect(none.filter(l => l.text.includes('✗ BREAK')).length).toBe(2);
	});

	it('without a proof in the data the view says so and names the trace command that would produce it; live, it says the console runs no trace rounds', async () => {
		const saved = await open({columns: 80, rows: 24}, {set: makeIncidentSet()});
		await saved.press('t');
		const frame = await saved.waitForFrame(s => s.includes('NO PATH PROOF'));
		expect(frame).toMatch(/NO PATH PROOF for 10\.0\.0\.100/);
		expect(frame).toMatch(/dvrscope trace --from .* --to 10\.0\.0\.100/);
		expect(frame).toMatch(/Esc back to overview/);
		saved.unmount();
		const live = await open({columns: 80, rows: 24}, {set: makeIncidentSet(), live: true});
		await live.press('t');
		await live.waitForFrame(s => s.includes('NO PATH PROOF'));
		expect(live.frame()).toMatch(/--inventory lab\.yaml/);
	});

	it('a command wider than the screen breaks at spaces with a shell continuation', () => {
		const long = `dvrscope trace --from 198.19.1.21 --to ${VIP} --inventory /very/long/path/to/inventory.yaml`;
		const lines = commandLines(long, 50);
		expect(lines.length).toBeGreaterThan(1);
		expect(lines.every(l => l.length <= 50)).toBe(true);
		expect(lines.slice(0, -1).every(l => l.endsWith(' \\'))).toBe(true);
		expect(lines.map(l => l.replace(/ \\$/, '').trim()).join(' ')).toBe(long);
	});
});
