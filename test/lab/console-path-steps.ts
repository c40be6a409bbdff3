/**
 * The live console's Path view on the real lab (issue 22), called from test/lab/lab.e2e.test.ts
 * after `lab:failover`: the BUILT console in tmux (NO_COLOR) over the lab's real sshd and Neutron
 * API. Its session proves the stale-entry finding after the collection on the same connections;
 * `t` shows the proof — the break at the qrouter entry on the client's node, the old master's and
 * the holder's MACs, when it was read, the pasteable `dvrscope trace` command — and a fine hop's
 * evidence is one Enter away; Esc, Esc is back on the overview. Under watch (`w`) the proof of
 * round 0 is kept by the later rounds (the evidence does not change) and the view says so.
 */
import path from 'node:path';
import {expect} from 'vitest';
import {ensureBuiltCli, tmuxSession} from '../e2e/tmux.js';

type Ports = Record<'vm1' | 'vm2' | 'client', {mac: string; ip: string}>;

/** What a shell makes of rows pasted as shown: backslash-newline joined, words split on blanks. */
const pasted = (rows: readonly string[]): string =>
	rows.join('\n').replace(/\\\n/g, '').split(/\s+/).filter(Boolean).join(' ');

export async function consolePathAfterFailover(
	repo: string,
	columns: number,
	rows: number,
	state: () => {master: string; ports: Ports},
): Promise<void> {
	ensureBuiltCli();
	const now = state();
	const holder = now.master as 'vm1' | 'vm2';
	const old = holder === 'vm1' ? 'vm2' : 'vm1';
	const term = tmuxSession(`labpath-${columns}x${rows}`, {waitMs: 600_000});
	try {
		term.startCli(
			columns,
			rows,
			['--inventory', '.lab-state/inventory.yaml', '--known-hosts', '.lab-state/known_hosts'],
			{OS_CLIENT_CONFIG_FILE: path.join(repo, '.lab-state', 'clouds.yaml'), OS_CLOUD: 'lab'},
		);
		await term.waitFor(s => /\bready\b/.test(s) && /CRITICAL finding/.test(s), 'the verdict');
		term.send('t');
		// (the cursor moves to the break right after the proof is drawn)
		const frame = await term.waitFor(
			s => s.includes('BLACK HOLE') && /› *3 ✗ BREAK/.test(s),
			'the proof in the Path view, the cursor on the breaking hop',
		);
		console.log(`[console path ${columns}×${rows}]\n${frame}`);
		expect(frame).toMatch(
			new RegExp(
				`BLACK HOLE {2}${now.ports.client.ip.replaceAll('.', '\\.')} → 198\\.19\\.0\\.100 · breaks at hop 3 of \\d`,
			),
		);
		expect(frame).toMatch(/breaks at: compute-2 qrouter-\w+.*neighbour entry for 198\.19\.0\.100/);
		expect(frame).toContain(`old master: ${now.ports[old].mac}`);
		expect(frame).toMatch(new RegExp(`holder: +${now.ports[holder].mac}`));
		// 7 hops, or 8 when the bring-up shows a drift hop (a peer's DVR MAC missing from br-tun)
		expect(frame).toMatch(/Hops \([78]\) · read live after the collection at \d\d:\d\d:\d\d UTC/);
		const command = frame
			.split('\n')
			.map(l => l.slice(0, columns))
			.filter(l => /^ {2}dvrscope trace|^ {4}\S/.test(l));
		expect(pasted(command)).toBe(
			`dvrscope trace --from ${now.ports.client.ip} --to 198.19.0.100 --inventory .lab-state/inventory.yaml`,
		);
		// a fine hop's evidence, one Enter away; Esc, Esc back to the overview
		term.send('g');
		await term.waitFor(s => /› *1 ok/.test(s), 'the cursor on hop 1');
		term.send('Enter');
		const hop = await term.waitFor(s => s.includes('Evidence ('), "hop 1's evidence");
		expect(hop).toMatch(/hop 1 of [78] {2}ok {2}compute-2 br-int: tap-client/);
		expect(hop).toMatch(/▸ compute-2\.trace\.ovs\.\d+ lines/);
		expect(hop).toMatch(/│ Datapath actions: qr-/);
		term.send('Escape');
		await term.waitFor(s => s.includes('BLACK HOLE'), 'back on the proof');
		term.send('Escape');
		await term.waitFor(s => !s.includes('BLACK HOLE') && /\boverview\b/.test(s), 'the overview');
		// under watch: round 0 proves on the watch's connections, later rounds keep that proof
		term.send('w');
		await term.waitFor(s => /WATCHING every \d+s · round [2-9]/.test(s), 'watch past round 1');
		term.send('Escape');
		await term.waitFor(s => !s.includes('WATCHING every'), 'the overview again');
		term.send('t');
		const watched = await term.waitFor(
			s => /Hops \([78]\) · read in watch round \d+ at/.test(s),
			'the proof of a watch round',
		);
		console.log(`[console path ${columns}×${rows}, watching]\n${watched}`);
		expect(watched).toMatch(/BLACK HOLE/);
		expect(watched).toMatch(/read in watch round 0 at \d\d:\d\d:\d\d UTC, kept while the evidence/);
		term.send('w');
	} finally {
		term.kill();
		term.killServer();
	}
}
