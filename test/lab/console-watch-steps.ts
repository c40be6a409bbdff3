/**
 * The console's live watch on the real lab (issue 18), called from test/lab/lab.e2e.test.ts inside
 * its one bring-up: the BUILT console in tmux (NO_COLOR) over the lab's real sshd and Neutron API,
 * `w` at the default interval, then `lab:failover` and `lab:workaround` while it watches. The pane
 * is read every 250 ms and each timeline row is kept with the round shown when it first appeared,
 * so a row that scrolls off a 24-line pane still counts. Rounds are counted from the scenario's
 * `ground truth:` line (lab/scenario.sh prints it when the VIP has moved, and when every entry
 * points at the holder again). The delays from the scenario command are printed, never asserted
 * (the ≤ 10 s target lives in `npm run bench:watch -- --lab`).
 *
 * The lab's VM namespaces (vm1, vm2, client) are never read — collection reads only Neutron's
 * namespaces (src/collectors/catalog/detail.ts), as on a real cloud where keepalived runs in the
 * guest — so the keepalived flips on the lab are always *inferred* from the holder change.
 */
import {spawn} from 'node:child_process';
import path from 'node:path';
import {expect} from 'vitest';
import {ensureBuiltCli, tmuxSession, type TmuxSession} from '../e2e/tmux.js';

type Row = {readonly line: string; readonly round: number; readonly at: number};
type Mark = {readonly at: number; readonly round: number};
type LabPorts = Record<'vm1' | 'vm2', {mac: string}>;
export type ConsoleLabState = {
	master: string;
	entries: Record<string, string>;
	ports: LabPorts;
};

/** The round the Watch screen's top line shows (-1 before watch runs). */
const shownRound = (screen: string): number =>
	Number(/WATCHING every \d+s · round (\d+)/.exec(screen)?.[1] ?? -1);

/** A timeline row of the pane: `HH:MM:SS #N …` (the cursor column cut). */
const ROW = /^.?(\d\d:\d\d:\d\d) #(\d+) /;

/** Reads the pane every 250 ms and keeps every timeline row with when it first appeared. */
function paneRecorder(term: TmuxSession): {
	rows: () => Row[];
	round: () => number;
	stop: () => void;
	screen: () => string;
} {
	const rows = new Map<string, Row>();
	let last = '';
	const read = (): void => {
		last = term.screen();
		for (const raw of last.split('\n')) {
			const line = raw.slice(1).trimEnd();
			const m = ROW.exec(raw);
			if (m === null || rows.has(line)) continue;
			rows.set(line, {line, round: Number(m[2]), at: Date.now()});
		}
	};
	read();
	const timer = setInterval(read, 250);
	return {
		rows: () => (read(), [...rows.values()]),
		round: () => shownRound(last),
		stop: () => clearInterval(timer),
		screen: () => last,
	};
}

/** Run lab/scenario.sh `name`; returns when it started and its `ground truth:` line (time, round). */
function scenario(
	repo: string,
	name: string,
	round: () => number,
): Promise<{started: number; startRound: number; truth: Mark}> {
	const started = Date.now();
	const startRound = round();
	let truth: Mark | undefined;
	let out = '';
	return new Promise((resolve, reject) => {
		const child = spawn('bash', [path.join(repo, 'lab', 'scenario.sh'), name], {
			cwd: repo,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const onData = (chunk: Buffer): void => {
			out += chunk.toString();
			if (truth === undefined && out.includes('ground truth:'))
				truth = {at: Date.now(), round: round()};
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.on('close', code => {
			console.log(out.trimEnd());
			if (code !== 0) reject(new Error(`lab/scenario.sh ${name} exited ${code}:\n${out}`));
			else if (truth === undefined)
				reject(new Error(`lab/scenario.sh ${name} printed no "ground truth:" line:\n${out}`));
			else resolve({started, startRound, truth});
		});
	});
}

/** Polls the recorded rows until every pattern has a row after `from`; the first row of each. */
async function rowsFor(
	pane: ReturnType<typeof paneRecorder>,
	from: number,
	patterns: Readonly<Record<string, RegExp>>,
): Promise<Record<string, Row>> {
	const deadline = Date.now() + 300_000;
	for (;;) {
		const rows = pane.rows().filter(r => r.round > from);
		const found: Record<string, Row> = {};
		for (const [what, re] of Object.entries(patterns)) {
			const row = rows.find(r => re.test(r.line));
			if (row !== undefined) found[what] = row;
		}
		const missing = Object.keys(patterns).filter(what => found[what] === undefined);
		if (missing.length === 0) return found;
		if (Date.now() > deadline)
			throw new Error(
				`the watch timeline never showed ${missing.join(', ')} after round ${from}. Rows seen:\n${rows.map(r => r.line).join('\n')}\nLast screen:\n${pane.screen()}`,
			);
		await new Promise(resolve => setTimeout(resolve, 250));
	}
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Each row's round is within 3 rounds of the ground truth's; prints the delays. */
function withinThreeRounds(
	label: string,
	run: {started: number; truth: Mark},
	found: Record<string, Row>,
): void {
	const delays = Object.entries(found)
		.map(
			([what, row]) =>
				`${what} #${row.round} (${row.round - run.truth.round < 0 ? '' : '+'}${row.round - run.truth.round} rounds) ${secs(row.at - run.started)}`,
		)
		.join(', ');
	console.log(
		`[console watch] ${label}: ground truth at round ${run.truth.round}, ${secs(run.truth.at - run.started)} after the command; ${delays}`,
	);
	for (const [what, row] of Object.entries(found))
		expect(row.round - run.truth.round, `${label}: ${what} (${row.line})`).toBeLessThanOrEqual(3);
}

/**
 * The built console at `columns`×`rows` watching the lab across lab:failover and lab:workaround.
 * Starts from a held VIP (healthy or after a workaround) and leaves the lab recovered (workaround).
 */
export async function consoleWatchAcrossFailover(
	repo: string,
	columns: number,
	rows: number,
	state: () => ConsoleLabState,
): Promise<void> {
	ensureBuiltCli();
	const term = tmuxSession(`labwatch-${columns}x${rows}`, {waitMs: 600_000});
	let pane: ReturnType<typeof paneRecorder> | undefined;
	try {
		term.startCli(
			columns,
			rows,
			['--inventory', '.lab-state/inventory.yaml', '--known-hosts', '.lab-state/known_hosts'],
			{OS_CLIENT_CONFIG_FILE: path.join(repo, '.lab-state', 'clouds.yaml'), OS_CLOUD: 'lab'},
		);
		await term.waitFor(
			s =>
				/\bready\b/.test(s) &&
				/CRITICAL finding|INCOMPLETE|warning\(s\), nothing critical|No warning or critical/.test(s),
			'the first verdict',
		);
		term.send('w');
		await term.waitFor(
			s => shownRound(s) >= 1 && /probe round \d+ ms/.test(s),
			'watch running its probe rounds',
		);
		expect(term.screen()).toMatch(/WATCHING every 2s · round/);
		pane = paneRecorder(term);
		const before = state();
		const oldMaster = before.master as 'vm1' | 'vm2';
		expect(oldMaster).toMatch(/^vm[12]$/);
		const newMaster = oldMaster === 'vm1' ? 'vm2' : 'vm1';

		const failover = await scenario(repo, 'failover', pane.round);
		const after = state();
		expect(after.master).toBe(newMaster);
		const staleNodes = Object.entries(after.entries)
			.filter(([, mac]) => mac === after.ports[oldMaster].mac)
			.map(([node]) => node);
		expect(staleNodes.length).toBeGreaterThan(0);
		const broke = await rowsFor(pane, failover.startRound, {
			CRITICAL: /VERDICT +verdict \w+ → CRIT/,
			[`${newMaster} BACKUP→MASTER`]: new RegExp(`CHANGED +${newMaster} BACKUP→MASTER \\(infer`),
			[`${oldMaster} MASTER→BACKUP/gone`]: new RegExp(`CHANGED +${oldMaster} MASTER→BACKUP`),
			holder: new RegExp(
				columns >= 120
					? `CHANGED +holder ${oldMaster} [0-9a-f:]{17} ⇒ ${newMaster} ${after.ports[newMaster].mac}`
					: `CHANGED +holder ${oldMaster} `,
			),
			...Object.fromEntries(
				staleNodes.map(node => [
					`STALE ${node}`,
					new RegExp(`198\\.19\\.0\\.100 +${node} +STALE +STALE → ${oldMaster} `),
				]),
			),
		});
		withinThreeRounds(`${columns}×${rows} failover`, failover, broke);
		expect(pane.screen()).toMatch(/Verdict: CRITICAL/);
		console.log(`[console watch] ${columns}×${rows} pane after the failover:\n${pane.screen()}`);

		const fixed = await scenario(repo, 'workaround', pane.round);
		const now = state();
		expect(Object.values(now.entries)).toEqual(Array(3).fill(now.ports[newMaster].mac));
		const back = await rowsFor(pane, fixed.startRound, {
			'out of CRITICAL': /VERDICT +verdict CRITICAL → /,
			...Object.fromEntries(
				staleNodes.map(node => [
					`${node} → ${newMaster}`,
					new RegExp(`198\\.19\\.0\\.100 +${node} +CHANGED +now ${newMaster} `),
				]),
			),
		});
		withinThreeRounds(`${columns}×${rows} workaround`, fixed, back);
		console.log(`[console watch] ${columns}×${rows} pane after the workaround:\n${pane.screen()}`);
		term.send('C-c');
		await term.waitFor(s => s.includes('Watch is off'), 'watch stopped');
		term.send('q');
		await term.waitFor(s => s.includes('EXITED=0'), 'a clean exit');
	} finally {
		pane?.stop();
		term.kill();
		term.killServer();
	}
}
