/**
 * Prepare the FAKE node tools (test/fixtures/fake-node-bin: `ip`, `ovs-*` scripts answering from
 * fixtures) in a directory the SSH test user can read; returns the bin directory for PATH.
 */
import {chmodSync, copyFileSync, mkdirSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function prepareFakeNodeBin(dir: string): string {
	const bin = path.join(dir, 'fake-node-bin');
	const data = path.join(bin, 'data');
	mkdirSync(data, {recursive: true, mode: 0o755});
	chmodSync(dir, 0o755);
	for (const name of ['ip', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl']) {
		copyFileSync(path.join(FIXTURES, 'fake-node-bin', name), path.join(bin, name));
		chmodSync(path.join(bin, name), 0o755);
	}
	for (const name of readdirSync(FIXTURES)) {
		if (/^(gen|fixture)-.*\.(txt|json)$/.test(name))
			copyFileSync(path.join(FIXTURES, name), path.join(data, name));
	}
	return bin;
}

export const FIXTURE_DIR = FIXTURES;
