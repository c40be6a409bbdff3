/**
 * Whole-process timing for the benchmarks: every contestant is a command run under
 * `/usr/bin/time -v` (wall clock and peak RSS as the kernel reports them, interpreter start
 * included), the contestants alternated round by round, each repeated; medians, min–max, the
 * ratio against a target and the machine load (/proc/loadavg) before and after.
 */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {availableParallelism as cpus} from 'node:os';

export type Contestant = {
	readonly name: string;
	/** What this side does, printed with the figures. */
	readonly does: string;
	readonly argv: readonly [string, ...string[]];
	readonly env?: NodeJS.ProcessEnv;
	/** Where stdout goes (default /dev/null through a pipe we drain). */
	readonly cwd?: string;
};

export type Timing = {
	readonly name: string;
	readonly wallS: number[];
	readonly rssKb: number[];
	/** User + system CPU seconds (what the process used, whatever else the machine ran). */
	readonly cpuS: number[];
	/** CPU seconds the whole machine was busy during the run (the contestant, its servers, the rest). */
	readonly machineCpuS: number[];
	readonly exitCodes: number[];
};

export const loadavg = (): string =>
	existsSync('/proc/loadavg')
		? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
		: '?';

const TIME = '/usr/bin/time';

/** Busy CPU seconds of the whole machine so far (all CPUs, /proc/stat, USER_HZ 100); NaN elsewhere. */
export function machineBusyS(): number {
	if (!existsSync('/proc/stat')) return NaN;
	const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number);
	if (cpu === undefined || cpu.length < 5) return NaN;
	const total = cpu.slice(0, 8).reduce((sum, x) => sum + x, 0);
	return (total - (cpu[3] ?? 0) - (cpu[4] ?? 0)) / 100;
}

/** One run under /usr/bin/time -v: wall seconds, peak RSS (kB), exit status. */
export async function timeOnce(
	c: Contestant,
): Promise<{wallS: number; rssKb: number; cpuS: number; machineCpuS: number; exit: number}> {
	if (!existsSync(TIME)) throw new Error(`${TIME} is missing (Debian package "time")`);
	const busyBefore = machineBusyS();
	return new Promise((resolve, reject) => {
		const child = spawn(TIME, ['-v', ...c.argv], {
			env: c.env ?? process.env,
			...(c.cwd === undefined ? {} : {cwd: c.cwd}),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		child.stdout.resume();
		child.stderr.setEncoding('utf8');
		child.stderr.on('data', (chunk: string) => {
			stderr += chunk;
			if (stderr.length > 1 << 20) stderr = stderr.slice(-65536);
		});
		child.on('error', reject);
		child.on('close', () => {
			const wall =
				/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr);
			const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
			const exit = /Exit status: (\d+)/.exec(stderr);
			const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
			const system = /System time \(seconds\): ([\d.]+)/.exec(stderr);
			if (wall === null || rss === null) {
				reject(new Error(`${c.name}: no /usr/bin/time figures:\n${stderr.slice(-2000)}`));
				return;
			}
			resolve({
				wallS: Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]),
				rssKb: Number(rss[1]),
				cpuS: Number(user?.[1] ?? NaN) + Number(system?.[1] ?? NaN),
				machineCpuS: machineBusyS() - busyBefore,
				exit: exit === null ? 0 : Number(exit[1]),
			});
		});
	});
}

/** Rounds of every contestant in turn (alternated), `runs` rounds. */
export async function alternate(
	contestants: readonly Contestant[],
	runs: number,
	after?: (name: string) => void,
): Promise<Timing[]> {
	const timings = contestants.map(c => ({
		name: c.name,
		wallS: [] as number[],
		rssKb: [] as number[],
		cpuS: [] as number[],
		machineCpuS: [] as number[],
		exitCodes: [] as number[],
	}));
	for (let round = 0; round < runs; round++) {
		for (const [i, c] of contestants.entries()) {
			const t = await timeOnce(c);
			const timing = timings[i];
			if (timing === undefined) continue;
			timing.wallS.push(t.wallS);
			timing.rssKb.push(t.rssKb);
			timing.cpuS.push(t.cpuS);
			timing.machineCpuS.push(t.machineCpuS);
			timing.exitCodes.push(t.exit);
			after?.(c.name);
			process.stderr.write(
				`  round ${round + 1}/${runs} ${c.name}: ${t.wallS.toFixed(2)} s, ${t.cpuS.toFixed(2)} s CPU (machine busy ${t.machineCpuS.toFixed(2)} s), ${(t.rssKb / 1024).toFixed(0)} MB, exit ${t.exit}\n`,
			);
		}
	}
	return timings;
}

export const median = (xs: readonly number[]): number => {
	const s = [...xs].sort((a, b) => a - b);
	const mid = Math.floor(s.length / 2);
	return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

export const range = (xs: readonly number[], digits = 2): string =>
	`${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

/** Print the contestants' figures. */
export function report(contestants: readonly Contestant[], timings: readonly Timing[]): void {
	for (const [i, t] of timings.entries()) {
		const c = contestants[i];
		console.log(
			`  ${t.name}: median ${median(t.wallS).toFixed(2)} s (${range(t.wallS)} s over ${t.wallS.length} runs), CPU (user+sys) median ${median(t.cpuS).toFixed(2)} s (machine busy ${median(t.machineCpuS).toFixed(2)} s of ${(median(t.wallS) * cpus()).toFixed(2)} s: the contestant, its servers and the rest), peak RSS median ${(median(t.rssKb) / 1024).toFixed(0)} MB, exit ${[...new Set(t.exitCodes)].join('/')}`,
		);
		if (c !== undefined) console.log(`      does: ${c.does}`);
	}
}

/** `what: ratio (target …) MET/NOT MET`. `higherIsBetter`: the ratio must reach the target. */
export function ratioLine(
	what: string,
	ratio: number,
	target: number,
	higherIsBetter: boolean,
): string {
	const met = higherIsBetter ? ratio >= target : ratio <= target;
	return `RATIO ${what}: ${ratio.toFixed(2)}${higherIsBetter ? '×' : ''} (target ${higherIsBetter ? '≥' : '≤'} ${target}${higherIsBetter ? '×' : ''}) — ${met ? 'met' : 'NOT met'}`;
}
