import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, it} from 'vitest';
import {keepalivedConfParser} from '../../../src/collectors/parsers/keepalived-conf.js';

/**
 * Cross-check with the real keepalived (Debian package, installed by .ci/run via lab/packages.sh):
 * `keepalived -t -f FILE` names the lines it rejects; the parser must flag those lines too.
 */
const BROKEN: readonly (readonly [string, string])[] = [
	[
		'bad numbers, a bad VIP and an extra brace',
		'vrrp_instance X {\n  state BACKUP\n  interface eth0\n  virtual_router_id abc\n  priority 50\n  advert_int fast\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n    not-an-ip\n  }\n}\n}\n',
	],
	[
		'a non-numeric priority and an unclosed instance',
		'vrrp_instance VR_9 {\n    priority high\n    virtual_ipaddress {\n        169.254.0.9/24\n}\n}\n}\nvrrp_instance VR_10 {\n',
	],
];

async function keepalivedRejects(text: string): Promise<number[]> {
	const file = path.join(mkdtempSync(path.join(tmpdir(), 'dvrscope-ka-')), 'keepalived.conf');
	writeFileSync(file, text);
	const run = await execa('keepalived', ['-t', '-f', file], {reject: false, all: true});
	expect(run.exitCode, run.all).not.toBe(0);
	const lines = [...run.all.matchAll(/Line (\d+)\)/g)].map(m => Number(m[1]));
	return [...new Set(lines)].sort((a, b) => a - b);
}

describe('keepalived-conf parser against real keepalived -t', () => {
	it.each(BROKEN)(
		'Given %s, then every line keepalived rejects is a parser warning',
		async (_l, text) => {
			const rejected = await keepalivedRejects(text);
			expect(rejected.length).toBeGreaterThan(0);
			const ours = new Set(keepalivedConfParser.parse(text).warnings.map(w => w.line));
			for (const line of rejected) expect(ours, `keepalived rejects line ${line}`).toContain(line);
		},
	);
});
