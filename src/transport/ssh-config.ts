/**
 * `~/.ssh/config` (or `--ssh-config FILE`) as OpenSSH applies it to one host: Host aliases,
 * HostName, User, Port, IdentityFile, ProxyJump, first value wins. Parsed with the `ssh-config`
 * package; `Match exec` is never evaluated (it would run a command).
 */
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';

export type ResolvedHost = {
	/** The name the user gave (alias). */
	readonly alias: string;
	/** Where to connect (HostName, or the alias). Also the name checked in known_hosts. */
	readonly hostName: string;
	readonly port: number;
	readonly user: string;
	readonly identityFiles: readonly string[];
	/** `ProxyJump` hops, first hop first (`none` → empty). */
	readonly proxyJump: readonly string[];
};

export type SshConfigFile = {readonly file?: string; readonly config?: SSHConfig};

/** Read the config file; a missing default file is an empty config. */
export async function loadSshConfig(file?: string): Promise<SshConfigFile> {
	const chosen = file ?? path.join(os.homedir(), '.ssh', 'config');
	try {
		return {file: chosen, config: SSHConfig.parse(await readFile(chosen, 'utf8'))};
	} catch (error) {
		if (file === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
		throw new Error(`${chosen}: cannot read SSH config (${(error as Error).message})`, {
			cause: error,
		});
	}
}

const first = (value: string | string[] | undefined): string | undefined =>
	Array.isArray(value) ? value[0] : value;
const all = (value: string | string[] | undefined): string[] =>
	value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Expand `~` and the `%h %p %r %u %d %%` tokens OpenSSH allows in IdentityFile. */
function expand(value: string, tokens: {host: string; port: number; user: string}): string {
	const home = os.homedir();
	const withTokens = value.replace(/%([hprud%])/g, (_, token: string) => {
		switch (token) {
			case 'h':
				return tokens.host;
			case 'p':
				return String(tokens.port);
			case 'r':
				return tokens.user;
			case 'u':
				return os.userInfo().username;
			case 'd':
				return home;
			default:
				return '%';
		}
	});
	return withTokens.startsWith('~/') ? path.join(home, withTokens.slice(2)) : withTokens;
}

/** Parse `[user@]host[:port]` (a ProxyJump hop or an inventory address). */
export function parseDestination(text: string): {host: string; user?: string; port?: number} {
	let rest = text.replace(/^ssh:\/\//, '');
	let user: string | undefined;
	const at = rest.lastIndexOf('@');
	if (at !== -1) {
		user = rest.slice(0, at);
		rest = rest.slice(at + 1);
	}
	let port: number | undefined;
	const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
	if (bracket) {
		rest = bracket[1] ?? rest;
		if (bracket[2] !== undefined) port = Number(bracket[2]);
	} else {
		const colon = /^([^:]+):(\d+)$/.exec(rest);
		if (colon) {
			rest = colon[1] ?? rest;
			port = Number(colon[2]);
		}
	}
	return {host: rest, ...(user === undefined ? {} : {user}), ...(port === undefined ? {} : {port})};
}

/**
 * What OpenSSH would use for `alias`. Explicit values (from the inventory or command line) win over
 * the config file, as `ssh -p/-l/-i` win over it.
 */
export function resolveHost(
	config: SshConfigFile,
	alias: string,
	explicit: {
		readonly user?: string;
		readonly port?: number;
		readonly identityFiles?: readonly string[];
	} = {},
): ResolvedHost {
	const computed = (config.config?.compute(alias, {ignoreCase: true, matchExec: false}) ??
		{}) as Record<string, string | string[] | undefined>;
	const hostName = first(computed['hostname']) ?? alias;
	const port = explicit.port ?? Number(first(computed['port']) ?? 22);
	const user = explicit.user ?? first(computed['user']) ?? os.userInfo().username;
	const tokens = {host: hostName, port, user};
	const identityFiles = [
		...(explicit.identityFiles ?? []),
		...all(computed['identityfile']).map(file => expand(file, tokens)),
	];
	const jump = first(computed['proxyjump']);
	const proxyJump =
		jump === undefined || jump === 'none' ? [] : jump.split(',').map(hop => hop.trim());
	return {
		alias,
		hostName: hostName.replace(/%h/g, alias),
		port,
		user,
		identityFiles,
		proxyJump,
	};
}
