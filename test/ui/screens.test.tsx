import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {Text} from 'ink';
import {keys, renderTui} from '../helpers/render.js';
import {renderConsole} from '../helpers/console.js';
import {selectTop} from '../../src/state/selectors.js';
import {NEW_MAC, OLD_MAC, VIP} from '../helpers/incident.js';
import {ScreenErrorBoundary} from '../../src/ui/components/ScreenErrorBoundary.js';
import {aliases, bindings} from '../../src/ui/keymap.js';
import type {SessionEvent} from '../../src/model/events.js';

afterEach(() => {
	cleanup();
});

const at = '2026-11-26T03:00:00.000Z';

describe('Overview', () => {
	it('shows the sample header, the verdict and the findings, and opens a finding with Enter', async () => {
		// Given the incident loaded
		const ui = renderConsole();
		// Then
		const f = await ui.waitForFrame(s => s.includes('CRITICAL finding'));
		expect(f).toContain('SAMPLE INCIDENT');
		expect(f).toContain('1 critical');
		expect(f).toContain('CRIT 10.0.0.100 [compute-1,compute-2]');
		// When
		await ui.press(keys.enter);
		// Then
		expect(selectTop(ui.store.getState()).view.kind).toBe('finding');
		await ui.waitForFrame(s => s.includes('Evidence'));
	});

	it('draws the node × collector progress grid from session events, and keeps failures in the errors pane', async () => {
		// Given a live run with nothing loaded yet
		const ui = renderConsole();
		const {store} = ui;
		store.setState(s => {
			const next: Partial<typeof s> & {snapshot?: unknown; diagnosis?: unknown} = {...s};
			delete next.snapshot;
			delete next.diagnosis;
			return next as typeof s;
		}, true);
		const meta = (id: string, node: string, failure?: {kind: 'timeout'; message: string}) => ({
			id,
			scope: 'node' as const,
			node,
			argv: ['ip', 'netns', 'list'],
			catalogId: 'netns.list',
			exitCode: failure === undefined ? 0 : null,
			startedAt: at,
			durationMs: 10,
			stdoutFile: 'x',
			stdoutBytes: 2048,
			stderrBytes: 0,
			...(failure === undefined ? {} : {failure}),
		});
		const events: SessionEvent[] = [
			{
				type: 'collection-started',
				at,
				nodes: [
					{id: 'compute-1', roles: ['compute']},
					{id: 'compute-2', roles: ['compute']},
					{id: 'gw-1', roles: ['gateway']},
				],
				concurrency: 20,
			},
			{type: 'node-started', at, node: 'compute-1'},
			{
				type: 'capture-started',
				at,
				node: 'compute-1',
				captureId: 'c1',
				catalogId: 'netns.list',
				argv: ['ip', 'netns', 'list'],
			},
			{
				type: 'capture-done',
				at,
				node: 'compute-1',
				captureId: 'c1',
				capture: meta('c1', 'compute-1'),
			},
			{type: 'node-done', at, node: 'compute-1', captures: 1, failedCaptures: 0, durationMs: 1200},
			{type: 'node-started', at, node: 'compute-2'},
			{
				type: 'capture-started',
				at,
				node: 'compute-2',
				captureId: 'c2',
				catalogId: 'netns.list',
				argv: ['ip', 'netns', 'list'],
			},
			{
				type: 'capture-done',
				at,
				node: 'compute-2',
				captureId: 'c2',
				capture: meta('c2', 'compute-2', {kind: 'timeout', message: 'no answer in 30 s'}),
			},
			{
				type: 'node-failed',
				at,
				node: 'gw-1',
				kind: 'unreachable',
				message: 'connect ECONNREFUSED',
				captures: 0,
			},
		];
		// When
		for (const e of events) store.getState().applyEvent(e);
		// Then
		const f = await ui.waitForFrame(s => s.includes('✗ unreachable'));
		expect(f).toMatch(/compute-1\s+✓\s+done/);
		expect(f).toMatch(/compute-2\s+T\s+running/);
		expect(f).toContain('a=netns.list');
		expect(f).toContain('2.0 kB');
		expect(f).toContain('error(s)');
		expect(f).toContain('gw-1: unreachable: connect ECONNREFUSED');
		// When keys are pressed the errors stay (no timer, no flash)
		await ui.press('j', 'k');
		expect(ui.frame()).toContain('gw-1: unreachable');
		// When acknowledged
		await ui.press('x');
		expect(await ui.waitForFrame(s => !s.includes('gw-1: unreachable'))).not.toContain('error(s)');
		expect(store.getState().collection.cells['compute-2\tnetns.list']?.state).toBe('timeout');
	});
});

describe('Findings and finding detail', () => {
	it('groups by severity and VIP, opens the detail, and Enter on evidence jumps into the capture at the line', async () => {
		const ui = renderConsole();
		// When
		await ui.press(':');
		await ui.type('findings');
		await ui.press(keys.enter);
		// Then
		const list = await ui.waitForFrame(s => s.includes('── VIP 10.0.0.100'));
		expect(list).toContain('CRIT ── VIP 10.0.0.100 (1)');
		expect(list).toContain('WARN ── VIP 10.0.0.100 (1)');
		// When the first finding is opened (row 0 is the group header)
		await ui.press('j', keys.enter);
		const detail = await ui.waitForFrame(s => s.includes('Evidence ('));
		expect(detail).toContain('Stale PERMANENT ARP');
		expect(detail).toContain('▸ compute-1');
		expect(detail).toMatch(/›\s+▸ compute-1/);
		// When Enter on the evidence line
		await ui.press(keys.enter);
		// Then the capture is open with the cursor on the evidence line, highlighted
		const top = selectTop(ui.store.getState());
		expect(top.view).toMatchObject({kind: 'capture', capture: 'compute-1.neigh-qrouter', line: 4});
		const cap = await ui.waitForFrame(s => s.includes('evidence ▶ line 4'));
		expect(cap).toContain(`›▶4 ${VIP} dev qr-1a2b3c4d-5e lladdr ${OLD_MAC} PERMANENT`);
		expect(ui.store.getState().ui.stack.at(-1)?.cursor).toBe(3);
		// When Esc twice: back at the findings list, cursor where it was
		await ui.press(keys.escape, keys.escape);
		expect(selectTop(ui.store.getState())).toMatchObject({view: {kind: 'findings'}, cursor: 1});
	});

	it('v from a finding opens its VIP table', async () => {
		const ui = renderConsole();
		await ui.press('v');
		expect(selectTop(ui.store.getState()).view).toEqual({kind: 'vip', vip: VIP});
	});
});

describe('VIP reconciliation table', () => {
	it('shows the owner, the carriers and every node with its stale PERMANENT MAC highlighted', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type(`vip ${VIP}`);
		await ui.press(keys.enter);
		const f = await ui.waitForFrame(s => s.includes('Owner now'));
		expect(f).toContain(`VIP ${VIP}: 2 node(s) point the VIP at a MAC that is not the owner's`);
		expect(f).toContain(`Owner now: ${NEW_MAC}`);
		expect(f).toMatch(new RegExp(`${NEW_MAC}.*← owner`));
		expect(f).toMatch(new RegExp(`compute-1 +qrouter-7d0d3b2e… +${OLD_MAC}.*STALE`));
		expect(f).toMatch(new RegExp(`compute-2 +qrouter-7d0d3b2e… +${OLD_MAC}.*STALE`));
		// The router gateway's ARP drop (10.0.0.1) is not the VIP's: only the VIP's own are listed.
		expect(f).not.toContain('arp_tpa=10.0.0.1 drop');
		expect(f).toContain('0 ARP-drop flow(s)');
		// When the cursor goes to compute-2's row and Enter
		const rowIndex = f.split('\n').findIndex(l => /compute-2 +qrouter/.test(l));
		expect(rowIndex).toBeGreaterThan(0);
		for (let i = 0; i < 20 && !/›\s*compute-2 +qrouter/.test(ui.frame()); i++) await ui.press('j');
		await ui.press(keys.enter);
		expect(selectTop(ui.store.getState()).view).toMatchObject({
			kind: 'capture',
			capture: 'compute-2.neigh-qrouter',
			line: 4,
		});
	});

	it(':vip without an address lists the VIPs', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('vip');
		await ui.press(keys.enter);
		const f = await ui.waitForFrame(s => s.includes('VIPs:'));
		expect(f).toMatch(/10\.0\.0\.100 .*2 STALE/);
	});
});

describe('Flows', () => {
	it('filters with the flow language as you type and keeps the filter in the store', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('flows');
		await ui.press(keys.enter);
		expect(await ui.waitForFrame(s => s.includes('/ 18 flows'))).toContain('ARP_RESPONDER');
		// When
		await ui.press('/');
		await ui.type('arp && arp_tpa=10.0.0.1');
		// Then
		const f = await ui.waitForFrame(s => s.includes('2 / 18 flows'));
		expect(f).toMatch(
			/compute-1 +tun +t22 FLOOD_TO_TUN +p3 +arp,dl_vlan=1,arp_tpa=10.0.0.1 -> drop/,
		);
		expect(selectTop(ui.store.getState()).filter).toBe('arp && arp_tpa=10.0.0.1');
		// When the filter is replaced by a table and a decoded ARP responder shows its meaning
		await ui.press(keys.enter, '/');
		for (let i = 0; i < 30; i++) await ui.press(keys.backspace);
		await ui.type('table=21 && arp_tpa');
		const t21 = await ui.waitForFrame(s => s.includes('2 / 18 flows'));
		expect(t21).toContain('ARP reply 10.0.0.11 is-at fa:16:3e:aa:aa:aa');
		// When the filter is half-typed, the screen says so and keeps the last rows
		await ui.press(' ', '(');
		expect(await ui.waitForFrame(s => s.includes('incomplete'))).toContain('2 / 18 flows');
		// Esc while typing clears the filter
		await ui.press(keys.escape);
		expect(await ui.waitForFrame(s => s.includes('18 / 18 flows'))).toBeTruthy();
	});

	it(':flows FILTER opens pre-filtered and Enter opens the flow line in its capture', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('flows actions~=drop && table=22');
		await ui.press(keys.enter);
		await ui.waitForFrame(s => s.includes('2 / 18 flows'));
		await ui.press(keys.enter);
		expect(selectTop(ui.store.getState()).view).toMatchObject({
			kind: 'capture',
			capture: 'compute-1.flows-br-tun',
			line: 9,
		});
	});
});

describe('Browsers', () => {
	it('Neighbours: filter and :node scoping', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('neigh');
		await ui.press(keys.enter);
		const all = await ui.waitForFrame(s => /Neighbours · .*10\/10/.test(s));
		expect(all).toContain('169.254.106.115');
		// The stale entries the finding cites are marked in text (readable without colour).
		expect(all).toMatch(/✗ STALE +compute-1 +qrouter-7d0d3b2e… +10\.0\.0\.100 /);
		await ui.press('/');
		await ui.type('10.0.0.100');
		expect(await ui.waitForFrame(s => /Neighbours · .*2\/10/.test(s))).toContain(OLD_MAC);
		await ui.press(keys.enter, ':');
		await ui.type('node compute-2');
		await ui.press(keys.enter);
		expect(selectTop(ui.store.getState()).view).toEqual({kind: 'neigh', node: 'compute-2'});
		expect(await ui.waitForFrame(s => /Neighbours on compute-2 · .*5\/5/.test(s))).not.toMatch(
			/^.\s*(✗ \S+)?\s+compute-1/m,
		);
	});

	it('Namespaces lists qrouter and VM namespaces per node', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('ns');
		await ui.press(keys.enter);
		const f = await ui.waitForFrame(s => s.includes('Namespaces'));
		expect(f).toMatch(/compute-1 +qrouter +qrouter-7d0d3b2e… +5 neigh/);
		expect(f).toMatch(/compute-2 +other +vm-amp2 .*10\.0\.0\.12 10\.0\.0\.100/);
	});

	it('Keepalived says plainly when the capture set has no keepalived data', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('ka');
		await ui.press(keys.enter);
		expect(await ui.waitForFrame(s => s.includes('keepalived / L3-HA'))).toContain(
			'No keepalived configs or L3-HA state files',
		);
	});

	it('Command log lists every command with node, result, duration; Enter opens its output', async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('log');
		await ui.press(keys.enter);
		const f = await ui.waitForFrame(s => s.includes('Command log'));
		expect(f).toMatch(/compute-1 +exit 0 +\d+ms .*ip netns list/);
		expect(f).toContain('openstack port list --long -f json');
		await ui.press(keys.enter);
		expect(selectTop(ui.store.getState()).view).toEqual({
			kind: 'capture',
			capture: 'compute-1.netns-list',
		});
	});

	it('Watch timeline shows rounds, changed entries first-class', async () => {
		const ui = renderConsole();
		ui.store.getState().setWatch(true, 5);
		ui.store.getState().appendTimeline(1, [
			{
				at,
				round: 1,
				vip: VIP,
				node: 'compute-1',
				kind: 'neigh',
				text: `qrouter: ${VIP} → ${OLD_MAC} PERMANENT`,
				changed: false,
			},
			{
				at,
				round: 1,
				vip: VIP,
				kind: 'owner',
				text: `owner ${OLD_MAC} ⇒ owner ${NEW_MAC}`,
				changed: true,
			},
		]);
		await ui.press(':');
		await ui.type('watch');
		await ui.press(keys.enter);
		const f = await ui.waitForFrame(s => s.includes('WATCHING'));
		expect(f).toContain('WATCHING every 5s · round 1');
		expect(f).toContain(`CHANGED owner ${OLD_MAC} ⇒`);
		expect(f).toContain('same    qrouter');
	});

	it('live watch: the verdict and the round cost always on top; STALE and verdict rows marked in words', async () => {
		const ui = renderConsole({}, {columns: 160, rows: 45});
		ui.store.getState().setWatch(true);
		const round = {
			round: 7,
			kind: 'probe' as const,
			startedAt: at,
			durationMs: 84,
			execs: 3,
			bytes: 2048,
			verdict: 'critical' as const,
			critical: 1,
			warning: 2,
			headline: 'Verdict: CRITICAL — 1 critical finding',
			readAt: {'compute-1': at},
			unread: [],
			dropped: 0,
		};
		ui.store.getState().applyWatchRound(round, [
			{
				round: 7,
				at,
				kind: 'verdict',
				text: 'verdict WARNING → CRITICAL (1 critical, 2 warning)',
				changed: true,
				level: 'critical',
			},
			{
				round: 7,
				at,
				kind: 'entry',
				vip: VIP,
				node: 'compute-1',
				namespace: 'qrouter-x',
				text: `STALE → vm1 ${OLD_MAC} (old master); VIP held by vm2 ${NEW_MAC} since 03:12:00`,
				changed: true,
				level: 'critical',
				stale: true,
			},
		]);
		await ui.press(':');
		await ui.type('watch');
		await ui.press(keys.enter);
		const f = await ui.waitForFrame(s => s.includes('WATCHING'));
		expect(f).toContain('WATCHING every 2s · round 7');
		expect(f).toContain('probe round 84 ms, 3 exec(s), 2.0 KiB');
		expect(f).toContain('Verdict: CRITICAL (1 critical, 2 warning)');
		expect(f).toContain('VERDICT verdict WARNING → CRITICAL');
		expect(f).toContain(`STALE   STALE → vm1 ${OLD_MAC} (old master)`);
	});
});

describe('Global keys', () => {
	it('? opens help generated from the bindings; Esc returns', async () => {
		const ui = renderConsole();
		await ui.press('?');
		const f = await ui.waitForFrame(s => s.includes('Keys'));
		expect(f).toContain('Re-collect');
		await ui.press(keys.escape);
		expect(selectTop(ui.store.getState()).view.kind).toBe('overview');
	});

	it('help at 80 columns shows every word of every key and command description', async () => {
		// Given the console at 80 columns, tall enough for the whole help list
		const ui = renderConsole({}, {columns: 80, rows: 120});
		await ui.press('?');
		const f = await ui.waitForFrame(s => s.includes('Keys'));
		// Then no description is cut: each one's words appear in order, wrapped under it
		const words = f.split(/\s+/).join(' ');
		for (const b of bindings) expect(words).toContain(b.help.split(/\s+/).join(' '));
		for (const a of aliases) expect(words).toContain(a.help.split(/\s+/).join(' '));
		expect(Math.max(...f.split('\n').map(l => l.length))).toBeLessThanOrEqual(80);
	});

	it('r, w, e call the controller; an unknown command flashes a hint', async () => {
		const ui = renderConsole();
		await ui.press('r', 'w', 'e');
		expect(ui.controller.recollect).toHaveBeenCalledTimes(1);
		expect(ui.controller.toggleWatch).toHaveBeenCalledTimes(1);
		expect(ui.controller.exportBundle).toHaveBeenCalledTimes(1);
		await ui.press(':');
		await ui.type('bogus');
		await ui.press(keys.enter);
		expect(await ui.waitForFrame(s => s.includes('unknown command ":bogus"'))).toBeTruthy();
	});

	it('Ctrl-C cancels a running collection first and quits on the second press', async () => {
		const ui = renderConsole();
		ui.controller.isBusy.mockReturnValue(true);
		ui.controller.cancel.mockReturnValue(true);
		await ui.press(keys.ctrlC);
		expect(ui.controller.cancel).toHaveBeenCalledTimes(1);
		expect(ui.controller.dispose).not.toHaveBeenCalled();
		expect(await ui.waitForFrame(s => s.includes('Ctrl-C again quits'))).toBeTruthy();
		await ui.press(keys.ctrlC);
		expect(ui.controller.dispose).toHaveBeenCalledTimes(1);
	});

	it('Ctrl-C while watching stops watch first (not a quit); the second press quits', async () => {
		const ui = renderConsole();
		ui.store.getState().setWatch(true);
		await ui.press(keys.ctrlC);
		expect(ui.controller.toggleWatch).toHaveBeenCalledTimes(1);
		expect(ui.controller.dispose).not.toHaveBeenCalled();
		expect(await ui.waitForFrame(s => s.includes('Watch stopped'))).toBeTruthy();
		await ui.press(keys.ctrlC);
		expect(ui.controller.dispose).toHaveBeenCalledTimes(1);
	});

	it('q quits (disposes the controller)', async () => {
		const ui = renderConsole();
		await ui.press('q');
		expect(ui.controller.dispose).toHaveBeenCalledTimes(1);
	});

	it('renders at 80×24 without exceeding the width', async () => {
		const ui = renderConsole({}, {columns: 80, rows: 24});
		const f = await ui.waitForFrame(s => s.includes('CRITICAL'));
		for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		expect(f.split('\n').length).toBeLessThanOrEqual(23);
	});
});

describe('ScreenErrorBoundary', () => {
	it('shows a panel instead of crashing when a screen throws', async () => {
		const Boom = (): never => {
			throw new Error('kaboom');
		};
		const seen: string[] = [];
		const ui = renderTui(
			<ScreenErrorBoundary screen="flows" onError={(s, e) => seen.push(`${s}:${e.message}`)}>
				<Boom />
				<Text>never</Text>
			</ScreenErrorBoundary>,
		);
		expect(await ui.waitForFrame(s => s.includes('kaboom'))).toContain(
			'The flows screen failed to render',
		);
		expect(seen).toEqual(['flows:kaboom']);
	});
});

describe('Capture display rows', () => {
	it('shows a one-line JSON array one element per row and marks only the quoted element', async () => {
		const {displayRows} = await import('../../src/ui/screens/CaptureScreen.js');
		const json = JSON.stringify([
			{dst: '10.0.0.1', lladdr: 'fa:16:3e:72:7a:50', state: ['PERMANENT']},
			{dst: '10.0.0.100', lladdr: 'fa:16:3e:aa:aa:aa', state: ['PERMANENT']},
			{dst: '10.0.0.12', lladdr: 'fa:16:3e:bb:bb:bb', state: ['PERMANENT']},
		]);
		const rows = displayRows(
			[json, ''],
			new Set([1]),
			'…{"dst":"10.0.0.100","lladdr":"fa:16:3e:aa:aa:aa"…',
			60,
		);
		expect(rows.map(r => [r.src, r.marked, r.text])).toEqual([
			[1, false, 'dst=10.0.0.1 lladdr=fa:16:3e:72:7a:50 state=PERMANENT'],
			[1, true, 'dst=10.0.0.100 lladdr=fa:16:3e:aa:aa:aa state=PERMANENT'],
			[1, false, 'dst=10.0.0.12 lladdr=fa:16:3e:bb:bb:bb state=PERMANENT'],
			[2, false, ''],
		]);
	});

	it('wraps other long lines instead of cutting them', async () => {
		const {displayRows} = await import('../../src/ui/screens/CaptureScreen.js');
		const rows = displayRows(['x'.repeat(50)], new Set([1]), undefined, 20);
		expect(rows.map(r => [r.text.length, r.first, r.marked])).toEqual([
			[20, true, true],
			[20, false, true],
			[10, false, true],
		]);
	});
});

describe('Overview verdict honesty', () => {
	it('never says "no finding" when every rule was skipped and nodes failed', async () => {
		const ui = renderConsole();
		const s = ui.store.getState();
		s.applyEvent({
			type: 'collection-started',
			at,
			nodes: [{id: 'compute-1', roles: ['compute']}],
			concurrency: 1,
		});
		s.applyEvent({
			type: 'node-failed',
			at,
			node: 'compute-1',
			kind: 'unreachable',
			message: 'ECONNREFUSED',
			captures: 0,
		});
		s.setData(ui.snapshot, {
			findings: [],
			outcomes: [
				{
					ruleId: 'dvr/stale-permanent-arp',
					title: 't',
					status: 'skipped',
					missing: ['node.neigh'],
					needs: [],
				},
			],
			docs: {},
		});
		const f = await ui.waitForFrame(x => x.includes('NOTHING CHECKED'));
		expect(f).toContain('PARTIAL: 1 of 1 node(s) failed');
		expect(f).not.toContain('No warning or critical finding');
		expect(f).toMatch(/compute-1 .*✗ unreachable/);
	});

	it('an INCOMPLETE diagnosis says so in the header, naming what is missing (not "no finding")', async () => {
		const ui = renderConsole();
		ui.store.getState().setData(ui.snapshot, {
			findings: [],
			outcomes: [{ruleId: 'dvr/stale-permanent-arp', title: 't', status: 'pass'}],
			docs: {},
			verdict: 'incomplete',
			coverage: {
				complete: false,
				gaps: [{kind: 'node-unreachable', subject: 'compute-2', reason: 'unreachable: refused'}],
			},
			headline:
				'Verdict: INCOMPLETE — not everything could be checked: node compute-2 not read (unreachable)',
		});
		const f = await ui.waitForFrame(x => x.includes('INCOMPLETE'));
		expect(f).toContain('INCOMPLETE — not everything could be checked: node compute-2 not read');
		expect(f).not.toContain('No warning or critical finding');
	});
});

describe('readableExcerpt', () => {
	it.each([
		[
			'…{"dst":"10.0.0.100","lladdr":"fa:16:3e:aa:aa:aa","state":["PERMANENT"]},…',
			'dst=10.0.0.100 lladdr=fa:16:3e:aa:aa:aa state=PERMANENT',
		],
		[
			'10.0.0.100 dev qr-1 lladdr fa:16:3e:aa:aa:aa PERMANENT',
			'10.0.0.100 dev qr-1 lladdr fa:16:3e:aa:aa:aa PERMANENT',
		],
		['…{"dst":"10.0.0.100","lladdr":"fa:16:3e:a', '…{"dst":"10.0.0.100","lladdr":"fa:16:3e:a'],
	])('%s', async (line, expected) => {
		const {readableExcerpt} = await import('../../src/ui/text.js');
		expect(readableExcerpt(line)).toBe(expected);
	});
});
