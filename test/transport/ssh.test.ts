/**
 * SSH transport against a REAL OpenSSH server (Debian openssh-server) started on 127.0.0.1 by the
 * test with generated ed25519 host and user keys. No fakes: exit codes, stderr, quoting and every
 * refusal come from sshd and the remote shell.
 */
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer, type Socket} from 'node:net';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import SSHConfig from 'ssh-config';
import {SshTransport, type SshTransportOptions} from '../../src/transport/ssh.js';
import {makeKey, startAgent, startSshd, type Sshd} from '../helpers/sshd.js';

let sshd: Sshd;
let jump: Sshd;
let jump2: Sshd;

beforeAll(async () => {
	sshd = await startSshd();
	// The jump host: a second sshd that accepts the same user key.
	jump = await startSshd({authorizedKeys: [sshd.userKey.publicLine]});
	jump2 = await startSshd({authorizedKeys: [sshd.userKey.publicLine]});
});

afterAll(async () => {
	await sshd.stop();
	await jump.stop();
	await jump2.stop();
});

const transports: SshTransport[] = [];
afterAll(async () => {
	await Promise.all(transports.map(async t => t.close()));
});

function transport(overrides: Partial<SshTransportOptions> = {}): SshTransport {
	const t = new SshTransport({
		id: 'node-1',
		host: '127.0.0.1',
		port: sshd.port,
		user: sshd.user,
		identityFiles: [sshd.userKey.private],
		knownHostsFile: sshd.knownHostsFile,
		agent: false,
		...overrides,
	});
	transports.push(t);
	return t;
}

const run = async (t: SshTransport, argv: [string, ...string[]], timeoutMs?: number) =>
	t.exec(
		{argv, ...(timeoutMs === undefined ? {} : {timeoutMs})},
		{signal: new AbortController().signal},
	);

describe('SshTransport against a real sshd', () => {
	it.each([
		{argv: ['true'], exitCode: 0},
		{argv: ['false'], exitCode: 1},
		{argv: ['sh', '-c', 'exit 7'], exitCode: 7},
	] as {argv: [string, ...string[]]; exitCode: number}[])(
		'reports the exit status of $argv as data',
		async ({argv, exitCode}) => {
			// Given a reachable node / When a command runs
			const result = await run(transport(), argv);
			// Then the exit status is data, not a failure
			expect(result.failure).toBeUndefined();
			expect(result.exitCode).toBe(exitCode);
		},
	);

	it('keeps stdout and stderr apart', async () => {
		// Given / When
		const result = await run(transport(), ['sh', '-c', 'echo out; echo err >&2; exit 3']);
		// Then
		expect(result).toMatchObject({stdout: 'out\n', stderr: 'err\n', exitCode: 3});
	});

	it.each([
		['spaces', 'tap 1'],
		['single quote', "it's"],
		['semicolon', 'a; touch /tmp/dvrscope-pwned'],
		['command substitution', '$(id)'],
		['backticks', '`id`'],
		['newline', 'line1\nline2'],
		['glob', '*'],
		['empty', ''],
		['utf-8', 'réseau ✓'],
		['ovs match', 'table=0,arp,arp_tpa=10.0.0.4'],
	])('passes a word with %s through the remote shell unchanged', async (_, word) => {
		// Given a word that a shell would interpret / When it is echoed back remotely
		const result = await run(transport(), ['printf', '%s', word]);
		// Then the remote program received exactly that word
		expect(result.stdout).toBe(word);
		expect(existsSync('/tmp/dvrscope-pwned')).toBe(false);
	});

	it('decodes multi-byte characters split across chunks once, at the end', async () => {
		// Given output of many multi-byte characters (chunk boundaries fall inside them)
		const result = await run(transport(), [
			'sh',
			'-c',
			"i=0; while [ $i -lt 4000 ]; do printf 'é✓'; i=$((i+1)); done",
		]);
		// Then nothing is mangled
		expect(result.stdout).toBe('é✓'.repeat(4000));
	});

	it('refuses an unknown host with its SHA256 fingerprint and how to trust it', async () => {
		// Given an empty known_hosts
		const empty = path.join(sshd.dir, 'known_hosts.empty');
		writeFileSync(empty, '');
		// When connecting
		const result = await run(transport({knownHostsFile: empty}), ['true']);
		// Then the host is refused, the fingerprint is the one ssh-keygen prints
		const printed = spawnSync('ssh-keygen', ['-l', '-f', sshd.hostKey.public], {
			encoding: 'utf8',
		}).stdout;
		const fp = /SHA256:\S+/.exec(printed)?.[0];
		expect(result.failure?.kind).toBe('refused');
		expect(result.failure?.message).toContain(`not known (ssh-ed25519 ${fp})`);
		expect(result.failure?.message).toContain('--accept-new');
		expect(result.failure?.message).toContain(`ssh-keyscan -p ${sshd.port}`);
		expect(result.exitCode).toBeNull();
	});

	it('with acceptNew trusts a new host and records it so the next connection knows it', async () => {
		// Given an empty known_hosts and acceptNew
		const file = path.join(sshd.dir, 'known_hosts.tofu');
		writeFileSync(file, '');
		// When connecting twice, the second time without acceptNew
		const first = await run(transport({knownHostsFile: file, acceptNew: true}), ['echo', 'hi']);
		const second = await run(transport({knownHostsFile: file}), ['echo', 'again']);
		// Then both run and the key was recorded in [host]:port form
		expect(first.stdout).toBe('hi\n');
		expect(second.stdout).toBe('again\n');
		expect(readFileSync(file, 'utf8')).toBe(`${sshd.knownHostsLines[0]}\n`);
	});

	it.each([false, true])('ALWAYS refuses a changed host key (acceptNew=%s)', async acceptNew => {
		// Given known_hosts with another key for this [host]:port
		const other = makeKey(sshd.dir, `other-${String(acceptNew)}`);
		const file = path.join(sshd.dir, `known_hosts.changed-${String(acceptNew)}`);
		writeFileSync(
			file,
			`[127.0.0.1]:${sshd.port} ${other.publicLine.split(' ').slice(0, 2).join(' ')}\n`,
		);
		// When connecting
		const result = await run(transport({knownHostsFile: file, acceptNew}), ['true']);
		// Then refused, the file untouched
		expect(result.failure?.kind).toBe('refused');
		expect(result.failure?.message).toMatch(/HOST KEY CHANGED for \[127\.0\.0\.1\]:\d+/);
		expect(result.failure?.message).toContain(`${file}:1`);
		expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
	});

	it('accepts a hashed known_hosts entry (ssh-keygen -H)', async () => {
		// Given a known_hosts hashed by ssh-keygen itself
		const file = path.join(sshd.dir, 'known_hosts.hashed');
		writeFileSync(file, `${sshd.knownHostsLines[0]}\n`);
		spawnSync('ssh-keygen', ['-H', '-f', file]);
		expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
		// When / Then
		const result = await run(transport({knownHostsFile: file}), ['echo', 'ok']);
		expect(result.stdout).toBe('ok\n');
	});

	it('fails with auth when the key is not authorized', async () => {
		// Given a key the server does not know
		const stranger = makeKey(sshd.dir, 'stranger');
		// When
		const result = await run(transport({identityFiles: [stranger.private]}), ['true']);
		// Then
		expect(result.failure?.kind).toBe('auth');
		expect(result.failure?.message).toContain('permission denied');
	});

	it('authenticates through ssh-agent (SSH_AUTH_SOCK)', async () => {
		// Given an agent holding the user key and no identity file
		const agent = await startAgent(sshd.dir, sshd.userKey.private);
		try {
			const t = transport({identityFiles: [], agent: agent.socket});
			// When
			const result = await run(t, ['echo', 'via-agent']);
			// Then
			expect(result.stdout).toBe('via-agent\n');
		} finally {
			agent.stop();
		}
	});

	it('goes on with the identity file when SSH_AUTH_SOCK points to no agent (as OpenSSH does)', async () => {
		// Given a stale agent socket and a valid key
		const result = await run(transport({agent: path.join(sshd.dir, 'no-agent.sock')}), [
			'echo',
			'ok',
		]);
		// Then
		expect(result.failure).toBeUndefined();
		expect(result.stdout).toBe('ok\n');
	});

	it('times out a hanging command and settles without waiting for the server', async () => {
		// Given a command that never ends
		const t = transport();
		// When it runs with a short timeout
		const result = await run(t, ['sleep', '30'], 500);
		// Then a timeout failure, and the connection stays usable
		expect(result.failure?.kind).toBe('timeout');
		expect(result.exitCode).toBeNull();
		expect((await run(t, ['echo', 'still-up'])).stdout).toBe('still-up\n');
	});

	it('cancels a running command at once when the signal aborts', async () => {
		// Given a long command
		const t = transport();
		const controller = new AbortController();
		const pending = t.exec({argv: ['sleep', '30']}, {signal: controller.signal});
		// When aborted
		setTimeout(() => controller.abort(), 300);
		const result = await pending;
		// Then cancelled
		expect(result.failure?.kind).toBe('cancelled');
	});

	it('keeps partial output and names the failure when the connection is killed mid-output', async () => {
		// Given a command that prints, then waits
		const t = transport();
		const scratch = mkdtempSync(path.join(sshd.dir, 'scratch-'));
		chmodSync(scratch, 0o777);
		const flag = path.join(scratch, 'mid-output.flag');
		const pending = run(t, ['sh', '-c', `echo partial-output; touch ${flag}; sleep 10`]);
		while (!existsSync(flag)) await new Promise(resolve => setTimeout(resolve, 50));
		// When the server's per-connection sshd processes (descendants of our sshd) are killed
		const children = (pid: number): number[] =>
			spawnSync('pgrep', ['-P', String(pid)], {encoding: 'utf8'})
				.stdout.split('\n')
				.filter(Boolean)
				.map(Number);
		const sessions = children(sshd.process.pid!).flatMap(priv => [priv, ...children(priv)]);
		expect(sessions.length).toBeGreaterThan(1);
		for (const pid of sessions) process.kill(pid, 'SIGKILL');
		const result = await pending;
		// Then the output so far is kept and the failure is unreachable
		expect(result.failure?.kind).toBe('unreachable');
		expect(result.failure?.message).toContain('lost');
		expect(result.stdout).toBe('partial-output\n');
	});

	it('reports an unreachable port as unreachable', async () => {
		// Given a closed port (the jump server stopped? no: a port nobody listens on)
		const {freePort} = await import('../helpers/sshd.js');
		const result = await run(transport({port: await freePort()}), ['true']);
		// Then
		expect(result.failure?.kind).toBe('unreachable');
		expect(result.failure?.message).toContain('ECONNREFUSED');
	});

	it('caps concurrent channels per connection and still runs every command', async () => {
		// Given 12 commands on one node with maxChannels 4
		const t = transport({maxChannels: 4});
		const results = await Promise.all(
			Array.from({length: 12}, async (_, i) => run(t, ['sh', '-c', `sleep 0.1; echo ${i}`])),
		);
		// Then all ran on the one connection
		expect(results.map(r => r.stdout)).toEqual(Array.from({length: 12}, (_, i) => `${i}\n`));
	});

	it('honours ~/.ssh/config: Host alias, HostName, Port, User, IdentityFile, ProxyJump', async () => {
		// Given a config where "node-a" is reached through the jump host "bastion"
		const knownHosts = path.join(sshd.dir, 'known_hosts.both');
		writeFileSync(knownHosts, `${sshd.knownHostsLines[0]}\n${jump.knownHostsLines[0]}\n`);
		const config = SSHConfig.parse(
			[
				'Host bastion',
				'  HostName 127.0.0.1',
				`  Port ${jump.port}`,
				`  User ${jump.user}`,
				`  IdentityFile ${sshd.userKey.private}`,
				'Host node-a',
				'  HostName 127.0.0.1',
				`  Port ${sshd.port}`,
				`  User ${sshd.user}`,
				`  IdentityFile ${sshd.userKey.private}`,
				'  ProxyJump bastion',
			].join('\n'),
		);
		const t = new SshTransport({
			id: 'node-a',
			host: 'node-a',
			sshConfig: {config},
			knownHostsFile: knownHosts,
			agent: false,
		});
		transports.push(t);
		// When
		const result = await run(t, ['sh', '-c', 'echo $SSH_CLIENT']);
		// Then the command ran on the target, and its client was the jump host's forward
		expect(result.failure).toBeUndefined();
		expect(result.stdout).toMatch(/^127\.0\.0\.1 \d+ \d+\n$/);
		expect(t.describe()).toBe(`${sshd.user}@[127.0.0.1]:${sshd.port}`);
	});

	it.each([
		['a comma list', 'ProxyJump j1,j2', ''],
		["the first hop's own ProxyJump", 'ProxyJump j2', '  ProxyJump j1'],
	])('follows a two-hop chain given as %s', async (_, targetJump, j2Jump) => {
		// Given node-b behind j2, and j2 reachable only through j1
		const knownHosts = path.join(sshd.dir, 'known_hosts.chain');
		writeFileSync(
			knownHosts,
			[sshd.knownHostsLines[0], jump.knownHostsLines[0], jump2.knownHostsLines[0], ''].join('\n'),
		);
		const config = SSHConfig.parse(
			[
				`Host j1\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User ${jump.user}`,
				`Host j2\n  HostName 127.0.0.1\n  Port ${jump2.port}\n  User ${jump2.user}\n${j2Jump}`,
				`Host node-b\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  ${targetJump}`,
			].join('\n'),
		);
		const t = new SshTransport({
			id: 'node-b',
			host: 'node-b',
			identityFiles: [sshd.userKey.private],
			sshConfig: {config},
			knownHostsFile: knownHosts,
			agent: false,
		});
		transports.push(t);
		// When / Then the command runs on the target
		const result = await run(t, ['echo', 'through-two']);
		expect(result.failure).toBeUndefined();
		expect(result.stdout).toBe('through-two\n');
	});

	it('refuses the target behind a jump host when only the jump host is known', async () => {
		// Given known_hosts with only the bastion
		const knownHosts = path.join(sshd.dir, 'known_hosts.jumponly');
		writeFileSync(knownHosts, `${jump.knownHostsLines[0]}\n`);
		const config = SSHConfig.parse(
			`Host n\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  ProxyJump ${jump.user}@127.0.0.1:${jump.port}\n`,
		);
		const t = new SshTransport({
			id: 'n',
			host: 'n',
			user: sshd.user,
			identityFiles: [sshd.userKey.private],
			sshConfig: {config},
			knownHostsFile: knownHosts,
			agent: false,
		});
		transports.push(t);
		// When / Then
		const result = await run(t, ['true']);
		expect(result.failure?.kind).toBe('refused');
		expect(result.failure?.message).toContain(`[127.0.0.1]:${sshd.port}`);
	});

	it('close() during a connect attempt settles at once and ends everything', async () => {
		// Given a transport connecting to a port that never answers the handshake (a silent TCP listener)
		const sockets: Socket[] = [];
		const silent = createServer(socket => sockets.push(socket));
		await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
		const address = silent.address();
		const port = typeof address === 'object' && address ? address.port : 0;
		const t = transport({port, connectTimeoutMs: 30_000});
		const pending = run(t, ['true']);
		await new Promise(resolve => setTimeout(resolve, 200));
		// When closed
		await t.close();
		const result = await pending;
		// Then the command settled as cancelled and the transport is closed
		expect(['cancelled', 'unreachable']).toContain(result.failure?.kind);
		for (const socket of sockets) socket.destroy();
		silent.close();
	});
});
