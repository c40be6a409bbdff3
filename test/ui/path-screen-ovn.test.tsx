/**
 * The console's Path view (issue 22, `t`) on ml2/ovn: the OVN lab's failover (real NB/SB, flows and
 * the ovn-trace read recorded in the same bring-up, test/fixtures/ovn-trace/failover, replayed into
 * the set by a FAKE exec as live diagnose files it). The existing hop rendering shows the OVN hops:
 * at 80×24 and 160×45 the verdict, the breaking hop — the router's lr_in_arp_resolve naming the old
 * master — marked in text, and the ovn-trace read behind it.
 */
import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {App} from '../../src/ui/App.js';
import {createAppStore} from '../../src/state/store.js';
import {selectTop} from '../../src/state/selectors.js';
import {themes} from '../../src/ui/theme.js';
import {openInput} from '../../src/bundle/read.js';
import {proveWithRounds} from '../../src/session/trace-rounds.js';
import {analyseIncident} from '../helpers/incident.js';
import {fakeController} from '../helpers/console.js';
import {ovnReplayExec} from '../helpers/ovn-trace-replay.js';
import {keys, renderTui} from '../helpers/render.js';

afterEach(() => cleanup());

const VIP = '198.19.0.100';

async function open(size: {columns: number; rows: number}) {
	const base = (
		await openInput(new URL('../fixtures/ovn-trace/failover/set', import.meta.url).pathname)
	).set;
	const {set} = await proveWithRounds(base, '198.19.1.21', VIP, ovnReplayExec('failover'));
	const {snapshot, diagnosis} = analyseIncident(set);
	const store = createAppStore({
		source: {kind: 'capture-set', location: 'ovn-failover', description: 'OVN lab failover'},
		snapshot,
		diagnosis,
	});
	store.getState().setData(snapshot, diagnosis);
	const ui = renderTui(
		<App store={store} controller={fakeController()} theme={themes.plain} size={size} />,
	);
	await ui.waitForFrame(s => s.includes('CRIT') || s.includes('finding'));
	return {...ui, store};
}

describe('Path view (t) on ml2/ovn', () => {
	for (const size of [
		{columns: 80, rows: 24},
		{columns: 160, rows: 45},
	])
		it(`at ${size.columns}×${size.rows}: t on the OVN finding shows the black hole at the router's lr_in_arp_resolve with the old master, marked in text`, async () => {
			const ui = await open(size);
			const finding = ui.store.getState().diagnosis?.findings.find(f => f.path !== undefined);
			expect(finding?.ruleId).toMatch(/^ovn\//);
			await ui.press(':');
			await ui.type(`vip ${VIP}`);
			await ui.press(keys.enter);
			await ui.waitForFrame(s => s.includes('Owner now'));
			await ui.press('t');
			const frame = await ui.waitForFrame(s => s.includes('BLACK HOLE'));
			expect(selectTop(ui.store.getState()).view).toMatchObject({kind: 'path', vip: VIP});
			expect(frame).toMatch(
				/✗ BLACK HOLE {2}198\.19\.1\.21 → 198\.19\.0\.100 · breaks at hop 3 of 6/,
			);
			expect(frame).toMatch(
				/breaks at: router r1 on network: lr_in_arp_resolve, the MAC for 198\.19\.0\.100/,
			);
			expect(frame).toMatch(/old master: fa:16:3e:e9:22:a1 — port vm1 \(d7c70c6a\)/);
			expect(frame).toMatch(/› *3 ✗ BREAK +router r1 on network: lr_in_arp_resolve/);
			// under it, what it shows: the router resolves the VIP to the old master's MAC
			expect(frame).toMatch(/198\.19\.0\.100 → fa:16:3e:e9:22:a1 \(port vm1 \(d7c70c6a\)\)/);
			expect(frame).toContain('dvrscope trace --from 198.19.1.21 --to 198.19.0.100');
			if (size.columns >= 160) {
				expect(frame).toMatch(
					/ 1 ok +network netB on network: port client \(eb7ce4a5\) → router interface/,
				);
				expect(frame).toMatch(/3 ✗ BREAK .*✗ contradicts the holder/);
				expect(frame).toMatch(/▸ controller\.trace\.ovn\.\d+ lines? /);
			}
			await ui.press(keys.escape);
			await ui.waitForFrame(s => !s.includes('BLACK HOLE'));
		});
});
