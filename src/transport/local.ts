/**
 * Local transport: dvrscope running on the node itself (or the `openstack` CLI on the operator's
 * machine for cloud-scope entries). execa with `reject: false`: a non-zero exit is data.
 */
import {execa} from 'execa';
import type {CommandResult, CommandSpec, Transport, TransportFailure} from './types.js';

export type LocalTransportOptions = {
	readonly id: string;
	readonly commandTimeoutMs?: number;
	/** Extra environment (e.g. `OS_CLOUD`); merged over the process environment. */
	readonly env?: Readonly<Record<string, string>>;
	readonly cwd?: string;
};

export class LocalTransport implements Transport {
	readonly kind = 'local';
	readonly id: string;
	private readonly options: LocalTransportOptions;
	private readonly running = new Set<AbortController>();

	constructor(options: LocalTransportOptions) {
		this.options = options;
		this.id = options.id;
	}

	connect(): Promise<TransportFailure | undefined> {
		return Promise.resolve(undefined);
	}

	async exec(spec: CommandSpec, {signal}: {readonly signal: AbortSignal}): Promise<CommandResult> {
		const started = Date.now();
		const startedAt = new Date(started).toISOString();
		const base = {target: this.id, argv: spec.argv, startedAt};
		if (signal.aborted) {
			return {
				...base,
				stdout: '',
				stderr: '',
				exitCode: null,
				durationMs: 0,
				failure: {kind: 'cancelled', message: 'cancelled before start'},
			};
		}
		const controller = new AbortController();
		const onAbort = (): void => {
			controller.abort();
		};
		signal.addEventListener('abort', onAbort, {once: true});
		this.running.add(controller);
		const timeout = spec.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
		const [file, ...args] = spec.argv;
		try {
			const child = await execa(file, args, {
				reject: false,
				timeout,
				cancelSignal: controller.signal,
				forceKillAfterDelay: 2000,
				stdin: 'ignore',
				encoding: 'buffer',
				stripFinalNewline: false,
				...(this.options.env ? {env: this.options.env} : {}),
				...(this.options.cwd ? {cwd: this.options.cwd} : {}),
				...(spec.maxBytes === undefined ? {} : {maxBuffer: {stdout: spec.maxBytes}}),
			});
			const durationMs = Date.now() - started;
			const stdout = Buffer.from(child.stdout).toString('utf8');
			const stderr = Buffer.from(child.stderr).toString('utf8');
			let failure: TransportFailure | undefined;
			if (child.timedOut) {
				failure = {
					kind: 'timeout',
					message: `no answer within ${Math.round(timeout / 1000)} s`,
					afterMs: durationMs,
				};
			} else if (child.isCanceled) {
				failure = {kind: 'cancelled', message: 'cancelled', afterMs: durationMs};
			} else if (child.code === 'ENOENT' || child.code === 'EACCES') {
				failure = {
					kind: 'spawn',
					message: `${file}: ${child.code === 'ENOENT' ? 'command not found' : 'permission denied'}`,
				};
			} else if (child.isMaxBuffer) {
				return {
					...base,
					stdout,
					stderr,
					exitCode: child.exitCode ?? null,
					durationMs,
					truncated: true,
				};
			}
			return failure
				? {...base, stdout, stderr, exitCode: null, durationMs, failure}
				: {...base, stdout, stderr, exitCode: child.exitCode ?? null, durationMs};
		} finally {
			signal.removeEventListener('abort', onAbort);
			this.running.delete(controller);
		}
	}

	close(): Promise<void> {
		for (const controller of this.running) controller.abort();
		return Promise.resolve();
	}
}

export function createLocalTransport(options: LocalTransportOptions): LocalTransport {
	return new LocalTransport(options);
}
