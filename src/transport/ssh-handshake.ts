/**
 * One SSH handshake (ssh2): connect to a resolved host — directly or over a jump host's channel —
 * check its host key against known_hosts, authenticate with the agent and the identity files, and
 * resolve to the ready client or reject with a {@link ConnectFailure} that says what went wrong.
 */
import ssh2, {
	type AgentAuthMethod,
	type Client as ClientType,
	type ClientChannel,
	type ConnectConfig,
	type PublicKeyAuthMethod,
} from 'ssh2';
import type {TransportFailure} from './types.js';
import {
	checkHostKey,
	fingerprint,
	keyTypeOf,
	knownHostName,
	knownKeyTypes,
	recordHostKey,
	type KnownHosts,
} from './known-hosts.js';
import type {ResolvedHost} from './ssh-config.js';
import {ConnectFailure, failure, orderHostKeyAlgorithms} from './ssh-connect.js';

// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
const {Client} = ssh2;
type Client = ClientType;

export type Handshake = {
	readonly host: ResolvedHost;
	/** A jump host's channel to connect over; absent: a direct TCP connection. */
	readonly sock: ClientChannel | undefined;
	/** How the caller names this host (the node's host option, or `jump host X`). */
	readonly label: string;
	readonly known: KnownHosts;
	readonly acceptNew: boolean;
	readonly connectTimeoutMs: number;
	readonly keepaliveIntervalMs: number;
	/** The agent socket offered, if any. */
	readonly agent: string | undefined;
	readonly auth: readonly (AgentAuthMethod | PublicKeyAuthMethod)[];
	/** The identity files offered (named in an auth failure). */
	readonly keyFiles: readonly string[];
	/** Why keys were skipped; the handshake adds an unusable agent or key to it. */
	readonly notes: string[];
	/** Holds the client while its handshake runs (the transport's close() destroys those). */
	readonly handshaking: Set<Client>;
	/** Whether the transport was closed (a close during the handshake is then `cancelled`). */
	readonly isClosed: () => boolean;
};

/** What the host-key check decided: trust (maybe recording the key) or refuse with a failure. */
type HostKeyVerdict =
	| {readonly accept: true; readonly record?: Buffer}
	| {readonly accept: false; readonly refusal: TransportFailure};

/** Check the server's host key against known_hosts (OpenSSH's rules, `accept-new` optional). */
function verifyHostKey(run: Handshake, key: Buffer): HostKeyVerdict {
	const {known, host} = run;
	const verdict = checkHostKey(known, host.hostName, host.port, key);
	const name = knownHostName(host.hostName, host.port);
	const type = keyTypeOf(key);
	const print = fingerprint(key);
	switch (verdict.status) {
		case 'known':
			return {accept: true};
		case 'unknown':
			if (run.acceptNew) return {accept: true, record: key};
			return {
				accept: false,
				refusal: failure(
					'refused',
					`host key of ${name} is not known (${type} ${print}). Check the fingerprint out of band, then trust it with: ssh-keyscan ${host.port === 22 ? '' : `-p ${host.port} `}-t ${type} ${host.hostName} >> ${known.file} — or rerun with --accept-new`,
				),
			};
		case 'changed':
			return {
				accept: false,
				refusal: failure(
					'refused',
					`HOST KEY CHANGED for ${name}: ${known.file}:${verdict.line} has ${verdict.knownType} ${verdict.knownFingerprint}, the server offered ${type} ${print}. Refused (possible man-in-the-middle). If the change is expected, remove the old key with: ssh-keygen -R '${name}' -f ${known.file}`,
				),
			};
		case 'revoked':
			return {
				accept: false,
				refusal: failure(
					'refused',
					`host key of ${name} (${type} ${print}) is marked @revoked in ${known.file}:${verdict.line}. Refused.`,
				),
			};
	}
}

/** The failure an ssh2 client error means (auth, handshake timeout, or unreachable). */
function handshakeFailure(
	run: Handshake,
	error: Error & {level?: string; code?: string},
	afterMs: number,
): TransportFailure {
	const {host} = run;
	const where = `${host.user}@${knownHostName(host.hostName, host.port)}`;
	switch (error.level ?? '') {
		case 'client-authentication':
			return failure(
				'auth',
				`${where}: permission denied (tried ${[run.agent ? 'the agent' : '', ...run.keyFiles].filter(Boolean).join(', ')})${run.notes.length > 0 ? `; skipped ${run.notes.join('; ')}` : ''}`,
				afterMs,
			);
		case 'client-timeout':
			return failure(
				'timeout',
				`${where}: no SSH handshake within ${Math.round(run.connectTimeoutMs / 1000)} s`,
				afterMs,
			);
		default:
			return failure(
				'unreachable',
				`${where}${run.label === host.alias ? '' : ` (${run.label})`}: ${error.code ?? ''}${error.code ? ' ' : ''}${error.message}`.trim(),
				afterMs,
			);
	}
}

/** Run the handshake; see the module comment. */
export async function handshake(run: Handshake): Promise<Client> {
	const {host, known, connectTimeoutMs} = run;
	const where = `${host.user}@${knownHostName(host.hostName, host.port)}`;
	const preferred = knownKeyTypes(known, host.hostName, host.port);
	let refusal: TransportFailure | undefined;
	let record: Buffer | undefined;
	const started = Date.now();
	const client = new Client();
	run.handshaking.add(client);
	return new Promise<Client>((resolve, reject) => {
		let done = false;
		const finish = (error?: ConnectFailure): void => {
			if (done) return;
			done = true;
			clearTimeout(guard);
			run.handshaking.delete(client);
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
				run.notes.push(`${error.level === 'agent' ? 'agent' : 'key'}: ${error.message}`);
				return;
			}
			finish(new ConnectFailure(refusal ?? handshakeFailure(run, error, Date.now() - started)));
		});
		client.on('close', () => {
			finish(
				new ConnectFailure(
					refusal ??
						(run.isClosed()
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
			keepaliveInterval: run.keepaliveIntervalMs,
			keepaliveCountMax: 3,
			authHandler: [...run.auth],
			hostVerifier: (key: Buffer) => {
				const verdict = verifyHostKey(run, key);
				if (!verdict.accept) refusal = verdict.refusal;
				else if (verdict.record) record = verdict.record;
				return verdict.accept;
			},
			...(run.sock ? {sock: run.sock} : {}),
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
