/**
 * OpenSSH `known_hosts` reading and checking, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes:
 * plain host patterns (comma lists, `*`/`?` wildcards, `!` negation), `[host]:port` for non-22
 * ports, hashed entries `|1|base64(salt)|base64(HMAC-SHA1(salt, host))`, and the `@revoked`
 * marker (`@cert-authority` lines are ignored: certificates are not supported).
 */
import {createHash, createHmac} from 'node:crypto';
import {appendFile, mkdir, readFile} from 'node:fs/promises';
import path from 'node:path';

export type KnownHostEntry = {
	readonly line: number;
	readonly marker?: 'revoked' | 'cert-authority';
	readonly hosts:
		| {readonly hashed: false; readonly patterns: readonly string[]}
		| {readonly hashed: true; readonly salt: Buffer; readonly hash: Buffer};
	readonly keyType: string;
	/** Base64 of the public key blob, as written in the file. */
	readonly key: string;
};

export type KnownHosts = {readonly file: string; readonly entries: readonly KnownHostEntry[]};

/** Parse a known_hosts text; malformed lines are skipped (OpenSSH does the same). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
	const entries: KnownHostEntry[] = [];
	text.split('\n').forEach((raw, index) => {
		const line = raw.trim();
		if (line === '' || line.startsWith('#')) return;
		const fields = line.split(/\s+/);
		let marker: KnownHostEntry['marker'];
		if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
			marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
			fields.shift();
		}
		const [hostField, keyType, key] = fields;
		if (hostField === undefined || keyType === undefined || key === undefined) return;
		let hosts: KnownHostEntry['hosts'];
		if (hostField.startsWith('|1|')) {
			const [, , salt, hash] = hostField.split('|');
			if (salt === undefined || hash === undefined) return;
			hosts = {hashed: true, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64')};
		} else {
			hosts = {hashed: false, patterns: hostField.split(',')};
		}
		entries.push({line: index + 1, ...(marker ? {marker} : {}), hosts, keyType, key});
	});
	return entries;
}

/** The name a host is filed under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
	return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
	const regex = new RegExp(
		`^${pattern
			.replace(/[.+^${}()|[\]\\]/g, String.raw`\$&`)
			.replaceAll('*', '.*')
			.replaceAll('?', '.')}$`,
		'i',
	);
	return regex.test(name);
}

function hostMatches(entry: KnownHostEntry, name: string): boolean {
	if (entry.hosts.hashed) {
		const digest = createHmac('sha1', entry.hosts.salt).update(name).digest();
		return digest.equals(entry.hosts.hash);
	}
	let matched = false;
	for (const pattern of entry.hosts.patterns) {
		if (pattern.startsWith('!')) {
			if (wildcardMatch(pattern.slice(1), name)) return false;
		} else if (wildcardMatch(pattern, name)) matched = true;
	}
	return matched;
}

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
	if (blob.length < 4) return 'unknown';
	const length = blob.readUInt32BE(0);
	return blob.subarray(4, 4 + length).toString('latin1');
}

/** OpenSSH's `SHA256:…` fingerprint of a public key blob. */
export function fingerprint(blob: Buffer): string {
	return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict =
	| {readonly status: 'known'; readonly line: number}
	| {readonly status: 'unknown'}
	| {
			readonly status: 'changed';
			readonly line: number;
			readonly knownFingerprint: string;
			readonly knownType: string;
	  }
	| {readonly status: 'revoked'; readonly line: number};

/** Key types known for a host (to prefer them in host-key negotiation, as OpenSSH does). */
export function knownKeyTypes(known: KnownHosts, host: string, port: number): string[] {
	const name = knownHostName(host, port);
	return [
		...new Set(
			known.entries
				.filter(entry => entry.marker === undefined && hostMatches(entry, name))
				.map(entry => entry.keyType),
		),
	];
}

/** Check the key a server offered against the file. */
export function checkHostKey(
	known: KnownHosts,
	host: string,
	port: number,
	blob: Buffer,
): HostKeyVerdict {
	const name = knownHostName(host, port);
	const offered = blob.toString('base64');
	const matching = known.entries.filter(
		entry => entry.marker !== 'cert-authority' && hostMatches(entry, name),
	);
	const revoked = known.entries.find(entry => entry.marker === 'revoked' && entry.key === offered);
	if (revoked) return {status: 'revoked', line: revoked.line};
	const same = matching.find(entry => entry.marker === undefined && entry.key === offered);
	if (same) return {status: 'known', line: same.line};
	// A different key on file for this host, of any type: the host key changed. Never accepted.
	const other = matching.find(entry => entry.marker === undefined);
	if (other) {
		return {
			status: 'changed',
			line: other.line,
			knownType: other.keyType,
			knownFingerprint: fingerprint(Buffer.from(other.key, 'base64')),
		};
	}
	return {status: 'unknown'};
}

/** Read a known_hosts file; a missing file is an empty one. */
export async function loadKnownHosts(file: string): Promise<KnownHosts> {
	try {
		return {file, entries: parseKnownHosts(await readFile(file, 'utf8'))};
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {file, entries: []};
		throw error;
	}
}

/** Append a trusted key (accept-new). One `appendFile` per line: concurrent appends stay whole. */
export async function recordHostKey(
	file: string,
	host: string,
	port: number,
	blob: Buffer,
): Promise<void> {
	await mkdir(path.dirname(file), {recursive: true, mode: 0o700});
	const line = `${knownHostName(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
	await appendFile(file, line, {mode: 0o600});
}
