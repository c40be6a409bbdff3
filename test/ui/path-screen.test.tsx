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

/** The set without its trace reads: a live collection before its proof rounds. */
function withoutTraces(set: CaptureSet): CaptureSet {
	const keep = (c: {catalogId?: string}): boolean => c.catalogId?.startsWith('trace.') !== true;
	return {
		manifest: {...set.manifest, captures: set.manifest.captures.filter(keep)},
		captures: set.captures.filter(keep),
	};
}

/** The set with one capture's read failed (the connection dropped: no output). */
function withFailure(set: CaptureSet, id: string): CaptureSet {
	const failure = {kind: 'unreachable' as const, message: 'fake: the connection dropped'};
	const fail = <C extends {id: string}>(c: C): C =>
		c.id === id ? {...c, exitCode: null, failure, stdoutBytes: 0} : c;
	return {
		manifest: {...set.manifest, captures: set.manifest.captures.map(fail)},
		captures: set.captures.map(c => (c.id === id ? {...fail(c), stdout: ''} : c)),
	};
}
import {analyseIncident, makeIncidentSet} from '../helpers/incident.js';
import {fakeController} from '../helpers/console.js';
import {keys, renderTui} from '../helpers/render.js';

afterEach(() => cleanup());

/** What a shell makes of rows pasted as shown: backslash-newline joined, words split on blanks. */
const pasted = (rows: string): string =>
	rows.replace(/\\\n/g, '').split(/\s+/).filter(Boolean).join(' ');

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
			// the MACs first, so a long port name cannot push them off an 80-column row
			expect(frame).toMatch(/old master: fa:16:3e:bb:67:05 — port vm2 \(0301b5c7\)/);
			expect(frame).toMatch(/holder: +fa:16:3e:4c:55:f0 — port vm1 \(e08aa042\) on compute-1/);
			// pasteable as shown: one line when it fits, else continued with ` \`
			const shown = frame
				.split('\n')
				.filter(l => /^ {2}(dvrscope trace| {2}--)/.test(l) || /\\$/.test(l))
				.join('\n');
			expect(pasted(shown)).toBe(COMMAND);
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

	it('without a proof in the data the view says so and names the trace command that would produce it; live without a proof (a cancelled collection), it says when the console proves', async () => {
		const saved = await open({columns: 80, rows: 24}, {set: makeIncidentSet()});
		await saved.press('t');
		const frame = await saved.waitForFrame(s => s.includes('NO PATH PROOF'));
		expect(frame).toMatch(/NO PATH PROOF for 10\.0\.0\.100/);
		expect(frame).toMatch(/dvrscope trace --from .* --to 10\.0\.0\.100/);
		expect(frame).toMatch(/Esc back to overview/);
		saved.unmount();
		// live, the sample without its trace reads and no proof rounds run (a cancelled collection)
		const live = await open(
			{columns: 80, rows: 24},
			{set: withoutTraces(await readCaptureSet(SAMPLE)), live: true},
		);
		await live.press('t');
		await live.waitForFrame(s => s.includes('NO PATH PROOF'));
		expect(live.frame()).toMatch(/--inventory lab\.yaml/);
		expect(live.frame().replace(/\n +/g, ' ')).toMatch(
			/the console proves stale-entry findings after each complete collection/,
		);
	});

	for (const size of [
		{columns: 80, rows: 24},
		{columns: 160, rows: 45},
	]) {
		it(`at ${size.columns}×${size.rows}, live: while the session proves, the view says PROVING with the client and the pasteable command; then the proof, saying when and in which watch round it was read`, async () => {
			// the live collection before its proof rounds: the sample without its trace reads
			const sample = await readCaptureSet(SAMPLE);
			const bare = withoutTraces(sample);
			const ui = await open(size, {set: bare, live: true});
			ui.store.getState().setProof({
				state: 'proving',
				vips: [VIP],
				proofs: 1,
				at: '2026-12-07T20:46:47.000Z',
				reason: 'after the collection',
			});
			await ui.press('t');
			const frame = await ui.waitForFrame(s => s.includes('PROVING'));
			expect(frame).toMatch(/… PROVING the packet path to 198\.19\.0\.100…/);
			expect(frame).toMatch(/from 198\.19\.1\.21/);
			// (the explanation wraps: read it as one text)
			expect(frame.replace(/\n +/g, ' ')).toMatch(/started 20:46:47 UTC after the collection\./);
			const rows = frame.split('\n').filter(l => /^ {2}(dvrscope trace| {4}\S)/.test(l));
			expect(pasted(rows.join('\n'))).toBe(
				`dvrscope trace --from 198.19.1.21 --to ${VIP} --inventory lab.yaml`,
			);
			expect(frame).toMatch(/Esc back to overview/);
			expect(frame).not.toMatch(/NO PATH PROOF/);
			// the rounds are done: the set with the trace reads, the status of watch round 4
			const {snapshot, diagnosis} = analyseIncident(sample);
			ui.store.getState().setData(snapshot, diagnosis);
			ui.store.getState().setProof({
				state: 'done',
				vips: [VIP],
				proofs: 1,
				round: 4,
				at: '2026-12-07T20:46:48.000Z',
				reason: 'x',
				rounds: 2,
				execs: {'compute-2': 1, 'compute-1': 1},
			});
			const proven = await ui.waitForFrame(s => s.includes('BLACK HOLE'));
			expect(proven).toMatch(/Hops \(7\) · read in watch round 4 at 20:46:48 UTC/);
			// the cursor went to the breaking hop when the proof arrived
			expect(proven).toMatch(/› *3 ✗ BREAK/);
			expect(proven).toMatch(/old master: fa:16:3e:bb:67:05/);
			expect(proven).toMatch(/holder: +fa:16:3e:4c:55:f0/);
			await ui.press(keys.escape);
			await ui.waitForFrame(s => !s.includes('BLACK HOLE'));
			expect(selectTop(ui.store.getState()).view.kind).toBe('overview');
		});

		it(`at ${size.columns}×${size.rows}: a hop whose read failed makes the proof say INCOMPLETE; Enter on the hop shows the command that reads it, whole and pasteable`, async () => {
			const sample = await readCaptureSet(SAMPLE);
			const remote = sample.captures.find(
				c => c.node === 'compute-1' && c.catalogId === 'trace.ovs',
			);
			expect(remote).toBeDefined();
			const failed = withFailure(sample, remote?.id ?? '');
			const ui = await open(size, {set: failed, live: true});
			await ui.press('t');
			const frame = await ui.waitForFrame(s => s.includes('INCOMPLETE'));
			expect(frame).toMatch(/\? INCOMPLETE: hop 6 not read — Enter on it shows the command/);
			expect(frame).toMatch(/✗ BLACK HOLE/); // the stale entry still breaks the path at hop 3
			for (let i = 0; i < 12 && !/› *6 \? UNREAD/.test(ui.frame()); i++) await ui.press(keys.down);
			await ui.waitForFrame(s => /› *6 \? UNREAD/.test(s));
			await ui.press(keys.enter);
			const hop = await ui.waitForFrame(s => s.includes('hop 6 of 6'));
			expect(hop).toMatch(/hop 6 of 6 {2}\? UNREAD {2}compute-1 br-tun/);
			expect(hop).toMatch(/not read \(unreachable: fake: the connection dropped/);
			expect(hop).toMatch(/to read it, on compute-1 \(y copies it\):/);
			const command = hop
				.split('\n')
				.filter(l => /^ {4}ovs-appctl|^ {6}\S|^[a-z_]+=|^\S+,\\$|^nw_/.test(l));
			expect(pasted(command.join('\n'))).toBe(
				'ovs-appctl -T 10 ofproto/trace br-tun --names in_port=vxlan-c612010c,tun_id=0x184,ip,dl_src=fa:16:3f:67:00:48,dl_dst=fa:16:3e:bb:67:05,nw_src=198.19.1.21,nw_dst=198.19.0.100',
			);
			expect(hop).toMatch(/no evidence lines: this hop was not read/);
			await ui.press(keys.escape);
			await ui.waitForFrame(s => s.includes('INCOMPLETE'));
			expect(ui.frame()).toMatch(/› *6 \? UNREAD/);
		});

		it(`at ${size.columns}×${size.rows}: every hop's evidence is reachable — ↑/↓ to a hop that is fine, Enter lists its evidence lines, Enter on one opens the capture; Esc, Esc is back where t was pressed`, async () => {
			const ui = await open(size);
			await ui.press('t');
			await ui.waitForFrame(s => s.includes('BLACK HOLE'));
			for (let i = 0; i < 12 && !/› *1 ok/.test(ui.frame()); i++) await ui.press(keys.up);
			await ui.waitForFrame(s => /› *1 ok/.test(s));
			await ui.press(keys.enter);
			const hop = await ui.waitForFrame(s => s.includes('Evidence ('));
			expect(hop).toMatch(/overview › path → 198\.19\.0\.100 › hop 1/);
			expect(hop).toMatch(/hop 1 of 7 {2}ok {2}compute-2 br-int: tap-client → qr-c078255e-88/);
			expect(hop).toMatch(/reaches the router leg qr-c078255e-88/);
			expect(hop).toMatch(/› ▸ compute-2\.trace\.ovs\.1 lines 5,7,9,11,13,19/);
			// the evidence excerpt, all of it (a fine hop shows one row in the list at 80×24)
			expect(hop).toMatch(/│ 0\. in_port="tap-client", priority 9/);
			expect(hop).toMatch(/│ Datapath actions: qr-c078255e-88/);
			const command = hop.split('\n').filter(l => /^ {4}ovs-appctl|^ {6}\S|^nw_|^\S+,\\$/.test(l));
			expect(pasted(command.join('\n'))).toBe(
				'ovs-appctl -T 10 ofproto/trace br-int --names in_port=tap-client,ip,dl_src=fa:16:3e:e7:f2:92,dl_dst=fa:16:3e:95:b0:c3,nw_src=198.19.1.21,nw_dst=198.19.0.100',
			);
			expect(hop).toMatch(/Esc back to the path/);
			await ui.press(keys.enter);
			await ui.waitForFrame(s => s.includes('evidence ▶'));
			expect(selectTop(ui.store.getState()).view).toMatchObject({
				kind: 'capture',
				capture: 'compute-2.trace.ovs.1',
				line: 5,
			});
			await ui.press(keys.escape);
			await ui.waitForFrame(s => s.includes('Evidence ('));
			await ui.press(keys.escape);
			await ui.waitForFrame(s => s.includes('BLACK HOLE'));
			// back on the hop it was opened from, not thrown back to the break
			expect(ui.frame()).toMatch(/› *1 ok/);
			await ui.press(keys.escape);
			await ui.waitForFrame(s => !s.includes('BLACK HOLE'));
			expect(selectTop(ui.store.getState()).view.kind).toBe('overview');
		});
	}

	it('a command wider than the screen breaks at spaces with a shell continuation, and a word wider than a row (a trace flow) after a comma, continued at column 0', () => {
		const long = `dvrscope trace --from 198.19.1.21 --to ${VIP} --inventory /very/long/path/to/inventory.yaml`;
		const lines = commandLines(long, 50);
		expect(lines.length).toBeGreaterThan(1);
		expect(lines.every(l => l.length <= 50)).toBe(true);
		expect(lines.slice(0, -1).every(l => l.endsWith(' \\'))).toBe(true);
		expect(lines.map(l => l.replace(/ \\$/, '').trim()).join(' ')).toBe(long);
		const flow =
			'ovs-appctl -T 10 ofproto/trace br-tun --names in_port=vxlan-c612010c,tun_id=0x184,ip,dl_src=fa:16:3f:67:00:48,dl_dst=fa:16:3e:bb:67:05,nw_src=198.19.1.21,nw_dst=198.19.0.100';
		for (const width of [80, 60, 160]) {
			const rows = commandLines(flow, width, '    ');
			expect(rows.every(r => r.length <= width)).toBe(true);
			expect(pasted(rows.join('\n'))).toBe(flow);
			// a cut inside the flow word continues at column 0 (a shell joins backslash-newline)
			if (width < 160) expect(rows.some(r => /,\\$/.test(r))).toBe(true);
		}
	});
});
