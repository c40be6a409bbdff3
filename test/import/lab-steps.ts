/**
 * What support receives, made from the real lab at the failover (test/lab/lab.e2e.test.ts calls
 * this at that state; issue 19): the REAL Debian `sosreport` 4.0 run on every agent node
 * (`lab/sos.sh`: its own /etc/neutron and Neutron state bind-mounted over the system paths), a
 * sos 4.3 tree of each node from the lab's own capture of the commands sos 4.3 runs
 * (test/import/sos43-tree.ts), and an osctl dump of the live collection archived as osctl does
 * (no top directory, tar.gz). Each is diagnosed by the built CLI with and without `--api-data`
 * (the openstack CLI's JSON the live collection took), and compared with the live diagnosis.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {expect} from 'vitest';
import {collectLab} from '../../lab/collect-lab.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose, type Finding} from '../../src/diagnostics/index.js';
import {archive, writeApiData, writeOsctlDump} from './sos-fixture.js';
import {writeSos43Tree} from './sos43-tree.js';

const STALE = 'dvr/stale-permanent-arp';
const AGENT_NODES = ['network', 'compute-1', 'compute-2'];

type Gap = {kind: string; subject: string; reason: string};
type Run = {
	code: number | null;
	verdict: string;
	findings: Finding[];
	gaps: Gap[];
	stderr: string;
};

/** The critical stale-ARP findings as comparable facts: VIP, router, nodes, both MACs. */
const staleFacts = (findings: readonly Finding[]): string[] =>
	findings
		.filter(f => f.ruleId === STALE && f.severity === 'critical')
		.map(f =>
			JSON.stringify({
				vip: f.vip,
				router: f.data['routerId'],
				nodes: [...f.nodes].sort(),
				staleMac: f.data['staleMac'],
				ownerMac: f.data['ownerMac'],
			}),
		)
		.sort();

function cliDiagnose(repo: string, inputs: readonly string[], api: readonly string[]): Run {
	const run = spawnSync(
		process.execPath,
		[
			path.join(repo, 'dist', 'cli', 'main.js'),
			'diagnose',
			...inputs,
			...api.flatMap(file => ['--api-data', file]),
			'--json',
		],
		{cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 600_000},
	);
	const out = JSON.parse(run.stdout) as {
		verdict: string;
		findings: Finding[];
		coverage: {gaps: Gap[]};
	};
	return {
		code: run.status,
		verdict: out.verdict,
		findings: out.findings,
		gaps: out.coverage.gaps,
		stderr: run.stderr,
	};
}

/**
 * Run the support-data checks on the lab at the failover; `router` is the lab's router id.
 * Returns log lines (what each source gave).
 */
export async function checkSupportDataOfLab(repo: string, router: string): Promise<string[]> {
	const tmp = mkdtempSync(path.join(tmpdir(), 'dvrscope-lab-sos-'));
	const log: string[] = [];
	try {
		const live = await collectLab({via: 'ssh', cloud: 'cli', description: 'lab e2e (sos)'});
		const liveFacts = staleFacts(diagnose(assembleSnapshot(live)).findings);
		expect(liveFacts.length).toBeGreaterThan(0);
		const api = writeApiData(path.join(tmp, 'api'), live);
		expect(api.length).toBeGreaterThan(0);

		// 1. the real Debian sosreport 4.0 on every agent node
		const real = execFileSync('bash', [path.join(repo, 'lab', 'sos.sh'), path.join(tmp, 'sos40')], {
			cwd: repo,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'inherit'],
			timeout: 900_000,
		})
			.split('\n')
			.filter(line => line.endsWith('.tar.xz'));
		expect(real).toHaveLength(AGENT_NODES.length);

		// 2. sos 4.3 trees of the same nodes, from the lab's capture of sos 4.3's commands
		const sshConfig = path.join(repo, '.lab-state', 'ssh_config');
		const trees = AGENT_NODES.map(node => {
			const dir = writeSos43Tree(
				path.join(tmp, 'sos43'),
				node,
				sshConfig,
				`/tmp/dvrscope-lab/nodes/${node}/etc`,
			);
			return archive(dir, `${dir}.tar.xz`, 'xz');
		});

		// 3. the live collection as an osctl dump, archived as osctl does (tar.gz, no top dir)
		const osctl = archive(
			writeOsctlDump(path.join(tmp, 'osctl'), live),
			path.join(tmp, 'osctl.tar.gz'),
			'gzip',
			false,
		);

		for (const [name, inputs] of [
			['sos 4.3 trees', trees],
			['osctl dump', [osctl]],
		] as const) {
			const withApi = cliDiagnose(repo, inputs, api);
			log.push(`[sos] ${name} + --api-data: exit ${withApi.code}, ${withApi.verdict}`);
			expect(withApi.code, `${name}: ${withApi.stderr}`).toBe(2);
			expect(staleFacts(withApi.findings), name).toEqual(liveFacts);
			const alone = cliDiagnose(repo, inputs, []);
			log.push(`[sos] ${name} alone: exit ${alone.code}, ${alone.verdict}`);
			expect(alone.verdict, name).not.toBe('ok');
			expect(alone.code, name).not.toBe(0);
		}

		// the real sos 4.0: no neighbour table inside any namespace — INCOMPLETE, each one named
		for (const api2 of [api, []]) {
			const r = cliDiagnose(repo, real, api2);
			log.push(
				`[sos] real sos 4.0 ${api2.length > 0 ? '+ --api-data' : 'alone'}: exit ${r.code}, ${r.verdict}; gaps: ${r.gaps.map(g => g.subject).join(', ')}`,
			);
			expect(r.verdict).toBe('incomplete');
			expect(r.code, r.stderr).toBe(4);
			const named = r.gaps.filter(g =>
				/sos 4\.0(\.\d+)? does not read neighbour tables/.test(g.reason),
			);
			for (const node of AGENT_NODES)
				expect(
					named.some(g => g.subject.includes(node) && g.subject.includes(`qrouter-${router}`)),
					`${node}: ${JSON.stringify(r.gaps)}`,
				).toBe(true);
		}
		console.log(log.join('\n'));
		return log;
	} finally {
		rmSync(tmp, {recursive: true, force: true});
	}
}
