/**
 * FAKE transport for session tests (no network, no processes): answers catalog commands from a
 * per-node script, with delays and failures, and records every argv it was asked to run. The
 * batched `sh -c` entries are answered by emulating their marker protocol (the real scripts run
 * against a real sshd in test/session/collect-ssh.test.ts and in bench/fanout.ts).
 */
import type {
	CommandResult,
	CommandSpec,
	Transport,
	TransportFailure,
} from '../../src/transport/types.js';
import {catalogEntries, ITEM} from '../../src/collectors/catalog.js';

export type FakeNodeScript = {
	readonly namespaces?: readonly string[];
	readonly bridges?: readonly string[];
	/** Failure of connect(), e.g. {kind: 'auth', …}. */
	readonly connectFailure?: TransportFailure;
	/** Delay of each command in ms (real timers). */
	readonly delayMs?: number;
	/** Catalog ids (entries or section parts, e.g. `ovs.flows`) whose command never answers. */
	readonly hang?: readonly string[];
	/** Per-item command output by its argv joined with spaces (after item substitution). */
	readonly outputs?: Readonly<Record<string, string>>;
	/** ha_confs files: path → content. */
	readonly haFiles?: Readonly<Record<string, string>>;
	/** Every command fails at once with this (a node that stopped answering). */
	readonly down?: TransportFailure;
};

export class FakeTransport implements Transport {
	readonly kind = 'fake';
	readonly executed: (readonly string[])[] = [];
	closed = false;
	private readonly pending = new Set<() => void>();

	constructor(
		readonly id: string,
		private readonly script: FakeNodeScript,
	) {}

	connect(): Promise<TransportFailure | undefined> {
		return Promise.resolve(this.script.connectFailure);
	}

	async exec(spec: CommandSpec, {signal}: {readonly signal: AbortSignal}): Promise<CommandResult> {
		this.executed.push(spec.argv);
		const startedAt = new Date().toISOString();
		const started = Date.now();
		const base = {target: this.id, argv: spec.argv, startedAt};
		if (this.script.down !== undefined)
			return {
				target: this.id,
				argv: spec.argv,
				startedAt,
				stdout: '',
				stderr: '',
				exitCode: null,
				durationMs: 0,
				failure: this.script.down,
			};
		const answer = this.answer(spec.argv);
		const hang = answer === 'hang';
		const wait = hang ? 24 * 3600 * 1000 : (this.script.delayMs ?? 0);
		const outcome = await new Promise<'done' | 'cancelled' | 'timeout'>(resolve => {
			const timer = setTimeout(() => finish('done'), wait);
			const limit = setTimeout(() => finish('timeout'), spec.timeoutMs ?? 60_000);
			const onAbort = (): void => finish('cancelled');
			const finish = (how: 'done' | 'cancelled' | 'timeout'): void => {
				clearTimeout(timer);
				clearTimeout(limit);
				signal.removeEventListener('abort', onAbort);
				this.pending.delete(onAbort);
				resolve(how);
			};
			if (signal.aborted) finish('cancelled');
			signal.addEventListener('abort', onAbort, {once: true});
			this.pending.add(onAbort);
		});
		const durationMs = Date.now() - started;
		if (outcome !== 'done' || answer === 'hang') {
			return {
				...base,
				stdout: '',
				stderr: '',
				exitCode: null,
				durationMs,
				failure: {kind: outcome === 'done' ? 'timeout' : outcome, message: `fake ${outcome}`},
			};
		}
		return {...base, ...answer, durationMs};
	}

	close(): Promise<void> {
		this.closed = true;
		for (const abort of [...this.pending]) abort();
		return Promise.resolve();
	}

	private answer(
		argv: readonly string[],
	): {stdout: string; stderr: string; exitCode: number} | 'hang' {
		const script = this.script;
		const joined = argv.join(' ');
		const entry = catalogEntries.find(e =>
			e.argv.every((t, i) => typeof t !== 'string' || t === argv[i]),
		);
		if (entry && script.hang?.includes(entry.id)) return 'hang';
		// a fold hangs when one of the single reads it runs hangs
		if (
			entry?.sections !== undefined &&
			'parts' in entry.sections &&
			entry.sections.parts.some(p => p.once === true && script.hang?.includes(p.catalogId))
		)
			return 'hang';
		if (joined === 'ip -j netns list') {
			const names = script.namespaces ?? [];
			return {
				stdout: names.length === 0 ? '' : JSON.stringify(names.map(name => ({name}))),
				stderr: '',
				exitCode: 0,
			};
		}
		if (joined === 'ovs-vsctl -t 5 list-br') {
			return {stdout: (script.bridges ?? []).map(b => `${b}\n`).join(''), stderr: '', exitCode: 0};
		}
		if (argv[0] === 'sh' && argv[1] === '-c' && entry?.sections) {
			const nonce = argv[4] ?? '';
			const m = (...words: string[]): string => `\n@@dvrscope ${words.join(' ')}\n`;
			let out = '';
			if ('parts' in entry.sections) {
				// the watch probe (parts and files) takes the ha_confs path before its items
				const files = 'files' in entry.sections;
				// single reads folded into the batch run once, before the items
				for (const part of entry.sections.parts) {
					if (part.once !== true) continue;
					const body = script.outputs?.[part.argv.join(' ')] ?? '';
					out += m(nonce, 'begin', part.name) + body + m(nonce, 'end', part.name, '0');
				}
				// a fold of the L3-HA files reads them all; the watch probe only the state files
				if (files && entry.phase !== 'probe')
					for (const [path, body] of Object.entries(script.haFiles ?? {}))
						out += m(nonce, 'begin', 'file', path) + body + m(nonce, 'end', 'file', path, '0');
				for (const item of argv.slice(files ? 6 : 5)) {
					for (const part of entry.sections.parts) {
						if (part.once === true) continue;
						const command = part.argv.map(w => (w === ITEM ? item : w)).join(' ');
						if (script.hang?.includes(part.catalogId)) return 'hang';
						const body = script.outputs?.[command] ?? '';
						out +=
							m(nonce, 'begin', part.name, item) + body + m(nonce, 'end', part.name, item, '0');
					}
				}
				if (files && entry.phase === 'probe')
					for (const [path, body] of Object.entries(script.haFiles ?? {}))
						if (path.endsWith('/state'))
							out += m(nonce, 'begin', 'file', path) + body + m(nonce, 'end', 'file', path, '0');
			} else {
				for (const [path, body] of Object.entries(script.haFiles ?? {})) {
					out += m(nonce, 'begin', 'file', path) + body + m(nonce, 'end', 'file', path, '0');
				}
			}
			return {stdout: out, stderr: '', exitCode: 0};
		}
		return {stdout: script.outputs?.[joined] ?? '', stderr: '', exitCode: 0};
	}
}
