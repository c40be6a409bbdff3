/**
 * bench/tui — console speed on a big capture set and start-up of the built CLI.
 *
 *  1. Writes a capture set with ≥ 200,000 OpenFlow rules (4 nodes × br-int/br-tun, realistic
 *     Neutron DVR OF1.0 lines, with `ovs-ofctl show` port lists) plus the test incident, loads it the way the console does
 *     (readCaptureSet → assembleSnapshot → diagnose → flow index) and reports the load time.
 *  2. Renders the real App with Ink (fake TTY streams, the run-tui frame rate) on the Flows
 *     screen and types filters one key at a time, measuring keystroke → frame-with-result time.
 *     Target: p95 ≤ 50 ms. Twice: waiting for each key's frame before the next key, and typed
 *     ahead at 10 keys/s without waiting (each key timed to the first frame showing it). Also
 *     prints this process's peak RSS (tsx and the harness included).
 *  2c. The built console as shipped (`node dist/cli/main.js <set>`) on a pseudo-terminal on the
 *     same set: `:flows` right after the verdict (target ≤ 200 ms to its first frame with rows —
 *     the rows indexed so far — and the time until every flow is indexed) and 2 s later, the same filters
 *     typed key by key, waited and typed ahead, keystroke → frame read from its terminal, and its
 *     peak RSS (VmHWM) — the figures an engineer's machine sees.
 *  3. Start-up of the built CLI: `dvrscope --version` (target ≤ 0.3 s) and the first frame of
 *     the sample incident in tmux (target ≤ 1 s).
 *
 * Runs with NODE_ENV=production (it restarts itself so), as the shipped console runs React.
 *
 * Run: npm run bench:tui   (builds nothing; run `npm run build` first for parts 2c and 3)
 *      npx tsx bench/tui.tsx --built-only   (the load and part 2c only)
 */
import {EventEmitter} from 'node:events';
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {render} from 'ink';
import stripAnsi from 'strip-ansi';
import {readCaptureSet, toCaptureMeta, writeCaptureSet} from '../src/bundle/capture-set.js';
import type {Capture, CaptureSet} from '../src/model/capture.js';
import {assembleSnapshot} from '../src/collectors/assemble.js';
import {diagnose, rules} from '../src/diagnostics/index.js';
import {getFlowIndex} from '../src/state/flow-index.js';
import {createAppStore} from '../src/state/store.js';
import {App} from '../src/ui/App.js';
import {themes} from '../src/ui/theme.js';
import {MAX_FPS} from '../src/ui/render-options.js';
import {makeIncidentSet} from '../test/helpers/incident.js';

process.env['NO_COLOR'] = '1';
const root = path.resolve(import.meta.dirname, '..');
/** Filters typed one key at a time, in the spirit of ovs-flowviz (issue 6 names the first three). */
const FILTERS = [
	'arp && arp_tpa=10.0.0.100',
	'table=22',
	'actions~=drop && node=cmp-3',
	'10.0.3.7',
	'table=21 || priority>2',
	'dl_dst=fa:16:3e:00:01:0f',
];
const FLOWS_PER_DUMP = Number(process.env['BENCH_FLOWS_PER_DUMP'] ?? 25_000);
const NODES = ['cmp-1', 'cmp-2', 'cmp-3', 'cmp-4'];
/** `--built-only`: the load and the built console's part (2c) only — a quicker before/after. */
const BUILT_ONLY = process.argv.includes('--built-only');

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const mac = (n: number): string =>
	`fa:16:3e:${hex((n >> 16) & 255, 2)}:${hex((n >> 8) & 255, 2)}:${hex(n & 255, 2)}`;
const ip = (n: number): string => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

function flowLine(bridge: string, i: number): string {
	const head = ` cookie=0x5b4c1a2e9f3d7c10, duration=${(86000 + i / 7).toFixed(3)}s, table=`;
	const stats = (t: number) =>
		`${t}, n_packets=${(i * 7) % 991}, n_bytes=${(i * 531) % 99991}, idle_age=${i % 3600}, `;
	const vlan = 1 + (i % 200);
	if (bridge === 'br-tun') {
		switch (i % 4) {
			case 0:
				return `${head}${stats(21)}priority=1,arp,dl_vlan=${vlan},arp_tpa=${ip(i)} actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:${mac(i)},load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0xfa163e${hex(i & 0xffffff, 6)}->NXM_NX_ARP_SHA[],load:0x${hex(0x0a000000 + i, 8)}->NXM_OF_ARP_SPA[],IN_PORT`;
			case 1:
				return `${head}${stats(20)}priority=2,dl_vlan=${vlan},dl_dst=${mac(i)} actions=strip_vlan,load:0x${hex(1000 + vlan, 3)}->NXM_NX_TUN_ID[],output:${2 + (i % 40)}`;
			case 2:
				return `${head}${stats(22)}priority=3,arp,dl_vlan=${vlan},arp_tpa=${ip(i - (i % 256) + 1)} actions=drop`;
			default:
				return `${head}${stats(1)}priority=1,dl_vlan=${vlan},dl_src=${mac(i)} actions=mod_dl_src:fa:16:3f:00:00:${hex(i % 4, 2)},resubmit(,2)`;
		}
	}
	switch (i % 3) {
		case 0:
			return `${head}${stats(60)}priority=20,dl_vlan=${vlan},dl_dst=${mac(i)} actions=strip_vlan,output:${10 + (i % 500)}`;
		case 1:
			return `${head}${stats(1)}priority=20,dl_vlan=${vlan},dl_dst=${mac(i)} actions=mod_dl_src:fa:16:3e:72:7a:50,resubmit(,60)`;
		default:
			return `${head}${stats(24)}priority=2,arp,reg5=${10 + (i % 500)},in_port=${10 + (i % 500)},arp_spa=${ip(i)} actions=resubmit(,25)`;
	}
}

/** `ovs-ofctl show <bridge>` with the ports the synthetic flows output to (OF1.0 format). */
function ofctlShow(bridge: string): string {
	const lines = [
		'OFPT_FEATURES_REPLY (xid=0x2): dpid:0000b2d42c5e574b',
		'n_tables:254, n_buffers:0',
	];
	const port = (n: number, name: string): void => {
		lines.push(` ${n}(${name}): addr:${mac(n).replace('fa:16:3e', '9e:b0:12')}`);
		lines.push('     config:     0', '     state:      0', '     speed: 0 Mbps now, 0 Mbps max');
	};
	if (bridge === 'br-tun') {
		port(1, 'patch-int');
		for (let n = 2; n < 42; n++) port(n, `vxlan-0a0000${hex(n, 2)}`);
	} else {
		port(1, 'patch-tun');
		for (let n = 10; n < 510; n++) port(n, `tap${hex(n * 7919, 8)}-${hex(n, 2)}`);
	}
	lines.push(' LOCAL(' + bridge + '): addr:9e:b0:12:e4:3d:7a', '     config:     PORT_DOWN');
	lines.push('OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0');
	return `${lines.join('\n')}\n`;
}

function bigSet(): CaptureSet {
	const base = makeIncidentSet({
		description: 'bench: the test incident plus 200,000 synthetic DVR flows',
	});
	const captures: Capture[] = [...base.captures];
	for (const node of NODES)
		for (const bridge of ['br-int', 'br-tun']) {
			const lines = ['NXST_FLOW reply (xid=0x4):'];
			for (let i = 0; i < FLOWS_PER_DUMP; i++) lines.push(flowLine(bridge, i));
			captures.push(
				toCaptureMeta({
					id: `${node}.flows-${bridge}`,
					scope: 'node',
					node,
					argv: ['ovs-ofctl', 'dump-flows', bridge],
					kind: 'ovs-flows',
					params: {bridge},
					catalogId: 'ovs.flows',
					exitCode: 0,
					startedAt: '2026-11-26T03:00:00.000Z',
					durationMs: 900,
					stdout: `${lines.join('\n')}\n`,
					stderr: '',
				}),
			);
			// `ovs-ofctl show` as every collection has it: port numbers in flows get names.
			captures.push(
				toCaptureMeta({
					id: `${node}.ofctl-show-${bridge}`,
					scope: 'node',
					node,
					argv: ['ovs-ofctl', 'show', bridge],
					kind: 'ovs-ofctl-show',
					params: {bridge},
					catalogId: 'ovs.ports',
					exitCode: 0,
					startedAt: '2026-11-26T03:00:00.000Z',
					durationMs: 40,
					stdout: ofctlShow(bridge),
					stderr: '',
				}),
			);
		}
	return {
		manifest: {
			...base.manifest,
			nodes: [...base.manifest.nodes, ...NODES.map(id => ({id, roles: ['compute' as const]}))],
			captures: captures.map(c => {
				const meta: {stdout?: string; stderr?: string} = {...c};
				delete meta.stdout;
				delete meta.stderr;
				return meta as CaptureSet['manifest']['captures'][number];
			}),
		},
		captures,
	};
}

const pct = (values: number[], p: number): number => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** Keys a second when typing ahead (an engineer typing, not waiting for the screen). */
const TYPING_KEYS_PER_S = 10;

/**
 * Types `filter` (after `/` is open) at {@link TYPING_KEYS_PER_S} without waiting for frames.
 * Each key's latency runs from when it was sent to the first frame, completed after that, that
 * shows its text as the applied filter (a later key's frame shows it too: its text contains the
 * earlier one). Returns the latencies in key order; throws when a key is never shown.
 */
async function typeAhead(
	send: (key: string) => void,
	onFrame: (listener: (frame: string) => void) => () => void,
	filter: string,
	what: string,
): Promise<number[]> {
	const pending: {typed: string; t0: number; index: number}[] = [];
	const times: number[] = new Array<number>(filter.length).fill(NaN);
	let allShown: (() => void) | undefined;
	const off = onFrame(frame => {
		const now = performance.now();
		for (let i = 0; i < pending.length;) {
			const key = pending[i];
			if (key !== undefined && shows(frame, key.typed)) {
				times[key.index] = now - key.t0;
				pending.splice(i, 1);
			} else i++;
		}
		if (pending.length === 0) allShown?.();
	});
	try {
		let typed = '';
		for (let index = 0; index < filter.length; index++) {
			const ch = filter.charAt(index);
			typed += ch;
			pending.push({typed, t0: performance.now(), index});
			send(ch);
			await new Promise(resolve => setTimeout(resolve, 1000 / TYPING_KEYS_PER_S));
		}
		if (pending.length > 0)
			await new Promise<void>((resolve, reject) => {
				const timer = setTimeout(
					() =>
						reject(
							new Error(
								`${what}: typed ahead, never shown: ${pending.map(k => JSON.stringify(k.typed)).join(', ')}`,
							),
						),
					30_000,
				);
				allShown = () => {
					clearTimeout(timer);
					resolve();
				};
			});
	} finally {
		off();
	}
	return times;
}

/** The frame shows `typed` in the prompt and as the applied filter (its result is on screen). */
const shows = (frame: string, typed: string): boolean =>
	frame.includes(`filter: ${typed.trimEnd()}`) && frame.includes(`/${typed}`);

class FakeStdout extends EventEmitter {
	isTTY = true;
	columns = 120;
	rows = 40;
	last = '';
	write = (chunk: string): boolean => {
		// Ink wraps each frame in synchronized-output and cursor escapes written separately; keep
		// the frame itself.
		if (stripAnsi(chunk).trim().length > 0) {
			this.last = chunk;
			this.emit('wrote');
		}
		return true;
	};
}
class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
	read = (): string | null => {
		const d = this.data;
		this.data = null;
		return d;
	};
	send(data: string): void {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}
}

async function main(): Promise<void> {
	let peakRss = 0;
	const sample = (): void => {
		peakRss = Math.max(peakRss, process.memoryUsage().rss);
	};
	const sampler = setInterval(sample, 20);

	// 1. Load.
	const dir = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-bench-tui-'));
	try {
		// Generated in a child process so this process's peak RSS is the console's, not the generator's.
		const gen = spawnSync(
			process.execPath,
			[...process.execArgv, import.meta.filename, '--generate', dir],
			{
				stdio: 'inherit',
			},
		);
		if (gen.status !== 0)
			throw new Error(`generating the capture set failed (exit ${gen.status ?? gen.signal})`);
		let t = performance.now();
		const set = await readCaptureSet(dir);
		const tRead = performance.now() - t;
		t = performance.now();
		const snapshot = assembleSnapshot(set);
		const tAssemble = performance.now() - t;
		t = performance.now();
		const d = diagnose(snapshot);
		const tDiagnose = performance.now() - t;
		t = performance.now();
		const index = getFlowIndex(snapshot);
		const tIndex = performance.now() - t;
		sample();
		console.log(
			`load average ${os
				.loadavg()
				.map(l => l.toFixed(1))
				.join(' ')} on ${os.cpus().length} CPUs (figures scale with it)`,
		);
		console.log(
			`capture set: ${index.size.toLocaleString('en-US')} flows on ${NODES.length} nodes (+ the test incident), ${dir}`,
		);
		console.log(
			`load: read ${tRead.toFixed(0)} ms · assemble/parse ${tAssemble.toFixed(0)} ms · diagnose ${tDiagnose.toFixed(0)} ms · flow index ${tIndex.toFixed(0)} ms`,
		);
		if (index.size < NODES.length * 2 * FLOWS_PER_DUMP)
			throw new Error(`only ${index.size} flows indexed; the parser dropped some`);

		// 2a. The filter alone (no rendering), per keystroke, incremental as in the console.
		if (!BUILT_ONLY) {
			const {filterFlows} = await import('../src/state/flow-query.js');
			const compute: number[] = [];
			for (const filter of FILTERS) {
				let prev;
				for (let i = 1; i <= filter.length; i++) {
					const t0 = performance.now();
					prev = filterFlows(index, filter.slice(0, i), prev);
					compute.push(performance.now() - t0);
				}
			}
			console.log(
				`filter compute per keystroke (no rendering): p50 ${pct(compute, 50).toFixed(1)} ms · p95 ${pct(compute, 95).toFixed(1)} ms · max ${Math.max(...compute).toFixed(1)} ms`,
			);
		}

		// 2b. Keystroke → frame on the Flows screen.
		if (!BUILT_ONLY) await inProcess(dir, snapshot, d, sample);
		clearInterval(sampler);
		sample();
		const maxRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
		console.log(
			`peak RSS of this bench process (sources through tsx, React production, the bench harness): ${(maxRss / 1_000_000).toFixed(0)} MB`,
		);
		// 2c. The console as shipped, on the same capture set.
		await builtConsole(dir, index.size);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
	if (BUILT_ONLY) return;
	await startUp();
}

/** 2b. The real App in this process on the Flows screen: filters typed key by key, waited and typed ahead. */
async function inProcess(
	dir: string,
	snapshot: ReturnType<typeof assembleSnapshot>,
	d: ReturnType<typeof diagnose>,
	sample: () => void,
): Promise<void> {
	{
		const store = createAppStore({
			source: {kind: 'capture-set', location: dir},
			snapshot,
			diagnosis: {
				findings: d.findings,
				outcomes: d.outcomes,
				docs: Object.fromEntries(rules.map(r => [r.id, r.meta.docs])),
			},
			view: {kind: 'flows'},
		});
		const stdout = new FakeStdout();
		const stdin = new FakeStdin();
		const nothing = (): void => undefined;
		const controller = {
			recollect: nothing,
			cancel: () => false,
			toggleWatch: nothing,
			exportBundle: nothing,
			isBusy: () => false,
			dispose: nothing,
		};
		const instance = render(<App store={store} controller={controller} theme={themes.plain} />, {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			exitOnCtrlC: false,
			patchConsole: false,
			maxFps: MAX_FPS, // as run-tui
		});
		const waitFrame = async (
			predicate: (frame: string) => boolean,
			what: string,
		): Promise<void> => {
			const deadline = performance.now() + 10_000;
			while (!predicate(stripAnsi(stdout.last))) {
				if (performance.now() > deadline)
					throw new Error(`no frame with ${what}; last:\n${stripAnsi(stdout.last)}`);
				await new Promise<void>(resolve => {
					const done = (): void => {
						stdout.off('wrote', done);
						clearTimeout(timer);
						resolve();
					};
					const timer = setTimeout(done, 5);
					stdout.on('wrote', done);
				});
			}
		};
		await waitFrame(f => f.includes('flows'), 'the flows screen');
		const filters = FILTERS;
		const times: number[] = [];
		const keyOf: string[] = [];
		for (const filter of filters) {
			stdin.send('/');
			await waitFrame(f => f.includes('filters as you type'), 'the filter prompt');
			let typed = '';
			for (const ch of filter) {
				typed += ch;
				const t0 = performance.now();
				stdin.send(ch);
				await waitFrame(
					f => f.includes(`filter: ${typed.trimEnd()}`) && f.includes(`/${typed}`),
					`filter "${typed}"`,
				);
				times.push(performance.now() - t0);
				keyOf.push(`/${typed}`);
				sample();
			}
			const counts = /([\d,]+) \/ ([\d,]+) flows/.exec(stripAnsi(stdout.last));
			console.log(`  /${filter}  →  ${counts?.[1] ?? '?'} of ${counts?.[2] ?? '?'} flows`);
			stdin.send('\u001B');
			await waitFrame(f => !f.includes('filters as you type'), 'filter cleared');
			// Jump to the last of 200,000 rows too: windowed rendering keeps this cheap.
			const before = stdout.last;
			const t0 = performance.now();
			stdin.send('G');
			await waitFrame(() => stdout.last !== before, 'the frame after G');
			times.push(performance.now() - t0);
			keyOf.push('G');
			stdin.send('g');
			await waitFrame(f => f.includes(`›${NODES[0] ?? ''}`), 'back at the first row');
		}
		// The same filters typed ahead at 10 keys/s, not waiting for any frame.
		const ahead: number[] = [];
		for (const filter of filters) {
			stdin.send('/');
			await waitFrame(f => f.includes('filters as you type'), 'the filter prompt');
			ahead.push(
				...(await typeAhead(
					key => stdin.send(key),
					listener => {
						const wrote = (): void => listener(stripAnsi(stdout.last));
						stdout.on('wrote', wrote);
						return () => stdout.off('wrote', wrote);
					},
					filter,
					'in-process console',
				)),
			);
			stdin.send('\u001B');
			await waitFrame(f => !f.includes('filters as you type'), 'filter cleared');
		}
		instance.unmount();
		console.log(
			`keystroke → frame, waiting for each frame: n=${times.length} p50 ${pct(times, 50).toFixed(1)} ms · p95 ${pct(times, 95).toFixed(1)} ms · max ${Math.max(...times).toFixed(1)} ms (target p95 ≤ 50 ms) — ${pct(times, 95) <= 50 ? 'met' : 'NOT met'}`,
		);
		console.log(
			`keystroke → frame, typed ahead at ${TYPING_KEYS_PER_S} keys/s: n=${ahead.length} p50 ${pct(ahead, 50).toFixed(1)} ms · p95 ${pct(ahead, 95).toFixed(1)} ms · max ${Math.max(...ahead).toFixed(1)} ms (target p95 ≤ 50 ms) — ${pct(ahead, 95) <= 50 ? 'met' : 'NOT met'}`,
		);
		const slowest = times
			.map((t, i) => [t, keyOf[i] ?? '?'] as const)
			.sort((a, b) => b[0] - a[0])
			.slice(0, 6);
		console.log(
			`  slowest: ${slowest.map(([t, k]) => `${JSON.stringify(k)} ${t.toFixed(0)} ms`).join(' · ')}`,
		);
	}
}

/** 3. Start-up of the built CLI. */
async function startUp(): Promise<void> {
	const main = path.join(root, 'dist/cli/main.js');
	if (!existsSync(main)) {
		console.log('start-up: dist/cli/main.js missing — run `npm run build` first');
		return;
	}
	// A bare `node -e ''` on the same machine at the same moment: the floor under every start-up
	// figure (this machine is shared; its load inflates everything).
	const bare: number[] = [];
	for (let i = 0; i < 7; i++) {
		const t0 = performance.now();
		spawnSync(process.execPath, ['-e', '']);
		bare.push(performance.now() - t0);
	}
	console.log(`node -e '' (start-up floor now): median ${pct(bare, 50).toFixed(0)} ms`);
	const versionTimes: number[] = [];
	for (let i = 0; i < 7; i++) {
		const t0 = performance.now();
		spawnSync(process.execPath, [main, '--version']);
		versionTimes.push(performance.now() - t0);
	}
	console.log(
		`dvrscope --version: median ${pct(versionTimes, 50).toFixed(0)} ms · min ${Math.min(...versionTimes).toFixed(0)} ms (target ≤ 300 ms)`,
	);
	if (spawnSync('tmux', ['-V']).status !== 0) {
		console.log('first frame: tmux missing');
		return;
	}
	const socket = `dvrscope-bench-${process.pid}`;
	const firstFrames: number[] = [];
	const anyFrames: number[] = [];
	const inkFrames: number[] = [];
	try {
		for (let i = 0; i < 3; i++) {
			const t0 = performance.now();
			execFileSync('tmux', [
				'-L',
				`${socket}-${i}`,
				'new-session',
				'-d',
				'-s',
				`b${i}`,
				'-x',
				'100',
				'-y',
				'30',
				`cd ${JSON.stringify(root)} && env -u CI NO_COLOR=1 ${JSON.stringify(process.execPath)} dist/cli/main.js; sleep 60`,
			]);
			let ok = false;
			let sawHeader = false;
			let sawInk = false;
			while (performance.now() - t0 < 20_000) {
				const pane = execFileSync(
					'tmux',
					['-L', `${socket}-${i}`, 'capture-pane', '-p', '-t', `b${i}`],
					{
						encoding: 'utf8',
					},
				);
				if (!sawHeader && pane.includes('SAMPLE INCIDENT')) {
					sawHeader = true;
					anyFrames.push(performance.now() - t0);
				}
				if (!sawInk && pane.includes('read-only')) {
					sawInk = true;
					inkFrames.push(performance.now() - t0);
				}
				if (pane.includes('finding(s)') || pane.includes('No warning')) {
					ok = true;
					break;
				}
				await new Promise(resolve => setTimeout(resolve, 10));
			}
			if (ok) firstFrames.push(performance.now() - t0);
			// One server per run: killing the last session of a shared server races the next
			// new-session ("server exited unexpectedly").
			spawnSync('tmux', ['-L', `${socket}-${i}`, 'kill-server']);
		}
	} finally {
		for (let i = 0; i < 3; i++) spawnSync('tmux', ['-L', `${socket}-${i}`, 'kill-server']);
	}
	if (anyFrames.length > 0)
		console.log(
			`first paint (what is opening, before Ink loads): median ${pct(anyFrames, 50).toFixed(0)} ms · min ${Math.min(...anyFrames).toFixed(0)} ms`,
		);
	if (inkFrames.length > 0)
		console.log(
			`first console frame (header, breadcrumbs): median ${pct(inkFrames, 50).toFixed(0)} ms · min ${Math.min(...inkFrames).toFixed(0)} ms`,
		);
	console.log(
		firstFrames.length === 0
			? 'first frame of the sample incident: never appeared'
			: `first frame with the sample incident's verdict (tmux, polled every 10 ms): median ${pct(firstFrames, 50).toFixed(0)} ms · min ${Math.min(...firstFrames).toFixed(0)} ms (target ≤ 1000 ms)`,
	);
}

/**
 * The built console (`node dist/cli/main.js <set>`, the React production bundle) on a real
 * pseudo-terminal (util-linux `script`, 120×40): keys are written to the terminal and frames read
 * from it as the console writes them — no polling. VmHWM of the console process from /proc.
 */
const BSU = '\u001B[?2026h';
const ESU = '\u001B[?2026l';

class PtyConsole {
	readonly #child: ChildProcess;
	#since = '';
	#wake: (() => void) | undefined;
	constructor(dir: string) {
		const command = `stty cols 120 rows 40; exec env -u CI NO_COLOR=1 ${JSON.stringify(process.execPath)} dist/cli/main.js ${JSON.stringify(dir)}`;
		this.#child = spawn('script', ['-qfec', command, '/dev/null'], {
			cwd: root,
			stdio: ['pipe', 'pipe', 'inherit'],
		});
		this.#child.stdout?.setEncoding('utf8');
		this.#child.stdout?.on('data', (chunk: string) => {
			this.#since += chunk;
			this.#raw += chunk;
			// Ink writes each frame between synchronized-output marks (a terminal, not CI).
			for (let end = this.#raw.indexOf(ESU); end !== -1; end = this.#raw.indexOf(ESU)) {
				const segment = this.#raw.slice(0, end);
				this.#raw = this.#raw.slice(end + ESU.length);
				const start = segment.lastIndexOf(BSU);
				const frame = stripAnsi(start === -1 ? segment : segment.slice(start + BSU.length));
				for (const listener of this.#frames) listener(frame);
			}
			this.#wake?.();
		});
	}
	#raw = '';
	readonly #frames = new Set<(frame: string) => void>();
	/** Each whole frame the console writes from now on, as text. */
	onFrame(listener: (frame: string) => void): () => void {
		this.#frames.add(listener);
		return () => this.#frames.delete(listener);
	}
	/** Write keys without resetting what `waitFor` looks at. */
	type(keys: string): void {
		this.#child.stdin?.write(keys);
	}
	/** Write keys; what the console writes from now on is what `waitFor` looks at. */
	send(keys: string): void {
		this.#since = '';
		this.#child.stdin?.write(keys);
	}
	async waitFor(predicate: (text: string) => boolean, what: string): Promise<void> {
		const deadline = performance.now() + 30_000;
		while (!predicate(stripAnsi(this.#since))) {
			if (performance.now() > deadline)
				throw new Error(`built console: no ${what}:\n${stripAnsi(this.#since).slice(-2000)}`);
			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, 50);
				this.#wake = () => {
					clearTimeout(timer);
					resolve();
				};
			});
		}
	}
	/** Peak RSS of the console process (the child `script` runs it as). */
	peakRss(): number {
		const pid = execFileSync('pgrep', ['-P', String(this.#child.pid)], {encoding: 'utf8'})
			.trim()
			.split('\n')[0];
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
	}
	close(): void {
		this.#child.kill('SIGKILL');
		spawnSync('pkill', ['-KILL', '-P', String(this.#child.pid)]);
	}
}

/**
 * 2c. The console as shipped on the same capture set: the verdict, `:flows` (right away, and 2 s
 * later as an engineer who reads the verdict first), then the same filters typed key by key.
 */
async function builtConsole(dir: string, flows: number): Promise<void> {
	const main = path.join(root, 'dist/cli/main.js');
	if (!existsSync(main) || spawnSync('script', ['--version']).status !== 0) {
		console.log('built console: needs dist/ (npm run build) and util-linux script');
		return;
	}
	const total = `/ ${flows.toLocaleString('en-US')} flows`;
	// The Flows screen with rows: `n / rows flows`, or `n / rows of total flows (indexing …)`
	// while the index is still being built (the rows indexed so far).
	const opened = /\d \/ [\d,]+(?: of [\d,]+)? flows/;
	// `:flows` the moment the verdict shows: the index is not warm yet. Timed from Enter (the
	// screen opening; `:flows` is typed as one chunk right before, each key a frame of the
	// overview) and from the chunk.
	let tAtOnce: number;
	let tChunk: number;
	let tAtOnceFull: number;
	{
		const pty = new PtyConsole(dir);
		try {
			await pty.waitFor(text => text.includes('finding(s)'), 'verdict');
			const c0 = performance.now();
			pty.send(':flows');
			await pty.waitFor(text => text.includes(':flows'), 'the command line');
			const t0 = performance.now();
			pty.send('\r');
			await pty.waitFor(text => opened.test(text), 'flows screen');
			tAtOnce = performance.now() - t0;
			tChunk = performance.now() - c0;
			await pty.waitFor(text => text.includes(total), 'flows screen with every flow indexed');
			tAtOnceFull = performance.now() - t0;
		} finally {
			pty.close();
		}
	}
	const pty = new PtyConsole(dir);
	try {
		const t0 = performance.now();
		await pty.waitFor(text => text.includes('finding(s)'), 'verdict');
		const tOpen = performance.now() - t0;
		// An engineer reads the verdict first; the console indexes the flows meanwhile.
		await new Promise(resolve => setTimeout(resolve, 2000));
		const f0 = performance.now();
		pty.send(':flows\r');
		await pty.waitFor(text => text.includes(total), 'flows screen');
		const tFlows = performance.now() - f0;
		const times: number[] = [];
		for (const filter of FILTERS) {
			pty.send('/');
			await pty.waitFor(text => text.includes('filters as you type'), 'filter prompt');
			let typed = '';
			for (const ch of filter) {
				typed += ch;
				const k0 = performance.now();
				pty.send(ch);
				await pty.waitFor(
					text => text.includes(`filter: ${typed.trimEnd()}`) && text.includes(`/${typed}`),
					`filter "${typed}"`,
				);
				times.push(performance.now() - k0);
			}
			pty.send('\u001B');
			await pty.waitFor(text => text.includes('/ to filter'), 'filter cleared');
		}
		// The same filters typed ahead at 10 keys/s, not waiting for any frame.
		const ahead: number[] = [];
		for (const filter of FILTERS) {
			pty.send('/');
			await pty.waitFor(text => text.includes('filters as you type'), 'filter prompt');
			ahead.push(
				...(await typeAhead(
					key => pty.type(key),
					listener => pty.onFrame(listener),
					filter,
					'built console',
				)),
			);
			pty.send('\u001B');
			await pty.waitFor(text => text.includes('/ to filter'), 'filter cleared');
		}
		const hwm = pty.peakRss();
		const met = (ms: number, target: number): string => (ms <= target ? 'met' : 'NOT met');
		console.log(
			`built console (dist, pty 120×40): verdict on screen ${tOpen.toFixed(0)} ms · :flows 2 s later ${tFlows.toFixed(0)} ms (indexed meanwhile)`,
		);
		console.log(
			`built console :flows right after the verdict, Enter → first frame with rows: ${tAtOnce.toFixed(0)} ms (target ≤ 200 ms) — ${met(tAtOnce, 200)}; from typing ":flows": ${tChunk.toFixed(0)} ms; Enter → every flow indexed and shown: ${tAtOnceFull.toFixed(0)} ms`,
		);
		console.log(
			`built console keystroke → frame on its terminal, waiting for each frame: n=${times.length} p50 ${pct(times, 50).toFixed(1)} ms · p95 ${pct(times, 95).toFixed(1)} ms · max ${Math.max(...times).toFixed(1)} ms (target p95 ≤ 50 ms) — ${met(pct(times, 95), 50)}`,
		);
		console.log(
			`built console keystroke → frame on its terminal, typed ahead at ${TYPING_KEYS_PER_S} keys/s: n=${ahead.length} p50 ${pct(ahead, 50).toFixed(1)} ms · p95 ${pct(ahead, 95).toFixed(1)} ms · max ${Math.max(...ahead).toFixed(1)} ms (target p95 ≤ 50 ms) — ${met(pct(ahead, 95), 50)}`,
		);
		console.log(
			`peak RSS of the built console (VmHWM, after typing every filter): ${(hwm / 1_000_000).toFixed(0)} MB (target ≤ 500 MB)`,
		);
	} finally {
		pty.close();
	}
}

const generateAt = process.argv.indexOf('--generate');
if (generateAt < 0 && process.env['NODE_ENV'] !== 'production') {
	// The shipped console runs React's production build (scripts/bundle-console.mjs defines
	// NODE_ENV); React picks its build when first imported, so measure in a process started so.
	const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename], {
		stdio: 'inherit',
		env: {...process.env, NODE_ENV: 'production'},
	});
	process.exitCode = child.status ?? 1;
} else if (generateAt >= 0) {
	const dir = process.argv[generateAt + 1];
	if (dir === undefined) throw new Error('--generate DIR');
	await writeCaptureSet(dir, bigSet());
} else await main();
