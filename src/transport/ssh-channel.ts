/**
 * One command on an open SSH connection: a channel slot (at most `maxChannels` at once), the
 * command's output (stdout capped at `maxBytes`), its exit status, and how it ends — exit, timeout,
 * cancel or a lost connection — always as a value. On timeout or cancel the promise settles first,
 * then the channel is closed.
 */
import os from 'node:os';
import type {Client as ClientType, ClientChannel} from 'ssh2';
import type {CommandResult, TransportFailure} from './types.js';
import {failure} from './ssh-connect.js';

type Client = ClientType;

/** Counting semaphore whose waiters leave the queue when their signal aborts. */
export class Slots {
	private free: number;
	private readonly waiters: (() => void)[] = [];
	constructor(size: number) {
		this.free = size;
	}
	async acquire(signal: AbortSignal): Promise<boolean> {
		if (signal.aborted) return false;
		if (this.free > 0) {
			this.free--;
			return true;
		}
		return new Promise(resolve => {
			const wake = (): void => {
				signal.removeEventListener('abort', onAbort);
				resolve(true);
			};
			const onAbort = (): void => {
				const index = this.waiters.indexOf(wake);
				if (index !== -1) this.waiters.splice(index, 1);
				resolve(false);
			};
			this.waiters.push(wake);
			signal.addEventListener('abort', onAbort, {once: true});
		});
	}
	release(): void {
		const next = this.waiters.shift();
		if (next) next();
		else this.free++;
	}
}

/** The result's fields a command's end decides (the rest: target, argv, times). */
export type ResultFields = Pick<CommandResult, 'stdout' | 'stderr' | 'exitCode'> &
	Partial<Pick<CommandResult, 'failure' | 'truncated'>>;

export type ChannelCommandOptions = {
	readonly client: Client;
	/** The command line (argv already quoted). */
	readonly command: string;
	readonly timeoutMs: number;
	readonly maxBytes: number;
	readonly signal: AbortSignal;
	/** When the exec began (Date.now()), for `afterMs`. */
	readonly started: number;
	/** The node, for the lost-connection message. */
	readonly node: string;
	/** The slot this command holds: released once, when the channel closes (or 2 s after). */
	readonly slots: Slots;
	/** Called back when the connection is lost: the command is in it while it runs. */
	readonly open: Set<() => void>;
	/** Builds the CommandResult from the fields the end decides. */
	readonly result: (fields: ResultFields) => CommandResult;
};

/** One command's run on a channel; {@link ChannelCommand.run} resolves once, never rejects. */
export class ChannelCommand {
	private readonly out: Buffer[] = [];
	private readonly err: Buffer[] = [];
	private outBytes = 0;
	private truncated = false;
	private exitCode: number | null = null;
	private gotExit = false;
	private stream: ClientChannel | undefined;
	private settled = false;
	private released = false;
	private timer: NodeJS.Timeout | undefined;
	private resolve: (value: CommandResult) => void = () => undefined;

	constructor(private readonly options: ChannelCommandOptions) {}

	run(): Promise<CommandResult> {
		const {options} = this;
		return new Promise<CommandResult>(resolve => {
			this.resolve = resolve;
			this.timer = setTimeout(() => {
				this.abandon(
					failure(
						'timeout',
						`no answer within ${Math.round(options.timeoutMs / 1000)} s`,
						options.timeoutMs,
					),
				);
			}, options.timeoutMs);
			options.signal.addEventListener('abort', this.onAbort, {once: true});
			options.open.add(this.onLost);
			try {
				options.client.exec(options.command, (error, channel) => {
					this.onChannel(error, channel);
				});
			} catch (error) {
				this.settle(this.fail(failure('unreachable', `cannot run: ${(error as Error).message}`)));
				this.release();
			}
		});
	}

	private release(): void {
		if (this.released) return;
		this.released = true;
		this.options.slots.release();
	}

	private text(chunks: Buffer[]): string {
		return Buffer.concat(chunks).toString('utf8');
	}

	private fail(f: TransportFailure, stdout = '', stderr = ''): CommandResult {
		return this.options.result({stdout, stderr, exitCode: null, failure: f});
	}

	private settle(value: CommandResult): void {
		if (this.settled) return;
		this.settled = true;
		clearTimeout(this.timer);
		this.options.signal.removeEventListener('abort', this.onAbort);
		this.options.open.delete(this.onLost);
		this.resolve(value);
	}

	/** Settle first, then close the channel; the slot frees on close (or after 2 s). */
	private abandon(f: TransportFailure): void {
		this.settle(this.fail(f, this.text(this.out), this.text(this.err)));
		if (this.stream) {
			try {
				this.stream.signal('KILL');
			} catch {
				// The channel may already be gone.
			}
			this.stream.close();
			setTimeout(() => {
				this.release();
			}, 2000).unref();
		} else this.release();
	}

	private readonly onAbort = (): void => {
		this.abandon(failure('cancelled', 'cancelled', Date.now() - this.options.started));
	};

	private readonly onLost = (): void => {
		this.settle(
			this.fail(
				failure(
					'unreachable',
					`connection to ${this.options.node} lost before the command finished`,
					Date.now() - this.options.started,
				),
				this.text(this.out),
				this.text(this.err),
			),
		);
		this.release();
	};

	private onChannel(error: Error | undefined, channel: ClientChannel): void {
		if (error) {
			this.settle(this.fail(failure('unreachable', `cannot open a channel: ${error.message}`)));
			this.release();
			return;
		}
		this.stream = channel;
		if (this.settled) {
			channel.close();
			setTimeout(() => {
				this.release();
			}, 2000).unref();
			return;
		}
		channel.on('data', (chunk: Buffer) => {
			this.onStdout(chunk);
		});
		channel.stderr.on('data', (chunk: Buffer) => this.err.push(chunk));
		channel.on('exit', (code: number | null, signalName?: string) => {
			this.gotExit = true;
			if (typeof code === 'number') this.exitCode = code;
			else if (signalName !== undefined) {
				const number = (os.constants.signals as Record<string, number | undefined>)[
					`SIG${signalName}`
				];
				this.exitCode = 128 + (number ?? 0);
			}
		});
		channel.on('close', () => {
			this.onClose();
		});
	}

	/** Keep stdout up to `maxBytes`; past it, mark the result truncated. */
	private onStdout(chunk: Buffer): void {
		const {maxBytes} = this.options;
		if (this.outBytes + chunk.length > maxBytes) {
			const room = Math.max(0, maxBytes - this.outBytes);
			if (room > 0) this.out.push(chunk.subarray(0, room));
			this.outBytes += room;
			this.truncated = true;
		} else {
			this.out.push(chunk);
			this.outBytes += chunk.length;
		}
	}

	private onClose(): void {
		this.release();
		if (this.settled) return;
		if (!this.gotExit) {
			this.onLost();
			return;
		}
		this.settle(
			this.options.result({
				stdout: this.text(this.out),
				stderr: this.text(this.err),
				exitCode: this.exitCode,
				...(this.truncated ? {truncated: this.truncated} : {}),
			}),
		);
	}
}
