import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadLab, archive, writeApiData, writeSosReport} from './sos-fixture.js';

const cli = (...args: string[]) => {
	const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
		encoding: 'utf8',
		env: {...process.env, NO_COLOR: '1'},
	});
	return {code: r.status, stdout: r.stdout, stderr: r.stderr};
};

let tmp: string;
let files: string[];
let api: string[];
const ROUTER = '4cf16748-2f93-4324-803e-6d0db9e6882b';
const SECRET = 'lab-canary-vrrp-auth-secret';

beforeAll(async () => {
	tmp = mkdtempSync(path.join(tmpdir(), 'dvrscope-sos-cli-'));
	const lab = await loadLab();
	files = ['network', 'compute-1', 'compute-2'].map(node => {
		const dir = writeSosReport(path.join(tmp, 'r'), lab, node, {
			version: '4.3',
			extra:
				node === 'network'
					? {
							[`var/lib/neutron/ha_confs/${ROUTER}/keepalived.conf`]: `vrrp_instance VR_1 {\n    state BACKUP\n    interface ha-1234\n    virtual_router_id 1\n    priority 50\n    authentication {\n        auth_type PASS\n        auth_pass ${SECRET}\n    }\n    virtual_ipaddress {\n        169.254.0.1/24 dev ha-1234\n    }\n}\n`,
						}
					: {},
		});
		return archive(dir, `${dir}.tar.xz`, 'xz');
	});
	api = writeApiData(path.join(tmp, 'api'), lab);
});
afterAll(() => {
	rmSync(tmp, {recursive: true, force: true});
});

describe('dvrscope diagnose / analyze on sos reports', () => {
	it('Given three sos report archives and --api-data, When diagnosed, Then exit 2 with the stale PERMANENT entry for the lab VIP', () => {
		const r = cli('diagnose', ...files, ...api.flatMap(f => ['--api-data', f]), '--json');
		expect(r.stderr).toBe('');
		expect(r.code).toBe(2);
		const json = JSON.parse(r.stdout) as {findings: {ruleId: string; vip?: string}[]};
		expect(
			json.findings.some(f => f.ruleId === 'dvr/stale-permanent-arp' && f.vip === '198.19.0.100'),
		).toBe(true);
	});

	it('Given the archives without API data, When analyzed, Then the verdict is not OK (exit ≠ 0)', () => {
		const r = cli('analyze', ...files);
		expect(r.code).not.toBe(0);
		expect(r.stdout).not.toMatch(/Verdict: OK/);
	});

	it('Given --save-set on an import, When written, Then keepalived auth_pass from the report is redacted in what is written', () => {
		const out = path.join(tmp, 'saved');
		const r = cli('diagnose', ...files, '--save-set', out, '--json');
		expect([2, 4]).toContain(r.code);
		const all = readdirSync(out, {recursive: true, withFileTypes: true})
			.filter(e => e.isFile())
			.map(e => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
			.join('\n');
		expect(all).toMatch(/auth_pass/);
		expect(all).not.toContain(SECRET);
	});

	it('Given an --api-data file that is not API data, When diagnosed, Then exit 3 naming the file', () => {
		const r = cli('diagnose', files[0] ?? '', '--api-data', files[1] ?? '');
		expect(r.code).toBe(3);
		expect(r.stderr).toContain('--api-data');
	});
});
