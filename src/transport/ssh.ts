/**
 * SSH transport (ssh2): one connection per node, at most `maxChannels` commands at once on it.
 *
 * Safety: the server's host key is checked against known_hosts on every connection (plain and
 * hashed entries, `[host]:port`); an unknown key is refused with its fingerprint unless
 * `acceptNew` (then it is recorded), a changed or revoked key is always refused. Commands are argv,
 * turned into one string only by {@link shellQuote}.
 *
 * Failures are values: `exec` never throws for an unreachable host, a refused key, failed auth, a
 * timeout or a cancel. On timeout or cancel the promise settles first, then the channel is closed.
 */
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ssh2, {
	type AgentAuthMethod,
	type Client as ClientType,
	type ClientChannel,
	type ConnectConfig,
	type PublicKeyAuthMethod,
} from 'ssh2';
import type {FailureKind} from '../model/capture.js';

// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
const {Client, utils} = ssh2;
type Client = ClientType;
import type {CommandResult, CommandSpec, Transport, TransportFailure} from './types.js';
import {
	checkHostKey,
	fingerprint,
	keyTypeOf,
	knownHostName,
	knownKeyTypes,
	loadKnownHosts,
	recordHostKey,
	type KnownHosts,
} from './known-hosts.js';
import {shellQuote} from '../model/quote.js';
import {
	parseDestination,
	resolveHost,
	type ResolvedHost,
	type SshConfigFile,
} from './ssh-config.js';

export type SshTransportOptions = {
	/** Node id (the transport's `id`, and the `target` of its results). */
	readonly id: string;
	/** Host alias or address, looked up in the SSH config like `ssh HOST`. */
	readonly host: string;
	readonly port?: number;
	readonly user?: string;
	/** Identity files tried after the agent, before the config's and the default ones. */
	readonly identityFiles?: readonly string[];
	/** Parsed SSH config (see loadSshConfig); absent: none. */
	readonly sshConfig?: SshConfigFile;
	/** known_hosts file; default `~/.ssh/known_hosts`. */
	readonly knownHostsFile?: string;
	/** Trust a host seen for the first time and record its key (OpenSSH `accept-new`). */
	readonly acceptNew?: boolean;
	/** Agent socket; default `$SSH_AUTH_SOCK`; `false` disables the agent. */
	readonly agent?: string | false;
	readonly connectTimeoutMs?: number;
	/** Default per-command timeout when the spec has none. */
	readonly commandTimeoutMs?: number;
	/** Channels open at once on the connection (OpenSSH MaxSessions defaults to 10). */
	readonly maxChannels?: number;
	readonly keepaliveIntervalMs?: number;
};

export const SSH_DEFAULTS = {
	connectTimeoutMs: 10_000,
	commandTimeoutMs: 60_000,
	maxChannels: 4,
	keepaliveIntervalMs: 15_000,
} as const;

/** A failure while connecting, carried as a value through the internal promise chain. */
class ConnectFailure extends Error {
	constructor(readonly failure: TransportFailure) {
		super(failure.message);
	}
}

const failure = (kind: FailureKind, message: string, afterMs?: number): TransportFailure => ({
	kind,
	message,
	...(afterMs === undefined ? {} : {afterMs}),
});

type Connection = {readonly client: Client; readonly hops: readonly Client[]};

/** Counting semaphore whose waiters leave the queue when their signal aborts. */
class Slots {
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

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Keys usable without a passphrase, in order; unreadable default keys are skipped quietly. */
async function loadIdentities(
	files: readonly string[],
	useDefaults: boolean,
): Promise<{keys: {file: string; key: Buffer}[]; notes: string[]}> {
	const keys: {file: string; key: Buffer}[] = [];
	const notes: string[] = [];
	const defaults = useDefaults
		? DEFAULT_IDENTITIES.map(name => path.join(os.homedir(), '.ssh', name))
		: [];
	const seen = new Set<string>();
	for (const file of [...files, ...defaults]) {
		if (seen.has(file)) continue;
		seen.add(file);
		const explicit = !defaults.includes(file);
		let data: Buffer;
		try {
			data = await readFile(file);
		} catch (error) {
			if (explicit) notes.push(`${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
			continue;
		}
		const parsed = utils.parseKey(data);
		if (parsed instanceof Error) {
			notes.push(`${file}: ${parsed.message}`);
			continue;
		}
		keys.push({file, key: data});
	}
	return {keys, notes};
}

export class SshTransport implements Transport {
	readonly kind = 'ssh';
	readonly id: string;
	private readonly options: SshTransportOptions;
	private connecting: Promise<Connection> | undefined;
	private connection: Connection | undefined;
	private readonly slots: Slots;
	private knownHosts: KnownHosts | undefined;
	private readonly open = new Set<() => void>();
	/** Clients still in their handshake: destroyed by close() so it never waits for a timeout. */
	private readonly handshaking = new Set<Client>();
	private closed = false;

	constructor(options: SshTransportOptions) {
		this.options = options;
		this.id = options.id;
		this.slots = new Slots(options.maxChannels ?? SSH_DEFAULTS.maxChannels);
	}

	/** Where this transport connects, after the SSH config: for messages and the manifest. */
	describe(): string {
		const resolved = this.resolve(this.options.host, {
			...(this.options.user === undefined ? {} : {user: this.options.user}),
			...(this.options.port === undefined ? {} : {port: this.options.port}),
		});
		return `${resolved.user}@${knownHostName(resolved.hostName, resolved.port)}`;
	}

	/** Connect now (else the first exec does). Resolves to the failure, or undefined when up. */
	async connect(signal: AbortSignal): Promise<TransportFailure | undefined> {
		try {
			await this.ensure(signal);
			return undefined;
		} catch (error) {
			if (error instanceof ConnectFailure) return error.failure;
			return failure('unreachable', (error as Error).message);
		}
	}

	async exec(spec: CommandSpec, {signal}: {readonly signal: AbortSignal}): Promise<CommandResult> {
		const started = Date.now();
		const startedAt = new Date(started).toISOString();
		const result = (
			fields: Pick<CommandResult, 'stdout' | 'stderr' | 'exitCode'> &
				Partial<Pick<CommandResult, 'failure' | 'truncated'>>,
		): CommandResult => ({
			target: this.id,
			argv: spec.argv,
			startedAt,
			durationMs: Date.now() - started,
			...fields,
		});
		const fail = (f: TransportFailure, stdout = '', stderr = ''): CommandResult =>
			result({stdout, stderr, exitCode: null, failure: f});
		if (signal.aborted || this.closed) return fail(failure('cancelled', 'cancelled before start'));

		let connection: Connection;
		try {
			connection = await this.ensure(signal);
		} catch (error) {
			return fail(
				error instanceof ConnectFailure
					? error.failure
					: failure('unreachable', (error as Error).message),
			);
		}
		if (isAborted(signal)) return fail(failure('cancelled', 'cancelled before start'));
		if (!(await this.slots.acquire(signal)))
			return fail(failure('cancelled', 'cancelled while waiting for a channel'));

		const timeoutMs =
			spec.timeoutMs ?? this.options.commandTimeoutMs ?? SSH_DEFAULTS.commandTimeoutMs;
		const maxBytes = spec.maxBytes ?? Number.POSITIVE_INFINITY;
		return new Promise<CommandResult>(resolve => {
			const out: Buffer[] = [];
			const err: Buffer[] = [];
			let outBytes = 0;
			let truncated = false;
			let exitCode: number | null = null;
			let gotExit = false;
			let stream: ClientChannel | undefined;
			let settled = false;
			let released = false;
			const release = (): void => {
				if (released) return;
				released = true;
				this.slots.release();
			};
			const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8');
			const settle = (value: CommandResult): void => {
				if (settled) return;
				settled = true;
				clearTimeout(timer);
				signal.removeEventListener('abort', onAbort);
				this.open.delete(onLost);
				resolve(value);
			};
			/** Settle first, then close the channel; the slot frees on close (or after 2 s). */
			const abandon = (f: TransportFailure): void => {
				settle(fail(f, text(out), text(err)));
				if (stream) {
					try {
						stream.signal('KILL');
					} catch {
						// The channel may already be gone.
					}
					stream.close();
					setTimeout(release, 2000).unref();
				} else release();
			};
			const onAbort = (): void => {
				abandon(failure('cancelled', 'cancelled', Date.now() - started));
			};
			const onLost = (): void => {
				settle(
					fail(
						failure(
							'unreachable',
							`connection to ${this.id} lost before the command finished`,
							Date.now() - started,
						),
						text(out),
						text(err),
					),
				);
				release();
			};
			const timer = setTimeout(() => {
				abandon(
					failure('timeout', `no answer within ${Math.round(timeoutMs / 1000)} s`, timeoutMs),
				);
			}, timeoutMs);
			signal.addEventListener('abort', onAbort, {once: true});
			this.open.add(onLost);
			try {
				connection.client.exec(shellQuote(spec.argv), (error, channel) => {
					if (error) {
						settle(fail(failure('unreachable', `cannot open a channel: ${error.message}`)));
						release();
						return;
					}
					stream = channel;
					if (settled) {
						channel.close();
						setTimeout(release, 2000).unref();
						return;
					}
					channel.on('data', (chunk: Buffer) => {
						if (outBytes + chunk.length > maxBytes) {
							const room = Math.max(0, maxBytes - outBytes);
							if (room > 0) out.push(chunk.subarray(0, room));
							outBytes += room;
							truncated = true;
						} else {
							out.push(chunk);
							outBytes += chunk.length;
						}
					});
					channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
					channel.on('exit', (code: number | null, signalName?: string) => {
						gotExit = true;
						if (typeof code === 'number') exitCode = code;
						else if (signalName !== undefined) {
							const number = (os.constants.signals as Record<string, number | undefined>)[
								`SIG${signalName}`
							];
							exitCode = 128 + (number ?? 0);
						}
					});
					channel.on('close', () => {
						release();
						if (settled) return;
						if (!gotExit) {
							onLost();
							return;
						}
						settle(
							result({
								stdout: text(out),
								stderr: text(err),
								exitCode,
								...(truncated ? {truncated} : {}),
							}),
						);
					});
				});
			} catch (error) {
				settle(fail(failure('unreachable', `cannot run: ${(error as Error).message}`)));
				release();
			}
		});
	}

	async close(): Promise<void> {
		this.closed = true;
		for (const lost of [...this.open]) lost();
		for (const client of [...this.handshaking]) client.destroy();
		const pending = this.connecting;
		this.connecting = undefined;
		const connection = this.connection ?? (await pending?.catch(() => undefined));
		this.connection = undefined;
		if (connection === undefined) return;
		await endAll([connection.client, ...connection.hops]);
	}

	// ─── connecting ─────────────────────────────────────────────────────────

	private resolve(
		alias: string,
		explicit: {user?: string; port?: number; identityFiles?: readonly string[]},
	): ResolvedHost {
		return resolveHost(this.options.sshConfig ?? {}, alias, explicit);
	}

	private async ensure(signal: AbortSignal): Promise<Connection> {
		if (this.connection) return this.connection;
		this.connecting ??= this.open_().then(
			connection => {
				this.connection = connection;
				connection.client.once('close', () => {
					if (this.connection === connection) {
						this.connection = undefined;
						this.connecting = undefined;
						for (const lost of [...this.open]) lost();
					}
				});
				return connection;
			},
			(error: unknown) => {
				this.connecting = undefined;
				throw error;
			},
		);
		return raceAbort(this.connecting, signal);
	}

	private async open_(): Promise<Connection> {
		const options = this.options;
		const target = this.resolve(options.host, {
			...(options.user === undefined ? {} : {user: options.user}),
			...(options.port === undefined ? {} : {port: options.port}),
			...(options.identityFiles === undefined ? {} : {identityFiles: options.identityFiles}),
		});
		this.knownHosts ??= await loadKnownHosts(
			options.knownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts'),
		);
		const hops: Client[] = [];
		let sock: ClientChannel | undefined;
		try {
			const chain = this.jumpChain(target.proxyJump, 0);
			for (const [index, {hop, resolved}] of chain.entries()) {
				const client = await this.connectOne(resolved, sock, `jump host ${hop}`);
				hops.push(client);
				const next = chain[index + 1]?.resolved ?? target;
				sock = await forward(client, next.hostName, next.port, resolved, hop);
			}
			const client = await this.connectOne(target, sock, options.host);
			return {client, hops};
		} catch (error) {
			await endAll(hops);
			throw error;
		}
	}

	/**
	 * The jump hosts in connection order. As with OpenSSH, the first hop is itself reached through
	 * its own ProxyJump (recursively); the later hops are reached through the earlier ones.
	 */
	private jumpChain(
		hops: readonly string[],
		depth: number,
	): {readonly hop: string; readonly resolved: ResolvedHost}[] {
		if (hops.length === 0) return [];
		if (depth > 8)
			throw new ConnectFailure(failure('unreachable', 'ProxyJump: more than 8 levels (a loop?)'));
		const explicit = this.options.identityFiles;
		const resolved = hops.map(hop => {
			const destination = parseDestination(hop);
			// Unlike `ssh -J`, a jump host is also offered the node's explicit identity files (the
			// inventory's), after its own config's.
			return {
				hop,
				resolved: this.resolve(destination.host, {
					...(destination.user === undefined ? {} : {user: destination.user}),
					...(destination.port === undefined ? {} : {port: destination.port}),
					...(explicit === undefined ? {} : {identityFiles: explicit}),
				}),
			};
		});
		return [...this.jumpChain(resolved[0]?.resolved.proxyJump ?? [], depth + 1), ...resolved];
	}

	private async connectOne(
		host: ResolvedHost,
		sock: ClientChannel | undefined,
		label: string,
	): Promise<Client> {
		const options = this.options;
		if (this.closed) throw new ConnectFailure(failure('cancelled', 'transport closed'));
		const known = this.knownHosts ?? {file: '', entries: []};
		const where = `${host.user}@${knownHostName(host.hostName, host.port)}`;
		const connectTimeoutMs = options.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs;
		const agent =
			options.agent === false ? undefined : (options.agent ?? process.env['SSH_AUTH_SOCK']);
		const {keys, notes} = await loadIdentities(host.identityFiles, host.identityFiles.length === 0);
		const auth: (AgentAuthMethod | PublicKeyAuthMethod)[] = [
			...(agent ? [{type: 'agent' as const, username: host.user, agent}] : []),
			...keys.map(k => ({type: 'publickey' as const, username: host.user, key: k.key})),
		];
		if (auth.length === 0) {
			throw new ConnectFailure(
				failure(
					'auth',
					`${where}: no SSH agent ($SSH_AUTH_SOCK unset) and no usable identity file${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
				),
			);
		}
		const preferred = knownKeyTypes(known, host.hostName, host.port);
		let refusal: TransportFailure | undefined;
		let record: Buffer | undefined;
		const started = Date.now();
		const client = new Client();
		this.handshaking.add(client);
		return new Promise<Client>((resolve, reject) => {
			let done = false;
			const finish = (error?: ConnectFailure): void => {
				if (done) return;
				done = true;
				clearTimeout(guard);
				this.handshaking.delete(client);
				if (error) {
					client.removeAllListeners('ready');
					client.on('error', () => undefined);
					client.destroy();
					reject(error);
				} else resolve(client);
			};
			// ssh2's readyTimeout covers the handshake; this guard also covers a silent TCP connect.
			const guard = setTimeout(() => {
				finish(
					new ConnectFailure(
						failure(
							'timeout',
							`${where}: no SSH handshake within ${Math.round(connectTimeoutMs / 1000)} s`,
							connectTimeoutMs,
						),
					),
				);
			}, connectTimeoutMs + 1000);
			client.on('ready', () => {
				if (record) {
					const blob = record;
					recordHostKey(known.file, host.hostName, host.port, blob).then(
						() => {
							finish();
						},
						(error: unknown) => {
							finish(
								new ConnectFailure(
									failure(
										'refused',
										`${known.file}: cannot record the host key (${(error as Error).message})`,
									),
								),
							);
						},
					);
				} else finish();
			});
			client.on('error', (error: Error & {level?: string; code?: string}) => {
				// ssh2 reports an unusable agent or a key that cannot sign, then tries the next
				// method (as OpenSSH does with a stale SSH_AUTH_SOCK): a note, not the end.
				if (
					error.level === 'agent' ||
					(error.level === 'client-authentication' && error.message.startsWith('Error '))
				) {
					notes.push(`${error.level === 'agent' ? 'agent' : 'key'}: ${error.message}`);
					return;
				}
				if (refusal) {
					finish(new ConnectFailure(refusal));
					return;
				}
				const afterMs = Date.now() - started;
				switch (error.level ?? '') {
					case 'client-authentication':
						finish(
							new ConnectFailure(
								failure(
									'auth',
									`${where}: permission denied (tried ${[agent ? 'the agent' : '', ...keys.map(k => k.file)].filter(Boolean).join(', ')})${notes.length > 0 ? `; skipped ${notes.join('; ')}` : ''}`,
									afterMs,
								),
							),
						);
						return;
					case 'client-timeout':
						finish(
							new ConnectFailure(
								failure(
									'timeout',
									`${where}: no SSH handshake within ${Math.round(connectTimeoutMs / 1000)} s`,
									afterMs,
								),
							),
						);
						return;
					default:
						finish(
							new ConnectFailure(
								failure(
									'unreachable',
									`${where}${label === host.alias ? '' : ` (${label})`}: ${error.code ?? ''}${error.code ? ' ' : ''}${error.message}`.trim(),
									afterMs,
								),
							),
						);
				}
			});
			client.on('close', () => {
				finish(
					new ConnectFailure(
						refusal ??
							(this.closed
								? failure('cancelled', `${where}: closed while connecting`)
								: failure('unreachable', `${where}: connection closed during the handshake`)),
					),
				);
			});
			const config: ConnectConfig = {
				host: host.hostName,
				port: host.port,
				username: host.user,
				readyTimeout: connectTimeoutMs,
				keepaliveInterval: options.keepaliveIntervalMs ?? SSH_DEFAULTS.keepaliveIntervalMs,
				keepaliveCountMax: 3,
				authHandler: auth,
				hostVerifier: (key: Buffer) => {
					const verdict = checkHostKey(known, host.hostName, host.port, key);
					const name = knownHostName(host.hostName, host.port);
					const type = keyTypeOf(key);
					const print = fingerprint(key);
					switch (verdict.status) {
						case 'known':
							return true;
						case 'unknown':
							if (options.acceptNew) {
								record = key;
								return true;
							}
							refusal = failure(
								'refused',
								`host key of ${name} is not known (${type} ${print}). Check the fingerprint out of band, then trust it with: ssh-keyscan ${host.port === 22 ? '' : `-p ${host.port} `}-t ${type} ${host.hostName} >> ${known.file} — or rerun with --accept-new`,
							);
							return false;
						case 'changed':
							refusal = failure(
								'refused',
								`HOST KEY CHANGED for ${name}: ${known.file}:${verdict.line} has ${verdict.knownType} ${verdict.knownFingerprint}, the server offered ${type} ${print}. Refused (possible man-in-the-middle). If the change is expected, remove the old key with: ssh-keygen -R '${name}' -f ${known.file}`,
							);
							return false;
						case 'revoked':
							refusal = failure(
								'refused',
								`host key of ${name} (${type} ${print}) is marked @revoked in ${known.file}:${verdict.line}. Refused.`,
							);
							return false;
					}
				},
				...(sock ? {sock} : {}),
				...(preferred.length > 0
					? {algorithms: {serverHostKey: orderHostKeyAlgorithms(preferred)}}
					: {}),
			};
			try {
				client.connect(config);
			} catch (error) {
				finish(new ConnectFailure(failure('unreachable', `${where}: ${(error as Error).message}`)));
			}
		});
	}
}

/** Host-key algorithms with the types already on file first (so a known host is not "changed"). */
function orderHostKeyAlgorithms(
	preferred: readonly string[],
): ConnectConfig['algorithms'] extends {serverHostKey?: infer T} | undefined ? T : never {
	const all = [
		'ssh-ed25519',
		'ecdsa-sha2-nistp256',
		'ecdsa-sha2-nistp384',
		'ecdsa-sha2-nistp521',
		'rsa-sha2-512',
		'rsa-sha2-256',
		'ssh-rsa',
	];
	const expanded = preferred.flatMap(type =>
		type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type],
	);
	const first = expanded.filter(type => all.includes(type));
	return [...first, ...all.filter(type => !first.includes(type))] as never;
}

async function forward(
	client: Client,
	host: string,
	port: number,
	via: ResolvedHost,
	hop: string,
): Promise<ClientChannel> {
	return new Promise((resolve, reject) => {
		client.forwardOut('127.0.0.1', 0, host, port, (error, stream) => {
			if (error) {
				reject(
					new ConnectFailure(
						failure(
							'unreachable',
							`jump host ${hop} (${via.hostName}:${via.port}) could not reach ${host}:${port}: ${error.message}`,
						),
					),
				);
			} else resolve(stream);
		});
	});
}

/** Read the flag through a call so the compiler does not narrow it across awaits. */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	if (signal.aborted) throw new ConnectFailure(failure('cancelled', 'cancelled while connecting'));
	return new Promise<T>((resolve, reject) => {
		const onAbort = (): void => {
			reject(new ConnectFailure(failure('cancelled', 'cancelled while connecting')));
		};
		signal.addEventListener('abort', onAbort, {once: true});
		promise.then(
			value => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error instanceof Error ? error : new Error(String(error)));
			},
		);
	});
}

/** End clients politely, destroy them after 1 s; resolves when all closed (≤ 1.2 s). */
async function endAll(clients: readonly Client[]): Promise<void> {
	await Promise.all(
		[...clients].reverse().map(
			async client =>
				new Promise<void>(resolve => {
					const hard = setTimeout(() => {
						client.destroy();
						resolve();
					}, 1000);
					client.once('close', () => {
						clearTimeout(hard);
						resolve();
					});
					client.on('error', () => undefined);
					try {
						client.end();
					} catch {
						clearTimeout(hard);
						resolve();
					}
				}),
		),
	);
}

export function createSshTransport(options: SshTransportOptions): SshTransport {
	return new SshTransport(options);
}
