import type {FailureKind} from '../model/capture.js';

/** What to run. Always argv, never a shell string: transports do the quoting (src/model/quote.ts). */
export type CommandSpec = {
	readonly argv: readonly [string, ...string[]];
	readonly timeoutMs?: number;
	/** For kubectl: which pod class / container answers this command (see the catalog). */
	readonly podClass?: string;
	/** Cap on stored stdout bytes; the rest is dropped and `truncated` set. */
	readonly maxBytes?: number;
};

export type TransportFailure = {
	readonly kind: FailureKind;
	readonly message: string;
	readonly afterMs?: number;
	/** Finer cause within `kind`, e.g. kubectl's `pod-not-found`, `forbidden`, `no-context`. */
	readonly reason?: string;
};

/** Outcome of one command. Non-zero exit is data, not an exception (cf. execa `reject: false`). */
export type CommandResult = {
	readonly target: string;
	readonly argv: readonly string[];
	readonly stdout: string;
	readonly stderr: string;
	/** `null` when the command never finished (then `failure` is set). */
	readonly exitCode: number | null;
	readonly startedAt: string;
	readonly durationMs: number;
	readonly truncated?: boolean;
	readonly failure?: TransportFailure;
	/** kubectl: the pod and container that ran the command (found by label + node). */
	readonly pod?: {readonly namespace: string; readonly name: string; readonly container: string};
};

/** One way to reach one node. `exec` never throws for a bad exit, timeout, cancel or unreachable host. */
export type Transport = {
	readonly id: string;
	/** `ssh`, `kubectl`, `local`. */
	readonly kind: string;
	exec(spec: CommandSpec, options: {readonly signal: AbortSignal}): Promise<CommandResult>;
	close(): Promise<void>;
};
