import {describe, expect, it} from 'vitest';
import {
	REDACTED,
	redactArgv,
	redactText,
	redactValue,
	redactionReport,
} from '../../src/bundle/redact.js';
import type {Redaction} from '../../src/bundle/redact.js';

describe('redactText', () => {
	it.each([
		[
			'keepalived auth_pass',
			'        auth_pass TESTPASSWORD',
			'TESTPASSWORD',
			'keepalived-auth-pass',
		],
		[
			'keepalived one-line block',
			'authentication { auth_type PASS auth_pass s3cr3t }',
			's3cr3t',
			'keepalived-auth-pass',
		],
		['ini password', 'password = hunter2-neutron', 'hunter2-neutron', 'password'],
		['ini admin_password', 'admin_password=Adm1nPw', 'Adm1nPw', 'password'],
		['metadata secret', 'metadata_proxy_shared_secret = MetaSecret42', 'MetaSecret42', 'secret'],
		[
			'transport_url',
			'transport_url = rabbit://stackrabbit:RabbitPw1@10.0.0.10:5672,stackrabbit:RabbitPw2@10.0.0.11:5672/',
			'RabbitPw',
			'url-credentials',
		],
		[
			'db connection',
			'connection = postgresql://neutron:DbPw99@db.local/neutron',
			'DbPw99',
			'url-credentials',
		],
		[
			'mysql connection',
			'connection = mysql+pymysql://neutron:MyPw@10.0.0.3/neutron?charset=utf8',
			'MyPw',
			'url-credentials',
		],
		['kubeconfig token', '    token: kube-token-abcdef', 'kube-token-abcdef', 'token'],
		[
			'kubeconfig client-key-data',
			'    client-key-data: LS0tLS1CRUdJTiBSU0Eg',
			'LS0tLS1CRUdJTiBSU0Eg',
			'kubeconfig-credential',
		],
		['yaml password', '  - password: "Yaml Pw"', 'Yaml Pw', 'password'],
		['json password', '{"user": "admin", "password": "JsonPw\\"x"}', 'JsonPw', 'password'],
		[
			'authorization header',
			'Authorization: Bearer abc.def.ghi',
			'abc.def.ghi',
			'authorization-header',
		],
		['x-auth-token header', "curl -H 'X-Auth-Token: gAAAAtok123'", 'gAAAAtok123', 'token'],
		['env export', 'export OS_PASSWORD=EnvPw1', 'EnvPw1', 'password'],
		['inline flag', 'openstack --os-password=FlagPw port list', 'FlagPw', 'password'],
		['api key', 'api_key: ApiKey123', 'ApiKey123', 'api-key'],
		['octavia heartbeat_key', 'heartbeat_key = HbKey77', 'HbKey77', 'secret'],
		['memcache secret key', 'memcache_secret_key = McKey78', 'McKey78', 'secret'],
		['erlang cookie', 'RABBITMQ_ERLANG_COOKIE=Cookie79', 'Cookie79', 'secret'],
		[
			'jwt anywhere',
			'value eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_nature',
			'eyJhbGciOiJIUzI1NiJ9',
			'token',
		],
	])('Given %s, When redacted, Then the value is gone', (_name, line, secret, kind) => {
		const result = redactText(line, 'f.txt');
		expect(result.text).not.toContain(secret);
		expect(result.text).toContain(REDACTED);
		expect(result.redactions.map(r => r.kind)).toContain(kind);
		expect(JSON.stringify(result.redactions)).not.toContain(secret);
	});

	it('Given a private key block, When redacted, Then the body is gone and the line count is kept', () => {
		const text = [
			'before',
			'-----BEGIN OPENSSH PRIVATE KEY-----',
			'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
			'AAAAMwAAAAtzc2gtZWQyNTUxOQAAACBeefbeefbeef',
			'-----END OPENSSH PRIVATE KEY-----',
			'after',
		].join('\n');
		const result = redactText(text, 'k');
		expect(result.text).not.toContain('b3BlbnNzaC1r');
		expect(result.text).not.toContain('AAAAMwAAAAtz');
		expect(result.text.split('\n')).toHaveLength(6);
		expect(result.text).toContain('-----END OPENSSH PRIVATE KEY-----');
		expect(result.text.split('\n')[5]).toBe('after');
		expect(result.redactions.filter(r => r.kind === 'private-key')).toHaveLength(2);
	});

	it('Given a JSON-escaped private key on one line, When redacted, Then the body is gone', () => {
		const text =
			'{"key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEAsecretbody\\n-----END RSA PRIVATE KEY-----\\n"}';
		const result = redactText(text, 'k');
		expect(result.text).not.toContain('MIIEpAIBAAKCAQEAsecretbody');
	});

	it.each([
		[
			' cookie=0x8ca031df7a84a666, duration=267947.154s, table=1, n_packets=0, priority=3,arp,dl_vlan=1,arp_tpa=192.168.100.1 actions=drop',
		],
		['10.0.0.4 dev qr-3f2a1b4c-5d lladdr fa:16:3e:76:31:68 PERMANENT '],
		['        auth_type PASS'],
		['    virtual_router_id 1'],
		['| id | fa16 | compute:nova |'],
		[
			'                options: {df_default="true", in_key=flow, local_ip="10.10.0.11", out_key=flow, remote_ip="10.10.0.13"}',
		],
	])('Given network data without secrets (%s), When redacted, Then it is unchanged', line => {
		const result = redactText(line, 'f');
		expect(result.text).toBe(line);
		expect(result.redactions).toEqual([]);
	});

	it('Given already-redacted text, When redacted again, Then nothing more is reported', () => {
		const once = redactText('password = x1\nauth_pass y2', 'f');
		const twice = redactText(once.text, 'f');
		expect(twice.text).toBe(once.text);
		expect(twice.redactions).toEqual([]);
	});
});

describe('redactArgv', () => {
	it('Given a secret flag with its value in the next word, When redacted, Then the value is gone', () => {
		const result = redactArgv(
			['openstack', '--os-password', 'ArgPw', '--os-token=TokPw', 'port', 'list'],
			'argv',
		);
		expect(result.argv).toEqual([
			'openstack',
			'--os-password',
			REDACTED,
			`--os-token=${REDACTED}`,
			'port',
			'list',
		]);
		expect(result.redactions).toHaveLength(2);
	});
});

describe('redactValue / redactionReport', () => {
	it('Given an inventory with credentials, When redacted, Then secrets are gone and paths are reported', () => {
		const redactions: Redaction[] = [];
		const out = redactValue(
			{
				nodes: [{host: 'cmp-1', sshPassword: 'InvPw', url: 'https://u:UrlPw@h/'}],
				kube: {token: 'KubeTok'},
			},
			'',
			redactions,
		);
		const text = JSON.stringify(out);
		for (const secret of ['InvPw', 'UrlPw', 'KubeTok']) expect(text).not.toContain(secret);
		expect(text).toContain('cmp-1');
		const report = redactionReport(redactions, false);
		expect(report.total).toBe(3);
		expect(report.byFile['nodes[0].sshPassword']).toBe(1);
		expect(JSON.stringify(report)).not.toMatch(/InvPw|UrlPw|KubeTok/);
	});
});

describe('redactText by shape (whatever the key)', () => {
	it.each([
		[
			'ceph keyring',
			'\tkey = AQBUnUJlAAAAABAAk3kP0xXyNhJ7rLmQwZ2c9g==',
			'AQBUnUJl',
			'shape:ceph-key',
		],
		[
			'ceph key in a JSON value',
			'{"client.admin": "AQD8uUplAAAAABAAyZ1bQ3hR7tKpW0sVxN2m4g=="}',
			'AQD8uUpl',
			'shape:ceph-key',
		],
		[
			'barbican kek',
			'  "kek": "dGhpcnR5LXR3by1ieXRlLWtleS1mb3ItYmFyYmljYW4="',
			'dGhpcnR5',
			// 32 bytes but no digit: caught by the key name instead
			'key-name',
		],
		[
			'base64 AES key under a harmless name',
			'  value: "Zm9vYmFyMTIzNDU2Nzg5MEFCQ0RFRmdoaWprbG1ub3A="',
			'Zm9vYmFy',
			'shape:base64-key',
		],
		[
			'fernet key in a list',
			'    - 8Xk2pQ7rTz4vN9mB1cW3yL6hF0dJ5sA8gE2uK4oI7nM=',
			'8Xk2pQ7r',
			'shape:base64-key',
		],
		[
			'kubeconfig certificate data',
			'    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=',
			'LS0tLS1CRUdJTiBDRVJU',
			'shape:pem-base64',
		],
		[
			'a certificate block on one line',
			'"ca": "-----BEGIN CERTIFICATE-----\\nMIIDdzCCAl+gAwIBAgIE\\n-----END CERTIFICATE-----"',
			'MIIDdzCCAl',
			'shape:pem-block',
		],
	])('Given %s, When redacted, Then the value is gone', (_name, line, secret, detector) => {
		const result = redactText(line, 'f');
		expect(result.text).not.toContain(secret);
		expect(result.redactions.map(r => r.detector)).toContain(detector);
	});

	it('Given two PEM blocks and a password on one JSON line, When redacted, Then all three are gone', () => {
		const line =
			'{"a": "-----BEGIN CERTIFICATE-----\\nMIIBcert1\\n-----END CERTIFICATE-----", "b": "-----BEGIN PRIVATE KEY-----\\nMIIEkey2\\n-----END PRIVATE KEY-----", "password": "Pw3x"}';
		const result = redactText(line, 'f');
		for (const secret of ['MIIBcert1', 'MIIEkey2', 'Pw3x'])
			expect(result.text).not.toContain(secret);
	});

	it.each([
		['a UUID', 'router 4d7928a0-4a3c-4b99-b01b-97da2f97e279'],
		['a UUID without dashes', 'id 4d7928a04a3c4b99b01b97da2f97e279'],
		[
			'a sha256 digest',
			'image@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
		],
		['a MAC and an IPv6', 'lladdr fa:16:3e:76:31:68 fe80::f816:3eff:fe76:3168'],
		['a MOSK node name', 'kaas-node-5e8f4a7c-1b2d-4c3e-9f0a-6b7c8d9e0f1a'],
		[
			'a file path',
			'cat -- /var/lib/neutron/ha_confs/4d7928a0-4a3c-4b99-b01b-97da2f97e279/keepalived.conf',
		],
		['a pod name', 'neutron-l3-agent-default-8x7kz  1/1  Running'],
	])('Given %s, When redacted, Then it is kept (the diagnosis needs it)', (_name, line) => {
		expect(redactText(line, 'f').text).toBe(line);
	});
});

describe('scanText (secretlint, the second net)', () => {
	it('Given a token only secretlint knows, When scanned, Then it is replaced and reported by rule', async () => {
		const {scanText} = await import('../../src/bundle/scan.js');
		const token = ['xoxb', '123456789012', '1234567890123', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('-');
		const text = `line one\nslack_hook ${token} # secretlint-disable-line\nline three`;
		const first = redactText(text, 'f');
		expect(first.text).toContain(token); // not caught by the first net
		const result = await scanText(first.text, 'f');
		expect(result.text).not.toContain(token);
		expect(result.text.split('\n')).toHaveLength(3);
		expect(result.redactions).toEqual([
			expect.objectContaining({line: 2, detector: 'secretlint:slack', kind: 'scanner-hit'}),
		]);
		expect(JSON.stringify(result.redactions)).not.toContain(token);
	});
});
