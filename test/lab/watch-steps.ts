/**
 * Headless `dvrscope watch` on the real lab (issue 18), called from test/lab/lab.e2e.test.ts inside
 * its one bring-up: the lab is moved with lab/scenario.sh while watch runs. The delays from each
 * scenario command to the event are printed (the ≤ 10 s target lives in bench/, not here).
 */
import {execFile, spawn} from 'node:child_process';
import path from 'node:path';
import {expect} from 'vitest';
import {watchLineSchema} from '../../src/session/watch-schema.js';

type Line = {
	type: string;
	round?: number;
	verdict?: string;
	kind?: string;
	stale?: boolean;
	text?: string;
};

type Run = {
	code: number | null;
	lines: Line[];
	/** The lines as printed (same order as `lines`). */
	raw: string[];
	stderr: string;
	seenAt: Map<string, number>;
};

/** Start `dvrscope watch --ndjson` against the lab (SSH inventory, the lab's Neutron API). */
function startWatch(
	repo: string,
	args: readonly string[],
): {done: Promise<Run>; firstRound: Promise<void>} {
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
			...args,
		],
		{
			cwd: repo,
			env: {
				...process.env,
				NO_COLOR: '1',
				OS_CLIENT_CONFIG_FILE: path.join(repo, '.lab-state', 'clouds.yaml'),
				OS_CLOUD: 'lab',
			},
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	const lines: Line[] = [];
	const raw: string[] = [];
	const seenAt = new Map<string, number>();
	let buffer = '';
	let stderr = '';
	let onFirst: () => void = () => undefined;
	const firstRound = new Promise<void>(resolve => {
		onFirst = resolve;
	});
	child.stdout.on('data', (chunk: Buffer) => {
		buffer += chunk.toString();
		for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
			const text = buffer.slice(0, at);
			buffer = buffer.slice(at + 1);
			if (text.trim() === '') continue;
			const parsed = watchLineSchema.safeParse(JSON.parse(text));
			expect(parsed.success, text).toBe(true);
			const line = JSON.parse(text) as Line;
			lines.push(line);
			raw.push(text);
			if (line.type === 'round') onFirst();
			const key =
				line.type === 'round'
					? `round:${line.verdict ?? ''}`
					: `${line.kind ?? ''}${line.stale === true ? ':stale' : ''}`;
			if (!seenAt.has(key)) seenAt.set(key, Date.now());
		}
	});
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const done = new Promise<Run>(resolve => {
		child.on('close', code => {
			onFirst();
			resolve({code, lines, raw, stderr, seenAt});
		});
	});
	return {done, firstRound};
}

const scenario = async (repo: string, name: string): Promise<number> => {
	const started = Date.now();
	await new Promise<void>((resolve, reject) => {
		execFile(
			'bash',
			[path.join(repo, 'lab', 'scenario.sh'), name],
			{cwd: repo, timeout: 900_000},
			error => {
				if (error) reject(new Error(error.message));
				else resolve();
			},
		);
	});
	return started;
};

const delay = (from: number, run: Run, key: string): string => {
	const at = run.seenAt.get(key);
	return at === undefined ? 'never' : `${((at - from) / 1000).toFixed(1)} s`;
};

/**
 * healthy → `watch --until critical` across lab:failover (exit 0, a CRITICAL transition, STALE
 * entries); on the failed state `--until healthy --deadline 30s` exits 124 after a critical round;
 * `--until healthy --deadline 120s` across lab:workaround exits 0, its last verdict ok or warning.
 */
export async function watchAcrossFailover(repo: string): Promise<void> {
	await scenario(repo, 'healthy');
	const critical = startWatch(repo, ['--until', 'critical', '--deadline', '120s']);
	await critical.firstRound;
	const failedAt = await scenario(repo, 'failover');
	const toCritical = await critical.done;
	console.log(
		`[watch] failover → CRITICAL round after ${delay(failedAt, toCritical, 'round:critical')}, transition ${delay(failedAt, toCritical, 'verdict')}, STALE ${delay(failedAt, toCritical, 'entry:stale')}`,
	);
	// the NDJSON of the round that went CRITICAL, as captured (docs/watch.md quotes it)
	const criticalRound = toCritical.lines.find(l => l.type === 'round' && l.verdict === 'critical');
	console.log(
		`[watch] NDJSON of the CRITICAL round:\n${toCritical.raw.filter((_, i) => toCritical.lines[i]?.round === criticalRound?.round).join('\n')}`,
	);
	expect(toCritical.code, toCritical.stderr).toBe(0);
	expect(
		toCritical.lines.some(l => l.type === 'transition' && /→ CRITICAL/.test(l.text ?? '')),
	).toBe(true);
	expect(toCritical.lines.filter(l => l.stale === true).length).toBeGreaterThan(0);
	expect(toCritical.lines.at(-1)).toMatchObject({type: 'end', outcome: 'met'});

	const stuck = await startWatch(repo, ['--until', 'healthy', '--deadline', '30s']).done;
	expect(stuck.code, stuck.stderr).toBe(124);
	expect(stuck.stderr).toMatch(/deadline 30s passed: condition "until healthy" not met/);
	expect(stuck.lines.some(l => l.type === 'round' && l.verdict === 'critical')).toBe(true);

	const healthy = startWatch(repo, ['--until', 'healthy', '--deadline', '120s']);
	await healthy.firstRound;
	const fixedAt = await scenario(repo, 'workaround');
	const toHealthy = await healthy.done;
	console.log(
		`[watch] workaround → out of critical after ${delay(fixedAt, toHealthy, 'verdict')}, entries changed ${delay(fixedAt, toHealthy, 'entry')}`,
	);
	// The workaround takes the verdict out of CRITICAL and, once the lab's snat- namespace talks
	// to the VIP again (the VIP's return traffic), a live holder settles vrrp/no-master although
	// the VMs' namespaces are never read: healthy (warnings such as the at-risk VIP may remain).
	expect(toHealthy.code, toHealthy.stderr).toBe(0);
	expect(toHealthy.lines.at(-1)).toMatchObject({type: 'end', outcome: 'met'});
	const last = toHealthy.lines.filter(l => l.type === 'round').at(-1)?.verdict;
	expect(['ok', 'warning']).toContain(last);
	expect(
		toHealthy.lines.some(l => l.type === 'transition' && /CRITICAL →/.test(l.text ?? '')),
		toHealthy.stderr,
	).toBe(true);
}
