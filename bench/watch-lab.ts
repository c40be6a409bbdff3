/**
 * `npm run bench:watch -- --lab [--runs 3]` — watch on the REAL lab (issue 18): the time from the
 * `lab:failover` command to the first CRITICAL round of `dvrscope watch --ndjson` (target ≤ 10 s),
 * the time from `lab:workaround` to the first round out of CRITICAL, and a probe round against a
 * full round on the lab (executions, bytes, ms; target: a probe costs at most a fifth of a full).
 * Medians over the runs (at least 3), with the machine's load. Not a test: nothing is asserted.
 *
 * Needs the lab up, and the lab is shared — run it inside the lab lock, and bring the lab down in
 * the same lock:
 *   flock /tmp/dvrscope-lab.lock bash -c 'npm run lab:up && npm run bench:watch -- --lab; npm run lab:down'
 * Each run: `dvrscope watch` (SSH inventory, the lab's Neutron API, default interval 2 s) started
 * on a held VIP, then lab:failover, then lab:workaround (so the next run starts from a held VIP).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');

type Round = {round: number; kind: string; durationMs: number; execs: number; bytes: number};
type Seen = Round & {verdict: string; at: number};

/** `dvrscope watch --ndjson` on the lab; every round line with when it arrived. */
function startWatch(until: 'critical' | 'healthy'): {
	child: ChildProcess;
	rounds: Seen[];
	next: (p: (r: Seen) => boolean) => Promise<Seen>;
	closed: Promise<number | null>;
} {
	const child = spawn(
		process.execPath,
		[
			'--import',
			'tsx',
			'src/cli/main.ts',
			'watch',
			'--inventory',
			'.lab-state/inventory.yaml',
			'--known-hosts',
			'.lab-state/known_hosts',
			'--ndjson',
			'--until',
			until,
			'--deadline',
			'15m',
		],
		{
			cwd: repo,
			env: {
				...process.env,
				NO_COLOR: '1',
				OS_CLIENT_CONFIG_FILE: path.join(repo, '.lab-state', 'clouds.yaml'),
				OS_CLOUD: 'lab',
			},
			stdio: ['ignore', 'pipe', 'inherit'],
		},
	);
	const closed = new Promise<number | null>(resolve => child.once('close', resolve));
	const rounds: Seen[] = [];
	const waiting: {p: (r: Seen) => boolean; resolve: (r: Seen) => void}[] = [];
	let buffer = '';
	child.stdout.on('data', (chunk: Buffer) => {
		buffer += chunk.toString();
		for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
			const line = JSON.parse(buffer.slice(0, at)) as {type: string} & Partial<Seen>;
			buffer = buffer.slice(at + 1);
			if (line.type !== 'round') continue;
			const seen = {...(line as Seen), at: Date.now()};
			rounds.push(seen);
			for (const w of [...waiting])
				if (w.p(seen)) {
					waiting.splice(waiting.indexOf(w), 1);
					w.resolve(seen);
				}
		}
	});
	const next = (p: (r: Seen) => boolean): Promise<Seen> =>
		new Promise((resolve, reject) => {
			waiting.push({p, resolve});
			void closed.then(code => reject(new Error(`dvrscope watch ended (exit ${code})`)));
		});
	return {child, rounds, next, closed};
}

/** lab/scenario.sh `name`: when it started and when it printed its `ground truth:` line. */
function scenario(name: string): {started: number; done: Promise<number | undefined>} {
	const started = Date.now();
	const child = spawn('bash', [path.join(repo, 'lab', 'scenario.sh'), name], {
		cwd: repo,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let out = '';
	let truth: number | undefined;
	child.stdout.on('data', (chunk: Buffer) => {
		out += chunk.toString();
		if (truth === undefined && out.includes('ground truth:')) truth = Date.now();
	});
	const done = new Promise<number | undefined>((resolve, reject) => {
		child.on('close', code => {
			if (code === 0) resolve(truth);
			else reject(new Error(`lab/scenario.sh ${name} exited ${code}:\n${out}`));
		});
	});
	return {started, done};
}

const median = (xs: readonly number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length === 0 ? NaN : (s[Math.floor((s.length - 1) / 2)] ?? NaN);
};
const secs = (ms: number | undefined): string =>
	ms === undefined || Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`;

export async function benchWatchLab(runs: number): Promise<void> {
	if (
		!existsSync('/tmp/dvrscope-lab') ||
		!existsSync(path.join(repo, '.lab-state', 'inventory.yaml'))
	) {
		console.error(
			"the lab is not up. Run, in the lab lock: flock /tmp/dvrscope-lab.lock bash -c 'npm run lab:up && npm run bench:watch -- --lab; npm run lab:down'",
		);
		process.exit(1);
	}
	await scenario('healthy').done;
	const toCritical: number[] = [];
	const gtToCritical: number[] = [];
	const toCleared: number[] = [];
	const all: Seen[] = [];
	for (let run = 1; run <= runs; run++) {
		// watch is in its steady state (a probe round after round 0) when each scenario starts
		const broken = startWatch('critical');
		await broken.next(r => r.kind === 'probe');
		const failover = scenario('failover');
		const critical = await broken.next(r => r.verdict === 'critical');
		const truth = await failover.done;
		await broken.closed;
		const fixing = startWatch('healthy');
		await fixing.next(r => r.kind === 'probe');
		const workaround = scenario('workaround');
		const cleared = await fixing.next(r => r.verdict !== 'critical' && r.at > workaround.started);
		const fixedTruth = await workaround.done;
		if (fixing.child.exitCode === null) fixing.child.kill('SIGINT');
		await fixing.closed;
		toCritical.push(critical.at - failover.started);
		if (truth !== undefined) gtToCritical.push(critical.at - truth);
		toCleared.push(cleared.at - workaround.started);
		all.push(...broken.rounds, ...fixing.rounds);
		console.log(
			`run ${run}: lab:failover → ground truth ${secs(truth === undefined ? undefined : truth - failover.started)}, CRITICAL round #${critical.round} (${critical.kind}) ${secs(critical.at - failover.started)}; lab:workaround → ground truth ${secs(fixedTruth === undefined ? undefined : fixedTruth - workaround.started)}, round #${cleared.round} (${cleared.kind}) out of CRITICAL (${cleared.verdict}) ${secs(cleared.at - workaround.started)}`,
		);
	}
	const full = all.filter(r => r.kind === 'full');
	const probe = all.filter(r => r.kind === 'probe');
	const m = (rs: readonly Seen[], k: 'execs' | 'bytes' | 'durationMs'): number =>
		median(rs.map(r => r[k]));
	console.log(
		`rounds on the lab: ${full.length} full (median ${m(full, 'execs')} execs, ${m(full, 'bytes')} bytes, ${m(full, 'durationMs')} ms), ${probe.length} probe (median ${m(probe, 'execs')} execs, ${m(probe, 'bytes')} bytes, ${m(probe, 'durationMs')} ms)`,
	);
	const t = median(toCritical);
	console.log(
		`TIME lab:failover → CRITICAL round: median ${secs(t)} of ${runs} (${toCritical.map(secs).join(', ')}) (target ≤ 10 s) ${t <= 10_000 ? 'met' : 'NOT met'}; from the ground truth ${secs(median(gtToCritical))}`,
	);
	console.log(
		`TIME lab:workaround → out of CRITICAL: median ${secs(median(toCleared))} (${toCleared.map(secs).join(', ')}) (no target: it includes Neutron re-pointing every node)`,
	);
	for (const k of ['execs', 'bytes', 'durationMs'] as const) {
		const value = m(probe, k) / m(full, k);
		console.log(
			`RATIO lab probe/full ${k === 'durationMs' ? 'ms' : k}: ${value.toFixed(4)} (target ≤ 0.2) ${value <= 0.2 ? 'met' : 'NOT met'}`,
		);
	}
	console.log(
		`load: ${os
			.loadavg()
			.map(x => x.toFixed(2))
			.join(' ')} on ${os.cpus().length} CPU(s)`,
	);
}
