import type {Command} from 'commander';
import type {WatchEvent, WatchRound, WatchRow} from '../../model/watch.js';
import {addLiveCollectionOptions, type CollectCliOptions} from './collect.js';

/** Exit codes of `dvrscope watch` (as `timeout(1)` for the deadline; 130 after Ctrl-C). */
export const WATCH_EXIT = {met: 0, usage: 3, deadline: 124, interrupted: 130} as const;

const UNTIL = ['healthy', 'critical', 'change'] as const;
export type Until = (typeof UNTIL)[number];

export type WatchCliOptions = CollectCliOptions & {
	readonly interval?: string;
	readonly until?: string;
	readonly deadline?: string;
	readonly ndjson?: boolean;
	readonly fullEvery?: string;
	readonly bell?: boolean;
};

const HELP_AFTER = `
Rounds: the first is a full collection (connections stay open); the next ones probe only what moves
during a failover (who holds each VIP, the qrouter entries, L3-HA states), one execution per node;
a full collection again every --full-every rounds. Every round is diagnosed with the same rules as
diagnose. Output: one line per round and one per change (text), or --ndjson (docs/watch.md).

--until
  healthy   nothing critical and nothing incomplete (warnings such as an at-risk VIP may remain)
  critical  the verdict is CRITICAL
  change    a holder, an entry or the verdict changed (after the first round)

Exit codes:
  0    the --until condition was met
  3    usage or input error
  124  the --deadline passed first (a line names the condition that was not met)
  130  Ctrl-C (after printing the last verdict)

Examples:
  dvrscope watch --inventory inv.yaml --vip 198.19.0.100 --until healthy --deadline 5m
  dvrscope watch --kube-context mosk-prod --router <id> --until critical --ndjson > rounds.ndjson`;

function usage(message: string): void {
	process.stderr.write(`dvrscope watch: ${message}\n`);
	process.exitCode = WATCH_EXIT.usage;
}

/** `120s`, `5m`, `1h`, `500ms`, or a number of seconds → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
	const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
	if (m === null) return undefined;
	const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
	return Number(m[1]) * unit;
}

/** Whether a round meets the condition. */
export function conditionMet(until: Until, round: WatchRound, rows: readonly WatchRow[]): boolean {
	switch (until) {
		case 'healthy':
			return round.verdict === 'ok' || round.verdict === 'warning';
		case 'critical':
			return round.verdict === 'critical';
		case 'change':
			return round.round > 0 && rows.some(row => row.changed);
	}
}

const hhmmss = (iso: string): string => iso.slice(11, 19);

/** The text lines of a round: its summary, then one line per row (STALE and inferred marked in words). */
export function roundText(round: WatchRound, rows: readonly WatchRow[]): string[] {
	const kb = (round.bytes / 1024).toFixed(1);
	const lines = [
		`${hhmmss(round.startedAt)} round ${round.round} ${round.kind} ${round.durationMs} ms, ${round.execs} exec(s), ${kb} KiB — ${round.verdict.toUpperCase()} (${round.critical} critical, ${round.warning} warning)${round.unread.length === 0 ? '' : ` — not read: ${round.unread.map(u => u.node).join(', ')}`}`,
	];
	for (const row of rows) {
		const where = [row.vip, row.node, row.namespace?.slice(0, 16)].filter(Boolean).join(' ');
		const mark = row.kind === 'verdict' ? '>> ' : row.stale === true ? '!! ' : '   ';
		lines.push(
			`  ${mark}${hhmmss(row.at)} ${row.kind}${where === '' ? '' : ` ${where}`}: ${row.text}${row.inferred === true ? ' [inferred]' : ''}`,
		);
	}
	return lines;
}

/** The NDJSON objects of a round (docs/watch.md): the round, then its changes and transitions. */
export function roundJson(round: WatchRound, rows: readonly WatchRow[]): object[] {
	return [
		{type: 'round', ...round},
		...rows.map(row => ({type: row.kind === 'verdict' ? 'transition' : 'change', ...row})),
	];
}

type Parsed = {
	until: Until;
	intervalMs: number;
	deadlineMs: number | undefined;
	fullEvery: number | undefined;
};

function parse(options: WatchCliOptions): Parsed | undefined {
	const until = options.until ?? 'change';
	if (!(UNTIL as readonly string[]).includes(until)) {
		usage(`--until must be one of ${UNTIL.join(', ')}, got "${until}"`);
		return undefined;
	}
	const intervalMs = parseDuration(options.interval ?? '2s');
	if (intervalMs === undefined || intervalMs < 500) {
		usage(
			`--interval needs a duration of at least 500ms (e.g. 2s), got "${options.interval ?? ''}"`,
		);
		return undefined;
	}
	const deadlineMs = options.deadline === undefined ? undefined : parseDuration(options.deadline);
	if (options.deadline !== undefined && (deadlineMs === undefined || deadlineMs <= 0)) {
		usage(`--deadline needs a duration (e.g. 120s, 5m), got "${options.deadline}"`);
		return undefined;
	}
	const fullEvery = options.fullEvery === undefined ? undefined : Number(options.fullEvery);
	if (fullEvery !== undefined && !(Number.isInteger(fullEvery) && fullEvery >= 1)) {
		usage(`--full-every needs a positive integer, got "${options.fullEvery ?? ''}"`);
		return undefined;
	}
	return {until: until as Until, intervalMs, deadlineMs, fullEvery};
}

async function run(options: WatchCliOptions): Promise<void> {
	const parsed = parse(options);
	if (parsed === undefined) return;
	const {wantsLiveCollection, liveCollectOptions, progressLine} = await import('./collect.js');
	if (!wantsLiveCollection(options)) {
		usage('give --inventory FILE (SSH/kubectl/local nodes) or --kube-context NAME');
		return;
	}
	const started = Date.now();
	const prepared = await liveCollectOptions(options, usage);
	if (prepared === undefined) return;
	const [{prepareLiveCollection, LiveCollectError}, {InventoryError}, {WatchEngine}, interrupt] =
		await Promise.all([
			import('../../session/live.js'),
			import('../../session/inventory.js'),
			import('../../session/watch.js'),
			import('../interrupt.js'),
		]);
	const out = (line: string): void => {
		process.stdout.write(`${line}\n`);
	};
	const progress = {done: 0, total: 0};
	const controller = new AbortController();
	let collect;
	try {
		collect = await prepareLiveCollection(
			prepared.options,
			event => {
				if (event.type !== 'log') return;
				const line = progressLine(event, progress);
				if (line !== undefined) process.stderr.write(`${line}\n`);
			},
			controller.signal,
		);
	} catch (error) {
		if (error instanceof LiveCollectError || error instanceof InventoryError) {
			usage(error.message);
			return;
		}
		throw error;
	}
	const engine = new WatchEngine({
		collect,
		intervalMs: parsed.intervalMs,
		...(parsed.fullEvery === undefined ? {} : {fullEvery: parsed.fullEvery}),
	});
	if (options.bell === true) {
		const {transitionBell} = await import('../bell.js');
		engine.subscribe(
			transitionBell(text => {
				process.stderr.write(text);
			}),
		);
	}
	let last: WatchRound | undefined;
	let outcome: 'met' | 'deadline' | 'interrupted' | undefined;
	const finish = (how: 'met' | 'deadline' | 'interrupted'): void => {
		if (outcome !== undefined) return;
		outcome = how;
		void engine.stop();
	};
	engine.subscribe((event: WatchEvent) => {
		if (outcome !== undefined) return;
		if (event.type === 'error') {
			process.stderr.write(`dvrscope watch: round failed: ${event.message}\n`);
			return;
		}
		last = event.round;
		if (options.ndjson === true)
			for (const object of roundJson(event.round, event.rows)) out(JSON.stringify(object));
		else for (const line of roundText(event.round, event.rows)) out(line);
		if (conditionMet(parsed.until, event.round, event.rows)) finish('met');
	});
	const deadline =
		parsed.deadlineMs === undefined
			? undefined
			: setTimeout(
					() => {
						finish('deadline');
					},
					Math.max(0, started + parsed.deadlineMs - Date.now()),
				);
	interrupt.setInterruptHandler(() => {
		finish('interrupted');
	});
	try {
		await engine.start();
	} finally {
		clearTimeout(deadline);
		interrupt.setInterruptHandler(undefined);
	}
	report(outcome ?? 'interrupted', parsed, last, options);
}

/** The closing line (stderr; also an `end` object on stdout with --ndjson) and the exit code. */
function report(
	outcome: 'met' | 'deadline' | 'interrupted',
	parsed: Parsed,
	last: WatchRound | undefined,
	options: WatchCliOptions,
): void {
	const verdict =
		last === undefined
			? 'no round finished'
			: `last verdict ${last.verdict.toUpperCase()} (round ${last.round}, ${last.critical} critical, ${last.warning} warning)`;
	const line =
		outcome === 'met'
			? `condition "until ${parsed.until}" met — ${verdict}`
			: outcome === 'deadline'
				? `deadline ${options.deadline ?? ''} passed: condition "until ${parsed.until}" not met — ${verdict}`
				: `interrupted (Ctrl-C) — ${verdict}`;
	if (options.ndjson === true)
		process.stdout.write(
			`${JSON.stringify({type: 'end', outcome, until: parsed.until, message: line, ...(last === undefined ? {} : {verdict: last.verdict, round: last.round})})}\n`,
		);
	process.stderr.write(`dvrscope watch: ${line}\n`);
	process.exitCode = WATCH_EXIT[outcome];
}

/** `dvrscope watch`: rounds until a condition holds, for runbooks. */
export function register(program: Command): void {
	addLiveCollectionOptions(
		program
			.command('watch')
			.description(
				'Watch a failover live: probe rounds with the diagnosis every round, until a condition holds (healthy, critical, change) or a deadline passes.',
			),
	)
		.option('--interval <duration>', 'time from one round to the next (default 2s)')
		.option('--until <condition>', 'healthy | critical | change (default change)')
		.option(
			'--deadline <duration>',
			'give up after this long, first collection included (exit 124)',
		)
		.option('--full-every <n>', 'a full collection every n rounds (default 30)')
		.option('--bell', 'ring the terminal bell (on stderr) on each transition row')
		.option('--ndjson', 'one JSON object per round, change and verdict transition (docs/watch.md)')
		.addHelpText('after', HELP_AFTER)
		.action(async (options: WatchCliOptions) => {
			await run(options);
		});
}
