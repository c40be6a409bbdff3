/**
 * End-to-end: the BUILT dvrscope (dist/cli/main.js) in a real terminal (tmux), driven by keys
 * like a person: open the sample incident, open the critical finding, jump to its evidence,
 * filter flows, quit cleanly (alternate screen restored, exit code 0). lazygit's integration
 * idea, scaled down. tmux runs on its own socket so nothing else is touched.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const socket = `dvrscope-e2e-${process.pid}`;
const session = 'e2e';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const tmux = (...args: string[]): string =>
	execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
const screen = (): string => tmux('capture-pane', '-p', '-t', session);
const send = (...keys: string[]): void => {
	tmux('send-keys', '-t', session, ...keys);
};
const type = (text: string): void => {
	tmux('send-keys', '-t', session, '-l', text);
};

/** Poll the pane until it shows what we wait for (the only clock here is a give-up limit). */
async function waitFor(
	predicate: (s: string) => boolean,
	what: string,
	limitMs = 15_000,
): Promise<string> {
	const started = Date.now();
	let last = '';
	while (Date.now() - started < limitMs) {
		last = screen();
		if (predicate(last)) return last;
		await new Promise(resolve => setTimeout(resolve, 100));
	}
	throw new Error(`tmux pane never showed ${what}. Last screen:\n${last}`);
}

function start(columns: number, rows: number, args: string[] = []): void {
	const command = `cd ${JSON.stringify(root)} && env -u CI NO_COLOR=1 node dist/cli/main.js ${args.join(' ')}; echo "EXITED=$?"; sleep 600`;
	tmux('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), command);
}

describe.skipIf(!hasTmux)('dvrscope in tmux (built CLI, sample incident)', () => {
	beforeAll(() => {
		// Build if dist/ is missing or older than src/ (the same step `npm test` runs first).
		const built = spawnSync('node', ['scripts/ensure-setup.mjs', '--build'], {
			cwd: root,
			encoding: 'utf8',
		});
		// tsc still emits when some other file has a type error (npm test type-checks first);
		// what this test needs is the built entry point.
		if (built.status !== 0) console.warn(`build reported problems:\n${built.stderr}`);
		expect(existsSync(path.join(root, 'dist/cli/main.js')), built.stderr).toBe(true);
	}, 600_000);

	afterEach(() => {
		spawnSync('tmux', ['-L', socket, 'kill-session', '-t', session]);
	});

	afterAll(() => {
		spawnSync('tmux', ['-L', socket, 'kill-server']);
	});

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
