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
 *
 * This module holds the transport (connection reuse, ProxyJump chain, close); one handshake is in
 * ssh-handshake.ts, one command on a channel in ssh-channel.ts, the shared pieces in ssh-connect.ts.
 */
import os from 'node:os';
import path from 'node:path';
import type {Client as ClientType, ClientChannel} from 'ssh2';
import type {CommandResult, CommandSpec, Transport, TransportFailure} from './types.js';
import {knownHostName, loadKnownHosts, type KnownHosts} from './known-hosts.js';
import {shellQuote} from '../model/quote.js';
import {
	parseDestination,
	resolveHost,
	type ResolvedHost,
	type SshConfigFile,
} from './ssh-config.js';
import {ChannelCommand, Slots, type ResultFields} from './ssh-channel.js';
import {
	ConnectFailure,
	endAll,
	failure,
	forward,
	loadIdentities,
	raceAbort,
	type Connection,
} from './ssh-connect.js';
import {handshake} from './ssh-handshake.js';

type Client = ClientType;

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
		const result = (fields: ResultFields): CommandResult => ({
			target: this.id,
			argv: spec.argv,
			startedAt,
			durationMs: Date.now() - started,
			...fields,
		});
		const fail = (f: TransportFailure): CommandResult =>
			result({stdout: '', stderr: '', exitCode: null, failure: f});
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

		return new ChannelCommand({
			client: connection.client,
			command: shellQuote(spec.argv),
			timeoutMs: spec.timeoutMs ?? this.options.commandTimeoutMs ?? SSH_DEFAULTS.commandTimeoutMs,
			maxBytes: spec.maxBytes ?? Number.POSITIVE_INFINITY,
			signal,
			started,
			node: this.id,
			slots: this.slots,
			open: this.open,
			result,
		}).run();
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

	/** Handshake with one host (the node or a jump host), over `sock` when given. */
	private async connectOne(
		host: ResolvedHost,
		sock: ClientChannel | undefined,
		label: string,
	): Promise<Client> {
		const options = this.options;
		if (this.closed) throw new ConnectFailure(failure('cancelled', 'transport closed'));
		const known = this.knownHosts ?? {file: '', entries: []};
		const where = `${host.user}@${knownHostName(host.hostName, host.port)}`;
		const agent =
			options.agent === false ? undefined : (options.agent ?? process.env['SSH_AUTH_SOCK']);
		const {keys, notes} = await loadIdentities(host.identityFiles, host.identityFiles.length === 0);
		const auth = [
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
		return handshake({
			host,
			sock,
			label,
			known,
			acceptNew: options.acceptNew === true,
			connectTimeoutMs: options.connectTimeoutMs ?? SSH_DEFAULTS.connectTimeoutMs,
			keepaliveIntervalMs: options.keepaliveIntervalMs ?? SSH_DEFAULTS.keepaliveIntervalMs,
			agent,
			auth,
			keyFiles: keys.map(k => k.file),
			notes,
			handshaking: this.handshaking,
			isClosed: () => this.closed,
		});
	}
}

/** Read the flag through a call so the compiler does not narrow it across awaits. */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

export function createSshTransport(options: SshTransportOptions): SshTransport {
	return new SshTransport(options);
}
