/**
 * End-to-end (issue 12, "the console at 3 a.m."): the BUILT dvrscope in a real terminal (tmux,
 * its own socket, NO_COLOR), at 80×24 and 160×45, asserting on the captured pane what an
 * engineer needs. The clipboard check is real: tmux with `set-clipboard on` turns the OSC 52
 * sequence the console writes into a paste buffer, which `show-buffer` returns byte for byte.
 * No wall-clock assertion: every wait is for screen content, with a generous give-up limit.
 */
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ensureBuiltCli, hasTmux, root, tmuxSession} from './tmux.js';

const VIP = '198.19.0.100';
/** The stop-gap of the sample's critical finding: one line, no trailing comment. */
const FIX = new RegExp(
	`^ip netns exec qrouter-[0-9a-f-]{36} ip neigh replace ${VIP.replaceAll('.', '\\.')} lladdr fa:16:3e:4c:55:f0 dev qr-\\S+ nud permanent$`,
);

/** The Path view's command for the sample's proof, as shown and as copied. */
const TRACE = `dvrscope trace --from 198.19.1.21 --to ${VIP} sample/incident-failover`;

const term = tmuxSession('3am');
const {send, type, waitFor} = term;
const tmux = term.run;
const lines = (s: string): string[] => s.split('\n');
/** Row 2: the breadcrumbs (the current screen's name is last). */
const crumbs = (s: string): string => lines(s)[1] ?? '';

let copyDir = '';

async function start(columns: number, rows: number, args: string[] = []): Promise<string> {
	term.startCli(columns, rows, args, {DVRSCOPE_COPY_DIR: copyDir});
	// OSC 52 from the console becomes a tmux paste buffer (what a terminal would put on the clipboard).
	tmux('set-option', '-g', 'set-clipboard', 'on');
	return waitFor(s => /CRITICAL finding|INCOMPLETE|Problems/.test(s), 'the verdict');
}

/** `:name` Enter, then wait for the screen's name in the breadcrumbs. */
async function command(text: string, crumb: string): Promise<string> {
	send(':');
	await waitFor(s => s.includes('Enter runs'), 'the command prompt');
	type(text);
	send('Enter');
	return waitFor(s => crumbs(s).includes(crumb), `the ${crumb} screen`);
}

describe.skipIf(!hasTmux)('the console at 3 a.m. (built CLI in tmux, NO_COLOR)', () => {
	beforeAll(() => {
		ensureBuiltCli();
		copyDir = mkdtempSync(path.join(tmpdir(), 'dvrscope-3am-copy-'));
	}, 600_000);

	afterEach(term.kill);

	afterAll(() => {
		term.killServer();
		rmSync(copyDir, {recursive: true, force: true});
	});

	it('Path view in colour (NO_COLOR unset): the breaking hop is red, the hops that are fine green', async () => {
		term.start(100, 30, 'env -u NO_COLOR node dist/cli/main.js');
		await waitFor(s => s.includes('CRITICAL finding'), 'the verdict');
		send('t');
		await waitFor(s => s.includes('BLACK HOLE'), 'the Path view');
		const raw = tmux('capture-pane', '-e', '-p', '-t', term.session);
		const row = (mark: RegExp): string => raw.split('\n').find(l => mark.test(l)) ?? '';
		// eslint-disable-next-line no-control-regex
		expect(row(/ 7 ✗ BREAK/)).toMatch(/\u001B\[(?:[0-9;]*;)?31m/);
		// eslint-disable-next-line no-control-regex
		expect(row(/ 1 ok /)).toMatch(/\u001B\[(?:[0-9;]*;)?32m/);
	}, 90_000);

	describe.each([
		[80, 24],
		[160, 45],
	])('at %i×%i', (columns, rows) => {
		it('Fix panel: f jumps to the command, one row under its node; y/Y copy it exactly (OSC 52 + file)', async () => {
			await start(columns, rows);
			send('f');
			const fix = await waitFor(
				s => /^›\s+ip netns exec qrouter-/m.test(s),
				'the cursor on the first fix command',
			);
			const rowsShown = lines(fix);
			const at = rowsShown.findIndex(l => l.startsWith('›'));
			// The node it runs on is its own line above (after the note), never a trailing comment.
			const above = rowsShown.slice(0, at).reverse();
			expect(above.find(l => /^\s+on \S+:$/.test(l))).toMatch(/on compute-1:$/);
			expect(rowsShown[at]).not.toContain('# on');
			const shown = (rowsShown[at] ?? '').replace(/^›\s+/, '').trimEnd();
			if (columns >= 160) expect(shown).toMatch(FIX);
			else expect(shown.endsWith('…')).toBe(true);
			// Never wrapped: the next row is not the command's continuation.
			expect(rowsShown[at + 1] ?? '').not.toMatch(/^\s*(nud|permanent|dev)\b/);
			send('y');
			const flash = await waitFor(s => s.includes('+ saved:'), 'the copy confirmation');
			const buffer = tmux('show-buffer');
			expect(buffer).toMatch(FIX);
			if (columns >= 160) expect(buffer).toBe(shown);
			const file = /\+ saved: (\S+)/.exec(flash)?.[1] ?? '';
			if (columns >= 160) expect(readFileSync(file, 'utf8')).toBe(buffer);
			send('Y');
			await waitFor(s => s.includes('as a script'), 'the script copy confirmation');
			const script = tmux('show-buffer');
			const headers = script.split('\n').filter(l => l.startsWith('# on '));
			expect(headers.slice(0, 3)).toEqual(['# on compute-1', '# on compute-2', '# on network']);
			for (const l of script.split('\n').filter(x => x.startsWith('ip netns')))
				expect(l).toMatch(FIX);
			// At 80 columns, l scrolls the command: its tail comes into view.
			if (columns < 160) {
				send('l');
				send('l');
				send('l');
				await waitFor(s => /^›\s+….*nud permanent\s*$/m.test(s), 'the tail of the command');
			}
		}, 90_000);

		it('Path view: t on the finding shows the breaking hop marked, the old master, the holder and the trace command; y copies the command exactly; Esc goes back', async () => {
			await start(columns, rows);
			send('t');
			// the cursor starts on the hop that breaks
			const view = await waitFor(
				s => s.includes('BLACK HOLE') && /^›\s+3 ✗ BREAK/m.test(s),
				'the Path view on the breaking hop',
			);
			expect(crumbs(view)).toMatch(/^overview › path → 198\.19\.0\.100/);
			expect(view).toMatch(/breaks at hop 3 of 7/);
			expect(view).toMatch(
				/^›\s+3 ✗ BREAK\s+compute-2 qrouter-efc4d540…: neighbour entry for 198\.19\.0\.100/m,
			);
			expect(view).toMatch(/old master: fa:16:3e:bb:67:05 — port vm2 \(0301b5c7\)/);
			expect(view).toMatch(/holder:\s+fa:16:3e:4c:55:f0 — port vm1 \(e08aa042\) on compute-1/);
			expect(view).toContain(TRACE);
			expect(view).toContain('Esc back to overview');
			send('y');
			await waitFor(s => s.includes('+ saved:'), 'the copy confirmation');
			expect(tmux('show-buffer')).toBe(TRACE);
			send('Escape');
			await waitFor(s => /^overview\s/.test(crumbs(s)) && s.includes('Findings'), 'the overview');
		}, 90_000);

		it('coverage pane on the overview and UNREADABLE in :log for a capture that did not parse', async () => {
			const bad = mkdtempSync(path.join(tmpdir(), 'dvrscope-3am-set-'));
			try {
				cpSync(path.join(root, 'sample/incident-failover'), bad, {recursive: true});
				const capture = 'compute-2.netns.neigh.qrouter-efc4d540-dd88-4fcf-b130-07e9b507adc0';
				writeFileSync(
					path.join(bad, 'captures/nodes/compute-2', `${capture}.stdout`),
					'[{"dst": broken json\n',
				);
				const first = await start(columns, rows, [bad]);
				expect(first).toMatch(/Problems \/ not covered \(\d+\)/);
				expect(first).toMatch(/UNREADABLE compute-2\b.*compute-2\.netns\.neigh/);
				expect(first).toContain('INCOMPLETE');
				const log = await command('log', 'command log');
				expect(log).toBeDefined();
				send('/');
				await waitFor(s => s.includes('filters as you type'), 'the filter prompt');
				type('UNREADABLE');
				const filtered = await waitFor(s => /1\/\d+/.test(s), 'the one unreadable capture');
				expect(filtered).toMatch(/compute-2\s+UNREADABLE/);
				expect(filtered).not.toMatch(/compute-2\s+exit 0 .*neigh\.qrouter/);
			} finally {
				rmSync(bad, {recursive: true, force: true});
			}
		}, 90_000);

		it('keepalived names the member and marks the live holder; neighbours mark the stale entries; VIP table lists only its ARP drops', async () => {
			await start(columns, rows);
			const ka = await command('keepalived', 'keepalived');
			// The holder (vm1) is marked in text; both are BACKUP as configured.
			expect(ka).toMatch(/◆ compute-1\s+vm1\s.*BACKUP\s+HOLDS VIP/);
			expect(ka).toMatch(/^[ ›] +compute-1\s+vm2\s.*BACKUP\s+not holder/m);
			const neigh = await command('neigh', 'neighbours');
			expect(neigh).toContain('✗ STALE');
			send('/');
			type('✗ STALE');
			const stale = await waitFor(s => /3\/\d+/.test(s), 'the three stale entries');
			send('Enter');
			await waitFor(s => !s.includes('filters as you type'), 'the filter kept');
			for (const node of ['compute-1', 'compute-2', 'network'])
				expect(stale).toMatch(
					new RegExp(`✗ STALE\\s+${node}\\s+qrouter-efc4d540…\\s+${VIP.replaceAll('.', '\\.')}`),
				);
			const vip = await command(`vip ${VIP}`, `VIP ${VIP}`);
			expect(vip).toMatch(/ARP-drop .* for the VIP/);
			// Only the VIP's own drop flows are listed (the sample has none: GARPs are not blocked).
			expect(vip).not.toMatch(/arp_tpa=(?!198\.19\.0\.100\b)\S+ drop/);
		}, 90_000);

		it('navigation as in k9s: : replaces the screen, Esc reaches the overview, / selects the old filter, :flows from a VIP is filtered to it', async () => {
			await start(columns, rows);
			await command('flows', 'flows');
			const neigh = await command('neigh', 'neighbours');
			expect(crumbs(neigh)).toMatch(/^overview › neighbours\s/);
			send('Escape');
			const home = await waitFor(
				s => /^overview\s/.test(crumbs(s)) && s.includes('Findings'),
				'the overview',
			);
			expect(home).toContain('CRITICAL finding');
			// From a VIP, :flows is filtered to the VIP, and the example names this VIP.
			await command(`vip ${VIP}`, `VIP ${VIP}`);
			const flows = await command('flows', 'flows');
			expect(flows).toContain(`filter: arp_tpa=${VIP}`);
			expect(flows).not.toContain('10.0.0.100');
			// `/` opens with the old filter selected: typing replaces it.
			send('/');
			const prompt = await waitFor(
				s => s.includes(`/arp_tpa=${VIP}`) && !s.includes('Findings'),
				'the filter prompt with the old filter',
			);
			if (columns >= 160) expect(prompt).toContain('typing replaces the old filter');
			type('table=21');
			const replaced = await waitFor(s => s.includes('filter: table=21'), 'the new filter');
			expect(replaced).not.toContain(`filter: arp_tpa=${VIP}table`);
			send('Enter');
			await waitFor(s => !s.includes('filters as you type'), 'the filter kept');
			// Esc clears the filter, the second Esc is home: at most two presses.
			send('Escape');
			await waitFor(s => !s.includes('filter: table=21'), 'the filter cleared');
			send('Escape');
			await waitFor(s => /^overview\s/.test(crumbs(s)), 'the overview after two Esc');
			// Help: generated from the key table, no duplicated label, Ctrl-U not called "Page up" alone.
			const help = await command('help', 'help');
			expect(help).not.toContain('Ctrl-C  Ctrl-C');
			expect(help).not.toContain('(also no)');
			if (columns >= 160)
				expect(help).toMatch(/Ctrl-U\s+While typing a filter or command: clear the line/);
		}, 90_000);

		it('rendering: :log escapes newlines of sh -c batches, cut text ends in …, the selection survives a resize', async () => {
			await start(columns, rows);
			await command('log', 'command log');
			send('/');
			type('sh -c');
			const log = await waitFor(s => /sh -c m\(\)/.test(s), 'the batched sh -c commands');
			const batch = lines(log).filter(l => l.includes('sh -c m()'));
			expect(batch.length).toBeGreaterThan(0);
			for (const l of batch) {
				expect(l).toContain('\\n');
				expect(l.trimEnd().endsWith('…')).toBe(true);
			}
			// No row of the body is the continuation of a wrapped command.
			expect(log).not.toMatch(/^\s*n=\$1/m);
			send('Escape');
			send('Escape');
			await waitFor(s => /^overview\s/.test(crumbs(s)), 'the overview');
			send('f');
			await waitFor(s => /^›\s+ip netns exec/m.test(s), 'the fix command selected');
			const other = columns >= 160 ? [80, 24] : [160, 45];
			tmux('resize-window', '-t', term.session, '-x', String(other[0]), '-y', String(other[1]));
			const resized = await waitFor(
				s =>
					(lines(s)[0] ?? '').length <= (other[0] ?? 0) && lines(s).length >= (other[1] ?? 0) - 1,
				'the resized pane',
			);
			await waitFor(s => /^›\s+ip netns exec/m.test(s), 'the same command still selected');
			expect(resized).toBeDefined();
		}, 90_000);
	});
});
