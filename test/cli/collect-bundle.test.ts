/** `dvrscope collect --bundle` as a user runs it, against a REAL sshd on 127.0.0.1 (fake node tools). */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {gunzipSync} from 'node:zlib';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {openInput} from '../../src/bundle/read.js';
import {freePort, startSshd, type Sshd} from '../helpers/sshd.js';
import {prepareFakeNodeBin} from '../helpers/fake-node.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dvrscope = (args: string[]) =>
	execa('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		cwd: ROOT,
		reject: false,
		env: {SSH_AUTH_SOCK: ''},
	});

let sshd: Sshd;
let work: string;
let inventory: string;

beforeAll(async () => {
	work = mkdtempSync(path.join(os.tmpdir(), 'dvrscope-cli-collect-bundle-'));
	sshd = await startSshd({
		ports: [await freePort(), await freePort()],
		pathPrefix: prepareFakeNodeBin(work),
	});
	const dead = await freePort();
	inventory = path.join(work, 'inv.yaml');
	writeFileSync(
		inventory,
		[
			'defaults:',
			`  user: ${sshd.user}`,
			`  identityFile: ${sshd.userKey.private}`,
			'nodes:',
			`  - {id: cmp-1, host: 127.0.0.1, port: ${sshd.ports[0]}, roles: [compute]}`,
			`  - {id: cmp-2, host: 127.0.0.1, port: ${sshd.ports[1]}, roles: [compute]}`,
			`  - {id: dead-1, host: 127.0.0.1, port: ${dead}}`,
		].join('\n'),
	);
});
afterAll(async () => {
	await sshd.stop();
	rmSync(work, {recursive: true, force: true});
});

describe('dvrscope collect --bundle', () => {
	it('Given a node that cannot be reached, When collected with --bundle only, Then a partial bundle is written with the reason and analyze reads it', async () => {
		const bundle = path.join(work, 'incident.tar.gz');
		const result = await dvrscope([
			'collect',
			'--inventory',
			inventory,
			'--known-hosts',
			sshd.knownHostsFile,
			'--bundle',
			bundle,
		]);
		expect(result.exitCode).toBe(1);
		expect(result.stderr).toMatch(
			/wrote bundle .*incident\.tar\.gz \(\d+ captures, \d+ redaction\(s\), partial\)/,
		);
		const opened = await openInput(bundle);
		expect(opened.bundle?.partial).toBe(true);
		expect(opened.bundle?.partialReasons.join('\n')).toContain('dead-1');
		expect(opened.set.manifest.nodes.map(n => n.id)).toEqual(['cmp-1', 'cmp-2', 'dead-1']);
		expect(opened.bundle?.inventory).toBeDefined();
		const analyzed = await dvrscope(['analyze', bundle, '--json']);
		// A node was not read: never OK — the verdict is INCOMPLETE (exit 4) and names the node.
		expect(analyzed.exitCode).toBe(4);
		expect(analyzed.stderr).toContain('note: partial bundle');
		const report = JSON.parse(analyzed.stdout) as {
			schema: string;
			verdict: string;
			coverage: {gaps: {subject: string}[]};
		};
		expect(report.schema).toBe('dvrscope.findings');
		expect(report.verdict).toBe('incomplete');
		expect(report.coverage.gaps.map(g => g.subject).join(' ')).toContain('dead-1');
	});

	it('Given --pseudonymize --mapping-out, When collected, Then node names and addresses are gone from the bundle and the mapping is written', async () => {
		const bundle = path.join(work, 'shared.tar.gz');
		const mapping = path.join(work, 'map.json');
		const result = await dvrscope([
			'collect',
			'--inventory',
			inventory,
			'--known-hosts',
			sshd.knownHostsFile,
			'--bundle',
			bundle,
			'--pseudonymize',
			'--mapping-out',
			mapping,
		]);
		expect(result.exitCode).toBe(1);
		const raw = gunzipSync(readFileSync(bundle)).toString('utf8');
		for (const name of ['cmp-1', 'cmp-2', 'dead-1'])
			expect(raw).not.toMatch(new RegExp(`\\b${name}\\b`));
		const map = JSON.parse(readFileSync(mapping, 'utf8')) as {hosts: Record<string, string>};
		expect(Object.keys(map.hosts)).toEqual(expect.arrayContaining(['cmp-1', 'cmp-2', 'dead-1']));
	});
});
