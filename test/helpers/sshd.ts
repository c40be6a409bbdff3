/**
 * A real OpenSSH server (Debian openssh-server) for tests and the fan-out benchmark, started on
 * 127.0.0.1 with freshly generated ed25519 host and user keys and its own sshd_config (key-only,
 * UsePAM no). Logins go to a dedicated user with a plain `/bin/sh` (root's ~/.bashrc on these
 * machines runs `pyenv init` and would slow every command); when not running as root, sshd runs as
 * the current user and logs in as that user.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const TEST_USER = 'dvrscope-ssh';

const SSHD = '/usr/sbin/sshd';

function run(file: string, args: readonly string[]): string {
	const result = spawnSync(file, args, {encoding: 'utf8'});
	if (result.status !== 0) {
		throw new Error(`${file} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
	}
	return result.stdout;
}

/** The login user: a dedicated plain-shell user when root (created once), else ourselves. */
export function loginUser(): string {
	if (process.getuid?.() !== 0) return os.userInfo().username;
	const exists = spawnSync('getent', ['passwd', TEST_USER]).status === 0;
	if (!exists) {
		// Test files start in parallel: another worker may create the user first.
		const made = spawnSync('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER]);
		if (made.status !== 0 && spawnSync('getent', ['passwd', TEST_USER]).status !== 0)
			throw new Error(`useradd ${TEST_USER} failed: ${made.stderr.toString()}`);
	}
	// `useradd` leaves the account locked (`!`), which sshd refuses without PAM; `*` = no password.
	const shadow = spawnSync('getent', ['shadow', TEST_USER], {encoding: 'utf8'}).stdout;
	if (shadow.split(':')[1]?.startsWith('!') !== false) {
		// /etc/shadow is locked while another worker edits it: retry a few times.
		for (let attempt = 0; ; attempt++) {
			const result = spawnSync('usermod', ['-p', '*', TEST_USER], {encoding: 'utf8'});
			if (result.status === 0) break;
			if (attempt === 20) throw new Error(`usermod ${TEST_USER} failed: ${result.stderr}`);
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
		}
	}
	return TEST_USER;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

export type KeyPair = {
	readonly private: string;
	readonly public: string;
	readonly publicLine: string;
};

/** `ssh-keygen -t ed25519` (OpenSSH private-key format) into `dir/name`. */
export function makeKey(dir: string, name: string): KeyPair {
	const file = path.join(dir, name);
	run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
	return {
		private: file,
		public: `${file}.pub`,
		publicLine: readFileSync(`${file}.pub`, 'utf8').trim(),
	};
}

export type SshdOptions = {
	/** Ports to listen on (at most 16 per sshd); default one free port. */
	readonly ports?: readonly number[];
	/** Extra sshd_config lines. */
	readonly extraConfig?: readonly string[];
	/** Host key to use (to share one across servers); default a new one. */
	readonly hostKey?: KeyPair;
	/** Public key lines to authorize; default a new user key. */
	readonly authorizedKeys?: readonly string[];
	/** Directory prepended to PATH for sessions (e.g. fake `ovs-*` scripts). */
	readonly pathPrefix?: string;
};

export type Sshd = {
	readonly ports: readonly number[];
	readonly port: number;
	readonly user: string;
	readonly dir: string;
	readonly hostKey: KeyPair;
	readonly userKey: KeyPair;
	/** A known_hosts file listing this server's key for each port. */
	readonly knownHostsFile: string;
	/** known_hosts lines (`[127.0.0.1]:PORT ssh-ed25519 …`). */
	readonly knownHostsLines: readonly string[];
	readonly process: ChildProcess;
	stop(): Promise<void>;
};

/** Start sshd in the foreground (`-D -e`) and wait until every port accepts connections. */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
	const user = loginUser();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-sshd-'));
	chmodSync(dir, 0o755);
	if (process.getuid?.() === 0) mkdirSync('/run/sshd', {recursive: true, mode: 0o755});
	const hostKey = options.hostKey ?? makeKey(dir, 'host_ed25519');
	const userKey = makeKey(dir, 'user_ed25519');
	const authorized = path.join(dir, 'authorized_keys');
	writeFileSync(authorized, `${(options.authorizedKeys ?? [userKey.publicLine]).join('\n')}\n`);
	chmodSync(authorized, 0o644);
	const ports = options.ports ?? [await freePort()];
	const pathValue = `${options.pathPrefix ? `${options.pathPrefix}:` : ''}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
	const config = [
		...ports.map(port => `ListenAddress 127.0.0.1:${port}`),
		`HostKey ${hostKey.private}`,
		`PidFile ${path.join(dir, 'sshd.pid')}`,
		`AuthorizedKeysFile ${authorized}`,
		'AuthenticationMethods publickey',
		'PubkeyAuthentication yes',
		'PasswordAuthentication no',
		'KbdInteractiveAuthentication no',
		'UsePAM no',
		'StrictModes no',
		'PermitRootLogin prohibit-password',
		`AllowUsers ${user}`,
		'MaxStartups 200',
		'MaxSessions 10',
		'PrintMotd no',
		'PrintLastLog no',
		'AllowTcpForwarding yes',
		'AllowAgentForwarding no',
		'X11Forwarding no',
		'LogLevel ERROR',
		`SetEnv PATH=${pathValue}`,
		...(options.extraConfig ?? []),
	];
	const configFile = path.join(dir, 'sshd_config');
	writeFileSync(configFile, `${config.join('\n')}\n`);
	const child = spawn(SSHD, ['-D', '-e', '-f', configFile], {stdio: ['ignore', 'ignore', 'pipe']});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	const hostPub = hostKey.publicLine.split(' ').slice(0, 2).join(' ');
	const knownHostsLines = ports.map(port => `[127.0.0.1]:${port} ${hostPub}`);
	const knownHostsFile = path.join(dir, 'known_hosts');
	writeFileSync(knownHostsFile, `${knownHostsLines.join('\n')}\n`);
	for (const port of ports)
		await waitForPort(
			port,
			() => child.exitCode !== null,
			() => stderr,
		);
	return {
		ports,
		port: ports[0]!,
		user,
		dir,
		hostKey,
		userKey,
		knownHostsFile,
		knownHostsLines,
		process: child,
		async stop() {
			if (child.exitCode === null) {
				child.kill('SIGTERM');
				const stopped = await Promise.race([
					exited.then(() => true),
					new Promise<boolean>(resolve => setTimeout(() => resolve(false), 2000)),
				]);
				if (!stopped) child.kill('SIGKILL');
			}
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

async function waitForPort(port: number, dead: () => boolean, log: () => string): Promise<void> {
	const {connect} = await import('node:net');
	for (let attempt = 0; attempt < 100; attempt++) {
		if (dead()) throw new Error(`sshd exited: ${log()}`);
		const ok = await new Promise<boolean>(resolve => {
			const socket = connect(port, '127.0.0.1');
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (ok) return;
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${log()}`);
}

/** Start `ssh-agent -D` on a private socket and add `key` to it. */
export async function startAgent(
	dir: string,
	keyFile: string,
): Promise<{socket: string; stop(): void}> {
	const socket = path.join(dir, `agent-${process.pid}-${Date.now()}.sock`);
	const child = spawn('ssh-agent', ['-D', '-a', socket], {stdio: 'ignore'});
	for (let attempt = 0; attempt < 100; attempt++) {
		const ready = spawnSync('ssh-add', ['-l'], {env: {...process.env, SSH_AUTH_SOCK: socket}});
		if (ready.status === 0 || ready.status === 1) break; // 1 = no identities yet, but answering
		await new Promise(resolve => setTimeout(resolve, 50));
	}
	const add = spawnSync('ssh-add', [keyFile], {
		env: {...process.env, SSH_AUTH_SOCK: socket},
		encoding: 'utf8',
	});
	if (add.status !== 0) throw new Error(`ssh-add failed: ${add.stderr}`);
	return {
		socket,
		stop() {
			child.kill('SIGTERM');
		},
	};
}
