/**
 * The pieces of an SSH connection that are not one handshake: failures as values, the identity
 * files offered, the host-key algorithm order, ProxyJump forwarding, and ending clients.
 */
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ssh2, {type Client as ClientType, type ClientChannel, type ConnectConfig} from 'ssh2';
import type {FailureKind} from '../model/capture.js';
import type {TransportFailure} from './types.js';
import type {ResolvedHost} from './ssh-config.js';

// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
const {utils} = ssh2;
type Client = ClientType;

/** A failure while connecting, carried as a value through the internal promise chain. */
export class ConnectFailure extends Error {
	constructor(readonly failure: TransportFailure) {
		super(failure.message);
	}
}

export const failure = (
	kind: FailureKind,
	message: string,
	afterMs?: number,
): TransportFailure => ({
	kind,
	message,
	...(afterMs === undefined ? {} : {afterMs}),
});

/** An open connection to a node and the jump hosts it goes through (in connection order). */
export type Connection = {readonly client: Client; readonly hops: readonly Client[]};

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Keys usable without a passphrase, in order; unreadable default keys are skipped quietly. */
export async function loadIdentities(
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

/** Host-key algorithms with the types already on file first (so a known host is not "changed"). */
export function orderHostKeyAlgorithms(
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

/** A channel from `client` (a jump host) to `host:port`, for the next hop to connect over. */
export async function forward(
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

/** `promise`, or a `cancelled` ConnectFailure as soon as `signal` aborts. */
export async function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
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
export async function endAll(clients: readonly Client[]): Promise<void> {
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
