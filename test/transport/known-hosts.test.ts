import {createHmac, randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {
	checkHostKey,
	fingerprint,
	knownHostName,
	parseKnownHosts,
	type KnownHosts,
} from '../../src/transport/known-hosts.js';

/** A syntactically valid ssh-ed25519 public key blob with chosen bytes. */
const blob = (fill: number): Buffer => {
	const type = Buffer.from('ssh-ed25519');
	const key = Buffer.alloc(32, fill);
	const out = Buffer.alloc(4 + type.length + 4 + key.length);
	out.writeUInt32BE(type.length, 0);
	type.copy(out, 4);
	out.writeUInt32BE(key.length, 4 + type.length);
	key.copy(out, 8 + type.length);
	return out;
};
const A = blob(1);
const B = blob(2);
const line = (hosts: string, key: Buffer): string =>
	`${hosts} ssh-ed25519 ${key.toString('base64')}`;
const hashed = (name: string, key: Buffer): string => {
	const salt = randomBytes(20);
	const hash = createHmac('sha1', salt).update(name).digest();
	return line(`|1|${salt.toString('base64')}|${hash.toString('base64')}`, key);
};
const file = (...lines: string[]): KnownHosts => ({
	file: 'kh',
	entries: parseKnownHosts(lines.join('\n')),
});

describe('known_hosts checking', () => {
	it.each([
		{
			name: 'plain host, port 22',
			text: [line('node1', A)],
			host: 'node1',
			port: 22,
			status: 'known',
		},
		{
			name: '[host]:port form',
			text: [line('[10.0.0.5]:2222', A)],
			host: '10.0.0.5',
			port: 2222,
			status: 'known',
		},
		{
			name: 'port must match',
			text: [line('[10.0.0.5]:2222', A)],
			host: '10.0.0.5',
			port: 22,
			status: 'unknown',
		},
		{
			name: 'comma list and wildcard',
			text: [line('x,cmp-*', A)],
			host: 'cmp-07',
			port: 22,
			status: 'known',
		},
		{
			name: 'negated pattern wins',
			text: [line('cmp-*,!cmp-07', A)],
			host: 'cmp-07',
			port: 22,
			status: 'unknown',
		},
		{
			name: 'hashed entry',
			text: [hashed('[127.0.0.1]:2201', A)],
			host: '127.0.0.1',
			port: 2201,
			status: 'known',
		},
		{name: 'changed key', text: [line('node1', B)], host: 'node1', port: 22, status: 'changed'},
		{
			name: 'changed key, hashed',
			text: [hashed('node1', B)],
			host: 'node1',
			port: 22,
			status: 'changed',
		},
		{
			name: 'revoked key',
			text: [`@revoked * ssh-ed25519 ${A.toString('base64')}`, line('node1', A)],
			host: 'node1',
			port: 22,
			status: 'revoked',
		},
		{
			name: 'comments and junk skipped',
			text: ['# c', 'garbage', line('node1', A)],
			host: 'node1',
			port: 22,
			status: 'known',
		},
	])('$name → $status', ({text, host, port, status}) => {
		// Given a known_hosts / When the server offers key A
		const verdict = checkHostKey(file(...text), host, port, A);
		// Then
		expect(verdict.status).toBe(status);
	});

	it('names the fingerprint the way OpenSSH prints it', () => {
		expect(fingerprint(A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
		expect(knownHostName('h', 22)).toBe('h');
		expect(knownHostName('h', 2222)).toBe('[h]:2222');
	});
});
