/**
 * A real terminal for end-to-end tests: one tmux session on a socket of its own (nothing else
 * the user runs in tmux is touched), started at a fixed size, driven by keys, read back with
 * capture-pane. Waits are for screen content, polled, with a generous give-up deadline: no
 * wall-clock assertion, so the tests pass on a loaded machine.
 *
 *   const term = tmuxSession('my-test');
 *   term.startCli(80, 24, ['--sample']);          // the BUILT dvrscope, NO_COLOR
 *   await term.waitFor(s => s.includes('CRITICAL'), 'the verdict');
 *   term.send('Enter'); term.type('flows');
 *   afterEach(term.kill); afterAll(term.killServer);
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {expect} from 'vitest';

/** The repository root (the built CLI is dist/cli/main.js under it). */
export const root = path.resolve(import.meta.dirname, '..', '..');

/** Whether tmux is installed (suites skip without it). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export type TmuxSession = {
	/** Any tmux command on this session's socket (`show-buffer`, `resize-window -t <session>` …). */
	readonly run: (...args: string[]) => string;
	/** The session's name, for commands that take `-t`. */
	readonly session: string;
	/**
	 * Starts the session at `columns`×`rows` running `command` (a shell line) in the repository
	 * root with `env` set, CI unset and NO_COLOR=1; when it ends the pane shows `EXITED=<code>`
	 * and stays open.
	 */
	readonly start: (
		columns: number,
		rows: number,
		command: string,
		env?: Readonly<Record<string, string>>,
	) => void;
	/** {@link start} with the built CLI: `node dist/cli/main.js <args>` (args are shell words). */
	readonly startCli: (
		columns: number,
		rows: number,
		args?: readonly string[],
		env?: Readonly<Record<string, string>>,
	) => void;
	/** Keys as tmux names them (`Enter`, `Escape`, `C-c`, `q`). */
	readonly send: (...keys: string[]) => void;
	/** Text typed literally. */
	readonly type: (text: string) => void;
	/** The pane as text. */
	readonly screen: () => string;
	/**
	 * Polls the pane until `predicate` holds and returns it; after `limitMs` (default: the
	 * session's) throws with `what` and the last screen.
	 */
	readonly waitFor: (
		predicate: (screen: string) => boolean,
		what: string,
		limitMs?: number,
	) => Promise<string>;
	/** Ends the session (afterEach); never throws. */
	readonly kill: () => void;
	/** Ends the socket's server (afterAll); never throws. */
	readonly killServer: () => void;
};

/**
 * A tmux session `name` on the socket `dvrscope-<name>-<pid>`. `waitMs`: how long waitFor polls
 * before giving up (a failure path only: a passing wait returns as soon as the screen shows it).
 */
export function tmuxSession(name: string, {waitMs = 60_000} = {}): TmuxSession {
	const socket = `dvrscope-${name}-${process.pid}`;
	const session = name;
	const run = (...args: string[]): string =>
		execFileSync('tmux', ['-L', socket, ...args], {encoding: 'utf8'});
	const screen = (): string => run('capture-pane', '-p', '-t', session);
	const start: TmuxSession['start'] = (columns, rows, command, env = {}) => {
		const vars = Object.entries(env)
			.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
			.join(' ');
		const line = `cd ${JSON.stringify(root)} && env -u CI NO_COLOR=1 ${vars} ${command}; echo "EXITED=$?"; sleep 600`;
		// The previous session's kill-session ends this socket's server when it was the last one;
		// a new-session that reaches that server while it exits fails with "server exited
		// unexpectedly" (seen on a loaded machine). Then try again on a fresh server.
		for (let attempt = 1; ; attempt++)
			try {
				run('new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), line);
				return;
			} catch (error) {
				if (attempt >= 5 || !String(error).includes('server exited unexpectedly')) throw error;
				Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200 * attempt);
			}
	};
	return {
		run,
		session,
		start,
		startCli: (columns, rows, args = [], env = {}) => {
			start(columns, rows, `node dist/cli/main.js ${args.join(' ')}`, env);
		},
		send: (...keys) => {
			run('send-keys', '-t', session, ...keys);
		},
		type: text => {
			run('send-keys', '-t', session, '-l', text);
		},
		screen,
		waitFor: async (predicate, what, limitMs = waitMs) => {
			const started = Date.now();
			let last = '';
			while (Date.now() - started < limitMs) {
				last = screen();
				if (predicate(last)) return last;
				await new Promise(resolve => setTimeout(resolve, 100));
			}
			throw new Error(`tmux pane never showed ${what}. Last screen:\n${last}`);
		},
		kill: () => {
			spawnSync('tmux', ['-L', socket, 'kill-session', '-t', session]);
		},
		killServer: () => {
			spawnSync('tmux', ['-L', socket, 'kill-server']);
		},
	};
}

/**
 * Builds dist/ when it is missing or older than src/ (the step `npm test` runs first) and checks
 * the CLI entry point is there. tsc still emits when some other file has a type error (npm test
 * type-checks first): what an e2e test needs is the built entry point.
 */
export function ensureBuiltCli(): void {
	const built = spawnSync('node', ['scripts/ensure-setup.mjs', '--build'], {
		cwd: root,
		encoding: 'utf8',
	});
	if (built.status !== 0) console.warn(`build reported problems:\n${built.stderr}`);
	expect(existsSync(path.join(root, 'dist/cli/main.js')), built.stderr).toBe(true);
}
