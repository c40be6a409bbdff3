/**
 * End-to-end against the real ML2/OVN lab (lab/ovn/, `npm run lab:up -- --backend ovn`): real
 * upstream Neutron with the OVN driver, real OVN 23.03 (NB/SB, ovn-northd, ovn-controller per
 * chassis), real OVS, keepalived and OpenSSH on the lab's four nodes, and the Kubernetes face with
 * OVN pods. The built CLI's `dvrscope diagnose` over SSH and through the real kubectl, in the
 * healthy, failover (the new master's gratuitous ARPs dropped by OVN port security), workaround
 * and silent-move states; the client VM's routed ping to the VIP is the ground truth. ONE bring-up
 * for the OVN backend, torn down at the end; it never runs while the ML2/OVS lab is up (both use
 * /tmp/dvrscope-lab, the same lock and the same ports).
 *
 * Needs root and the lab's Debian packages (`.ci/run` installs them). Otherwise skipped, with the
 * reason in the test name. DVRSCOPE_LAB=0 skips it on purpose; LAB_REUSE=1 uses an OVN lab that
 * is already up (and leaves it up).
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {lab, repo} from './lab-run.js';

const RUN = '/tmp/dvrscope-lab';

type OvnLabState = {
	backend: string;
	scenario: string;
	vip: string;
	ports: Record<'vm1' | 'vm2' | 'client' | 'vip', {id: string; mac: string; ip: string}>;
	master: string;
	sbParent: string;
	macBinding: string;
	portSecurity: Record<'vm1' | 'vm2', 'yes' | 'no'>;
	clientPing: {sent: number; received: number};
};
const state = (): OvnLabState => JSON.parse(lab('scenario.sh', 'state')) as OvnLabState;

const whyNot = (): string => {
	if (process.env['DVRSCOPE_LAB'] === '0') return 'DVRSCOPE_LAB=0';
	if (process.platform !== 'linux') return 'not Linux';
	if (process.getuid?.() !== 0) return 'needs root (network namespaces, Open vSwitch, OVN)';
	const check = spawnSync('bash', [path.join(repo, 'lab', 'packages.sh'), '--check'], {
		encoding: 'utf8',
	});
	if (check.status !== 0) return `${check.stdout.trim()} (.ci/run installs them)`;
	if (process.env['LAB_REUSE'] === '1') {
		const backend = existsSync(`${RUN}/backend`)
			? readFileSync(`${RUN}/backend`, 'utf8').trim()
			: '';
		return backend === 'ovn' ? '' : 'LAB_REUSE=1 but the running lab is not the OVN one';
	}
	if (existsSync(RUN))
		return 'a lab is already running (npm run lab:down first, or LAB_REUSE=1 to use an OVN lab)';
	return '';
};
const reason = whyNot();
const reuse = process.env['LAB_REUSE'] === '1';
if (reason !== '') console.warn(`[test/lab] the ML2/OVN lab tests are skipped: ${reason}`);

type Report = {
	verdict: string;
	exitCode: number;
	headline: string;
	backend: {name: string; summary: string};
	coverage: {complete: boolean; gaps: {kind: string; subject: string; reason: string}[]};
	findings: {
		ruleId: string;
		severity: string;
		vip?: string;
		message: string;
		path?: {verdict: string; exitCode: number; headline: string};
	}[];
	rules: {ruleId: string; status: string; findings: number; notApplicable?: string}[];
};

/** `dvrscope diagnose --json` from the built CLI, over the lab's real sshd or through kubectl. */
function diagnose(via: 'ssh' | 'kubectl'): Report & {code: number | null; nodesRead: string[]} {
	const home = mkdtempSync(path.join(tmpdir(), 'dvrscope-ovn-lab-'));
	const {env, source} = cliSource(via, home);
	try {
		const run = spawnSync(
			process.execPath,
			[
				path.join(repo, 'dist', 'cli', 'main.js'),
				'diagnose',
				'--json',
				// a loaded CI machine (the lab saturates both cores) must not turn a slow exec into a gap
				'--timeout',
				'120',
				'--save-set',
				path.join(home, 'set'),
				...source,
			],
			{cwd: repo, encoding: 'utf8', env, timeout: 880_000},
		);
		let report: Report;
		try {
			report = JSON.parse(run.stdout) as Report;
		} catch {
			throw new Error(
				`dvrscope diagnose printed no JSON (exit ${run.status}): ${run.stderr.slice(0, 2000)}`,
			);
		}
		const manifest = JSON.parse(readFileSync(path.join(home, 'set', 'manifest.json'), 'utf8')) as {
			captures: {node?: string; catalogId?: string; failure?: {message?: string}}[];
		};
		// every node read, every capture whole: a verdict over incomplete data would prove nothing here
		const failed = manifest.captures.filter(c => c.failure !== undefined);
		expect(
			failed.map(c => `${c.node ?? 'cloud'} ${c.catalogId ?? ''}: ${c.failure?.message ?? ''}`),
		).toEqual([]);
		const nodesRead = [
			...new Set(manifest.captures.flatMap(c => (c.node === undefined ? [] : [c.node]))),
		].sort();
		const ovnReads = manifest.captures.filter(
			c => c.catalogId === 'ovn.nb' || c.catalogId === 'ovn.sb',
		);
		expect(ovnReads.map(c => `${c.node ?? ''} ${c.catalogId ?? ''}`).sort()).toEqual([
			'controller ovn.nb',
			'controller ovn.sb',
		]);
		console.log(
			`[ovn lab] diagnose over ${via}: exit ${run.status}, ${report.headline} [backend ${report.backend.name}]; findings: ${report.findings.map(f => f.ruleId).join(', ') || 'none'}; gaps: ${report.coverage.gaps.map(g => `${g.kind} ${g.subject}: ${g.reason}`).join(' | ') || 'none'}`,
		);
		return {...report, code: run.status, nodesRead};
	} finally {
		rmSync(home, {recursive: true, force: true});
	}
}

type Proof = {
	verdict: string;
	exitCode: number;
	headline: string;
	l2: boolean;
	holder: {known: boolean; mac?: string};
	landing?: {node: string; port: string; mac?: string};
	hops: {kind: string; status: string; title: string; detail: string; contradictsHolder?: true}[];
};

/** The CLI's environment and source words for the lab over SSH or through kubectl. */
function cliSource(
	via: 'ssh' | 'kubectl',
	home: string,
): {env: NodeJS.ProcessEnv; source: string[]} {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(
			([name]) => !name.startsWith('OS_') && name !== 'KUBECONFIG',
		),
	);
	env['OS_CLIENT_CONFIG_FILE'] = path.join(repo, '.lab-state', 'clouds.yaml');
	env['OS_CLOUD'] = 'lab';
	env['KUBECACHEDIR'] = path.join(home, 'kube-cache');
	const state = path.join(repo, '.lab-state');
	const source =
		via === 'ssh'
			? ['--inventory', `${state}/inventory.yaml`, '--known-hosts', `${state}/known_hosts`]
			: ['--kube-context', 'lab', '--kubeconfig', `${state}/kubeconfig`, '--openstack', 'api'];
	return {env, source};
}

/** `dvrscope trace --from client --to VIP --json` from the built CLI, live; then replayed from its saved set. */
function trace(via: 'ssh' | 'kubectl', from: string, to: string): Proof & {code: number | null} {
	const home = mkdtempSync(path.join(tmpdir(), 'dvrscope-ovn-trace-'));
	const {env, source} = cliSource(via, home);
	const cli = (args: string[]) =>
		spawnSync(process.execPath, [path.join(repo, 'dist', 'cli', 'main.js'), 'trace', ...args], {
			cwd: repo,
			encoding: 'utf8',
			env,
			timeout: 600_000,
		});
	try {
		const run = cli([
			'--from',
			from,
			'--to',
			to,
			'--json',
			'--timeout',
			'120',
			'--save-set',
			path.join(home, 'set'),
			...source,
		]);
		let proof: Proof;
		try {
			proof = JSON.parse(run.stdout) as Proof;
		} catch {
			throw new Error(
				`dvrscope trace printed no JSON (exit ${run.status}): ${run.stderr.slice(0, 2000)}`,
			);
		}
		console.log(
			`[ovn lab] trace over ${via}: exit ${run.status}, ${proof.headline}; ${run.stderr.trim().split('\n').at(-1) ?? ''}`,
		);
		// the saved set replays the same proof offline (the ovn-trace read is a capture like any other)
		const replay = cli(['--from', from, '--to', to, '--json', path.join(home, 'set')]);
		expect(replay.status).toBe(run.status);
		expect((JSON.parse(replay.stdout) as Proof).headline).toBe(proof.headline);
		return {...proof, code: run.status};
	} finally {
		rmSync(home, {recursive: true, force: true});
	}
}

const OVN_RULES = /^ovn\//;
/** The OVN rules were evaluated (not "not applicable"); the DVR/OVS-only ones were not. */
function expectOvnRulesRan(report: Report): void {
	expect(report.backend.name).toBe('ml2/ovn');
	const ovn = report.rules.filter(r => OVN_RULES.test(r.ruleId));
	expect(ovn.length).toBeGreaterThanOrEqual(5);
	for (const rule of ovn) expect(rule.notApplicable, rule.ruleId).toBeUndefined();
	expect(ovn.some(r => r.status !== 'skipped')).toBe(true);
	for (const rule of report.rules.filter(r => r.ruleId.startsWith('dvr/')))
		expect(rule.notApplicable ?? '', rule.ruleId).toMatch(/not applicable on ml2\/ovn/);
}

describe.skipIf(reason !== '')(
	`the ML2/OVN lab: real Neutron + OVN, a VRRP VIP on a virtual port${reason === '' ? '' : ` — skipped: ${reason}`}`,
	() => {
		beforeAll(() => {
			if (!reuse) lab('up.sh', '--backend', 'ovn');
			else lab('scenario.sh', 'healthy');
		}, 900_000);
		afterAll(() => {
			if (!reuse && existsSync(RUN)) lab('down.sh');
		}, 300_000);

		it('Given the healthy OVN lab with the client reaching the VIP, diagnose over SSH and kubectl names ml2/ovn, runs the OVN rules and is OK: the chassis counters show vm1 answering from the VIP, as the SB binds it', () => {
			for (const via of ['ssh', 'kubectl'] as const) {
				// the client's traffic to the VIP right before: what the chassis' counters see answered
				const before = state();
				expect(before).toMatchObject({backend: 'ovn', master: 'vm1', sbParent: 'vm1'});
				expect(before.clientPing.received).toBeGreaterThan(0);
				const report = diagnose(via);
				expect(report.nodesRead).toEqual(['compute-1', 'compute-2', 'controller', 'network']);
				expectOvnRulesRan(report);
				expect(report.findings).toEqual([]);
				expect(report.coverage.gaps).toEqual([]);
				expect(report.verdict).toBe('ok');
				expect(report.code).toBe(0);
			}
		}, 900_000);

		it("Given a failover whose gratuitous ARPs OVN drops (the new master's port_security lost the VIP), then the routed ping fails and diagnose over SSH and kubectl is CRITICAL with ovn/vip-port-security on ml2/ovn", () => {
			lab('scenario.sh', 'failover');
			for (const via of ['ssh', 'kubectl'] as const) {
				const after = state();
				expect(after).toMatchObject({
					master: 'vm2',
					sbParent: 'vm1',
					portSecurity: {vm1: 'yes', vm2: 'no'},
				});
				expect(after.clientPing.received).toBe(0);
				const report = diagnose(via);
				expectOvnRulesRan(report);
				expect(report.verdict).toBe('critical');
				expect(report.code).toBe(2);
				const security = report.findings.filter(f => f.ruleId === 'ovn/vip-port-security');
				expect(security.length).toBeGreaterThan(0);
				expect(security[0]?.message).toContain(after.ports.vm2.id.slice(0, 8));
				expect(security[0]?.vip).toBe(after.vip);
				// live diagnose ran the OVN path proof of the finding (one ovn-trace on the SB node)
				expect(security[0]?.path).toMatchObject({verdict: 'black-hole', exitCode: 2});
				expect(security[0]?.path?.headline).toContain('lr_in_arp_resolve');
			}
		}, 900_000);

		it("Given healthy → failover → workaround, dvrscope trace over SSH and kubectl proves the OVN path from ovn-trace: ends on the holder, breaks at the router's lr_in_arp_resolve with the old master (as the ping fails), ends on the new holder", () => {
			lab('scenario.sh', 'healthy');
			const healthy = state();
			expect(healthy).toMatchObject({master: 'vm1', sbParent: 'vm1'});
			expect(healthy.clientPing.received).toBeGreaterThan(0);
			for (const via of ['ssh', 'kubectl'] as const) {
				const p = trace(via, 'client', healthy.vip);
				expect(p.code, p.headline).toBe(0);
				expect(p.verdict).toBe('holder');
				expect(p.landing).toMatchObject({node: 'compute-1', mac: healthy.ports.vm1.mac});
				expect(p.hops.map(h => h.kind)).toEqual([
					'ovn-switch',
					'ovn-router',
					'ovn-router',
					'ovn-switch',
					'chassis',
					'port',
				]);
			}
			lab('scenario.sh', 'failover');
			const failed = state();
			expect(failed).toMatchObject({master: 'vm2', sbParent: 'vm1'});
			expect(failed.clientPing.received).toBe(0);
			for (const via of ['ssh', 'kubectl'] as const) {
				const p = trace(via, 'client', failed.vip);
				// the client's ping fails; the proof agrees and names where: the router's ARP resolve
				expect(p.code, p.headline).toBe(2);
				const brk = p.hops.find(h => h.status === 'break');
				expect(brk?.kind).toBe('ovn-router');
				expect(brk?.title).toContain('lr_in_arp_resolve');
				expect(brk?.detail).toContain(`→ ${failed.ports.vm1.mac} (port vm1`);
				expect(brk?.detail).toContain('old master');
				expect(p.landing?.mac).toBe(failed.ports.vm1.mac);
			}
			lab('scenario.sh', 'workaround');
			const fixed = state();
			expect(fixed).toMatchObject({master: 'vm2', sbParent: 'vm2'});
			expect(fixed.clientPing.received).toBeGreaterThan(0);
			for (const via of ['ssh', 'kubectl'] as const) {
				const p = trace(via, 'client', fixed.vip);
				expect(p.code, p.headline).toBe(0);
				expect(p.landing).toMatchObject({node: 'compute-2', mac: fixed.ports.vm2.mac});
			}
		}, 900_000);

		it('Given the workaround (the holder re-synced to the NB, one gratuitous ARP), then the ping works and the verdict is no longer critical', () => {
			lab('scenario.sh', 'workaround');
			const after = state();
			expect(after).toMatchObject({master: 'vm2', sbParent: 'vm2', portSecurity: {vm2: 'yes'}});
			expect(after.clientPing.received).toBeGreaterThan(0);
			const report = diagnose('ssh');
			expectOvnRulesRan(report);
			// vm2 answers from the VIP now and the SB binds vm2: the counters name it, nothing is left
			expect(report.findings).toEqual([]);
			expect(report.verdict).toBe('ok');
		}, 900_000);

		it('Given a silent move (no gratuitous ARP at all), then the ping fails and diagnose is never OK', () => {
			lab('scenario.sh', 'stale');
			const after = state();
			expect(after.sbParent).not.toBe(after.master);
			expect(after.clientPing.received).toBe(0);
			const report = diagnose('ssh');
			expectOvnRulesRan(report);
			// OVN's binding still names the old master; the chassis counters show the client's traffic
			// reaching it and no answer from the VIP since the move, and the new master never spoke
			// from the VIP: nobody can be named — INCOMPLETE with that reason, never OK
			expect(report.verdict).toBe('incomplete');
			expect(report.code).toBe(4);
			const gaps = JSON.stringify(report.coverage.gaps);
			expect(gaps).toMatch(/who holds VIP 198\.19\.0\.100 now is unknown/);
			expect(gaps).toMatch(/still gets traffic for it but has not answered for \d+ s/);
		}, 900_000);

		it.skipIf(reuse)(
			'Given lab down, then nothing of the OVN lab is left',
			() => {
				lab('down.sh');
				const clean = spawnSync('bash', [path.join(repo, 'lab', 'verify-clean.sh')], {
					encoding: 'utf8',
				});
				expect(clean.stdout).toContain('lab: clean');
				expect(clean.status).toBe(0);
			},
			300_000,
		);
	},
);
