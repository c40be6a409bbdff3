/**
 * End-to-end: the BUILT dvrscope (dist/cli/main.js) in a real terminal (tmux), driven by keys
 * like a person: open the sample incident, open the critical finding, jump to its evidence,
 * filter flows, quit cleanly (alternate screen restored, exit code 0). lazygit's integration
 * idea, scaled down. tmux runs on its own socket so nothing else is touched (./tmux.ts).
 */
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ensureBuiltCli, hasTmux, tmuxSession} from './tmux.js';

const term = tmuxSession('tui');
const {send, type, waitFor} = term;
const start = (columns: number, rows: number): void => {
	term.startCli(columns, rows);
};

describe.skipIf(!hasTmux)('dvrscope in tmux (built CLI, sample incident)', () => {
	beforeAll(ensureBuiltCli, 600_000);
	afterEach(term.kill);
	afterAll(term.killServer);

	it('open the finding, jump to its evidence, filter flows, quit cleanly — at 80×24', async () => {
		start(80, 24);
		// The first screen: honest header and the verdict.
		const first = await waitFor(s => s.includes('CRITICAL finding'), 'the verdict');
		expect(first).toContain('SAMPLE INCIDENT');
		expect(first).toMatch(/›CRIT \S+ .*Stale PERMANENT ARP/);
		// Open the finding (cursor starts on it): the detail, cursor on the first evidence line.
		send('Enter');
		const detail = await waitFor(
			s => /›\s+▸ \S+: .*\(line \d+/.test(s),
			'the finding detail on its first evidence line',
		);
		expect(detail).toContain('Evidence (');
		// Jump into the capture the evidence came from: the line is marked and selected.
		send('Enter');
		const capture = await waitFor(s => /›▶/.test(s), 'the capture, cursor on the evidence line');
		expect(capture).toContain('evidence ▶ line');
		// The marked line shows the PERMANENT entry (text or `ip -j` JSON, one element per row).
		expect(capture).toMatch(/›▶.*(PERMANENT|"PERMANENT")/);
		// Back twice, then the flows with a filter.
		send('Escape');
		await waitFor(s => s.includes('Evidence ('), 'the detail again');
		send('Escape');
		await waitFor(s => s.includes('CRITICAL finding'), 'the overview again');
		send(':');
		await waitFor(s => s.includes('Enter runs'), 'the command prompt');
		type('flows');
		send('Enter');
		await waitFor(s => /\d+ \/ \d+ flows/.test(s), 'the flows screen');
		send('/');
		await waitFor(s => s.includes('filters as you type'), 'the filter prompt');
		type('table=22 && actions~=drop');
		const flows = await waitFor(
			s => s.includes('filter: table=22 && actions~=drop'),
			'the filtered flows',
		);
		const [shown, total] = (/(\d+) \/ (\d+) flows/.exec(flows) ?? []).slice(1).map(Number);
		expect(shown).toBeGreaterThan(0);
		expect(shown).toBeLessThan(total ?? 0);
		expect(flows).toContain('FLOOD_TO_TUN');
		expect(flows).not.toMatch(/^.\S+ +tun +t21/m);
		// Quit: the alternate screen is left and the exit code is 0.
		send('Enter');
		await waitFor(s => !s.includes('filters as you type'), 'the filter kept');
		send('q');
		const after = await waitFor(s => s.includes('EXITED='), 'the shell after quit');
		expect(after).toContain('EXITED=0');
		expect(after).not.toContain('SAMPLE INCIDENT');
	}, 600_000);

	it('Ctrl-C quits when nothing runs (exit 130) and the help is reachable with ? at 120×40', async () => {
		start(120, 40);
		await waitFor(s => s.includes('CRITICAL finding'), 'the verdict');
		send('?');
		const help = await waitFor(s => s.includes('Keys'), 'the help');
		expect(help).toContain(':vip IP');
		send('C-c');
		const after = await waitFor(s => s.includes('EXITED='), 'the shell after Ctrl-C');
		expect(after).toContain('EXITED=130');
	}, 600_000);
});
