/**
 * End-to-end against the real lab (lab/): real upstream Neutron DVR on four isolated nodes, real
 * OVS, real keepalived, real OpenSSH. lab up → collect over SSH (and through the real kubectl
 * against the lab's Kubernetes face) → assemble → diagnose, in the healthy, failover and
 * workaround scenarios; a routed ping from the client VM on compute-2 proves the failure is real;
 * lab down leaves nothing behind.
 *
 * Needs root and the lab's Debian packages (`.ci/run` installs them). Otherwise skipped, with the
 * reason in the test name. DVRSCOPE_LAB=0 skips it on purpose; LAB_REUSE=1 uses a lab that is
 * already up (and leaves it up).
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {lab, repo} from './lab-run.js';
import {assembleSnapshot} from '../../src/collectors/assemble.js';
import {diagnose, type Finding} from '../../src/diagnostics/index.js';
import {collectLab, LAB_CLOUD_ENTRIES} from '../../lab/collect-lab.js';
import {checkBundleOfLiveSet} from '../bundle/lab-steps.js';
import {checkSupportDataOfLab} from '../import/lab-steps.js';
import {watchAcrossFailover} from './watch-steps.js';
import {consoleWatchAcrossFailover} from './console-watch-steps.js';
import {consolePathAfterFailover} from './console-path-steps.js';
import {hasTmux} from '../e2e/tmux.js';

type LabState = {
	scenario: string;
	vip: string;
	router: string;
	ports: Record<'vm1' | 'vm2' | 'client', {id: string; mac: string; ip: string}>;
	master: string;
	entries: Record<string, string>;
	clientPing: {sent: number; received: number};
};
const state = (): LabState => JSON.parse(lab('scenario.sh', 'state')) as LabState;

/** Why the lab cannot run here ('' when it can). */
const whyNot = (): string => {
	if (process.env['DVRSCOPE_LAB'] === '0') return 'DVRSCOPE_LAB=0';
	if (process.platform !== 'linux') return 'not Linux';
	if (process.getuid?.() !== 0)
		return 'needs root (network namespaces, Open vSwitch, Neutron agents)';
	const check = spawnSync('bash', [path.join(repo, 'lab', 'packages.sh'), '--check'], {
		encoding: 'utf8',
	});
	if (check.status !== 0) return `${check.stdout.trim()} (.ci/run installs them)`;
	if (process.env['LAB_REUSE'] !== '1' && existsSync('/tmp/dvrscope-lab'))
		return 'a lab is already running (npm run lab:down first, or LAB_REUSE=1 to use it)';
	return '';
};
const reason = whyNot();
const hasKubectl = spawnSync('kubectl', ['version', '--client'], {encoding: 'utf8'}).status === 0;
const reuse = process.env['LAB_REUSE'] === '1';
/** The live transports a path-proof test goes through (kubectl when it is installed). */
const vias = hasKubectl ? (['ssh', 'kubectl'] as const) : (['ssh'] as const);
if (reason !== '') console.warn(`[test/lab] the real-lab end-to-end tests are skipped: ${reason}`);
const STALE = 'dvr/stale-permanent-arp';
const VIP = '198.19.0.100';

const diagnoseLab = async (
	via: 'ssh' | 'kubectl',
	cloud: 'api' | 'cli' = 'api',
): Promise<Finding[]> => {
	const counts: {cloudExecs?: number} = {};
	const set = await collectLab({via, cloud, counts, description: `lab e2e (${via}, ${cloud})`});
	if (via === 'kubectl' && cloud === 'api') {
		// issue 13: the API phase through kubectl is the API's GETs through ONE exec into the
		// keystone-client pod (the pod's own Python), not a Python CLI process per read
		const reads = set.captures.filter(c => c.scope === 'cloud' && c.catalogId?.startsWith('os.'));
		expect(reads.length).toBeGreaterThanOrEqual(LAB_CLOUD_ENTRIES.length + 2);
		for (const read of reads) {
			expect(read.via).toBe('openstack-api-kubectl');
			expect(read.argv[0]).toBe('GET');
		}
		expect(counts.cloudExecs).toBe(1);
	}
	if (via === 'ssh') {
		// the cloud data came the way asked: GETs from Node to the real Neutron, or the CLI
		const lists = set.captures.filter(
			c => c.catalogId === 'os.ports' || c.catalogId === 'os.agents',
		);
		expect(lists).toHaveLength(2);
		for (const list of lists) expect(list.via).toBe(cloud === 'api' ? 'openstack-api' : 'local');
		if (cloud === 'api')
			expect(lists.map(c => c.argv.join(' ')).sort()).toEqual([
				'GET network /v2.0/agents',
				'GET network /v2.0/ports',
			]);
	}
	const failed = set.captures.filter(capture => capture.failure !== undefined);
	expect(failed.map(capture => `${capture.id}: ${capture.failure?.message ?? ''}`)).toEqual([]);
	// not vacuous: the cloud data knows the VIP as an allowed address pair of the VRRP ports
	const carriers = set.captures
		.filter(c => c.catalogId === 'os.port-show' && c.stdout.includes(VIP))
		.map(c => {
			// the API's body is `{"port": {...}}`, the CLI's the port itself
			const body = JSON.parse(c.stdout) as {name?: string; port?: {name?: string}};
			return (body.port ?? body).name;
		});
	expect(new Set(carriers)).toEqual(new Set(['vm1', 'vm2']));
	// collect → bundle → analyze gives the live findings; no auth_pass in the archive (issue 7)
	await (await checkBundleOfLiveSet(set)).cleanup();
	const snapshot = assembleSnapshot(set);
	// as on a real cloud: the VMs' own namespaces are not read, so a holder comes from node evidence
	for (const node of Object.values(snapshot.nodes))
		for (const ns of ['vm1', 'vm2', 'client']) {
			expect(node.facts.addr?.[ns]).toBeUndefined();
			expect(node.facts.neigh?.[ns]).toBeUndefined();
		}
	return diagnose(snapshot).findings as Finding[];
};
/** A shell line with the `openstack` CLI pointed at the lab's Neutron (as an engineer runs it). */
const withLabCloud = (line: string): string =>
	execFileSync('sh', ['-c', line], {
		cwd: repo,
		encoding: 'utf8',
		env: {
			...process.env,
			OS_CLIENT_CONFIG_FILE: path.join(repo, '.lab-state', 'clouds.yaml'),
			OS_CLOUD: 'lab',
		},
		timeout: 120_000,
	});

/** A shell line on a lab node, over its real sshd. */
const onLabNode = (node: string, line: string): string =>
	execFileSync('ssh', ['-F', path.join(repo, '.lab-state', 'ssh_config'), node, line], {
		encoding: 'utf8',
		timeout: 60_000,
	});

/** The command lines of the runbook's "Two-minute check" (its first sh block, comments out). */
function runbookCheck(): {
	subnets: string;
	routerPorts: string;
	routerOfPort: string;
	neigh: string;
} {
	const text = readFileSync(path.join(repo, 'docs/runbooks/vrrp-failover-on-dvr.md'), 'utf8');
	const section = text.slice(text.indexOf('## 1. Two-minute check'));
	const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
	const lines = block
		.split('\n')
		.map(line => line.trim())
		.filter(line => line !== '' && !line.startsWith('#'));
	const find = (start: string): string => {
		const line = lines.find(l => l.startsWith(start));
		if (line === undefined) throw new Error(`the runbook's check has no line starting "${start}"`);
		return line;
	};
	return {
		subnets: find('openstack subnet list'),
		routerPorts: find('openstack port list --network'),
		routerOfPort: find('openstack port show'),
		neigh: find('ip netns exec qrouter-'),
	};
}

/** A command that re-points, re-sets or rewrites something (never printed without a known holder). */
const REPOINT = /ip neigh (replace|add|change|del|flush)|openstack port (set|unset)/;

/**
 * Every step the findings on the VIP print, run exactly as printed where it says: node steps over
 * the node's real sshd, cloud steps with the openstack CLI against the lab. Logs each command and
 * its result; returns the lines.
 */
function runPrintedSteps(findings: readonly Finding[], label: string): string[] {
	const seen = new Set<string>();
	const log: string[] = [];
	for (const finding of findings.filter(f => f.vip === VIP)) {
		for (const step of finding.fix?.steps ?? []) {
			const key = `${step.node ?? 'cloud'}\u0000${step.command}`;
			if (seen.has(key)) continue;
			seen.add(key);
			const where = step.where === 'node' ? `ssh ${step.node ?? '?'}` : 'openstack CLI';
			let result: string;
			try {
				const out =
					step.where === 'node'
						? onLabNode(step.node ?? '?', step.command)
						: withLabCloud(step.command);
				result = `ok${out.trim() === '' ? '' : `: ${out.trim().split('\n').slice(0, 4).join(' | ')}`}`;
			} catch (error) {
				result = `FAILED: ${(error as Error).message.split('\n')[0] ?? ''}`;
			}
			log.push(`[${label}] (${finding.ruleId}) ${where}: ${step.command} → ${result}`);
		}
	}
	console.log(log.join('\n'));
	return log;
}

/** Run the fixes the findings print, let the lab settle, and check recovery by ground truth. */
function applyPrintedFixAndCheck(findings: readonly Finding[], label: string): void {
	const onVip = findings.filter(f => f.vip === VIP && f.fix !== undefined);
	expect(onVip.length).toBeGreaterThan(0);
	for (const f of onVip) {
		expect(f.fix?.kind, `${f.ruleId}: ${f.fix?.basis ?? ''}`).toBe('fix');
		expect(f.fix?.prediction?.clears, f.fix?.prediction?.summary).toBe(true);
		expect(f.fix?.prediction?.critical).toBe(0);
	}
	const log = runPrintedSteps(findings, label);
	expect(log.filter(line => line.includes('→ FAILED'))).toEqual([]);
	lab('scenario.sh', 'settle', `${label}-fixed`);
	const after = state();
	const master = after.master as 'vm1' | 'vm2';
	expect(master).toMatch(/^vm[12]$/);
	expect(after.entries).toEqual({
		network: after.ports[master].mac,
		'compute-1': after.ports[master].mac,
		'compute-2': after.ports[master].mac,
	});
	expect(after.clientPing.received).toBeGreaterThan(0);
	console.log(
		`[${label}] after the printed fix: every entry → ${master} (${after.ports[master].mac}); client → VIP ${after.clientPing.received}/3`,
	);
}

const inCidr = (ip: string, cidr: string): boolean => {
	const [net, bits] = cidr.split('/');
	const n = (a: string): number => a.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
	const size = 2 ** (32 - Number(bits));
	return Math.floor(n(ip) / size) === Math.floor(n(net ?? '') / size);
};

const stale = (findings: readonly Finding[]): Finding[] =>
	findings.filter(finding => finding.ruleId === STALE);
const mentions = (finding: Finding): string => JSON.stringify(finding);

/**
 * The README's walkthrough as a user types it: the built CLI, `diagnose --inventory` over the
 * lab's real sshd, with or without the OpenStack API (the lab's clouds.yaml), `--json`, and the
 * capture set saved so the test can see which nodes were read.
 */
function diagnoseCli(
	api: boolean,
	...args: string[]
): {code: number | null; findings: Finding[]; nodesRead: string[]; stderr: string} {
	return diagnoseVia('ssh', api, ...args);
}

/** The live source options of the dvrscope CLI on the lab: its SSH inventory or its kubectl face. */
const liveSource = (via: 'ssh' | 'kubectl'): string[] =>
	via === 'ssh'
		? [
				'--inventory',
				path.join(repo, '.lab-state', 'inventory.yaml'),
				'--known-hosts',
				path.join(repo, '.lab-state', 'known_hosts'),
			]
		: [
				'--kube-context',
				'lab',
				'--kubeconfig',
				path.join(repo, '.lab-state', 'kubeconfig'),
				'--openstack',
				'api',
			];

/** `dvrscope diagnose --json --save-set` live on the lab over SSH or through the real kubectl. */
function diagnoseVia(
	via: 'ssh' | 'kubectl',
	api: boolean,
	...args: string[]
): {code: number | null; findings: Finding[]; nodesRead: string[]; stderr: string} {
	const saved = mkdtempSync(path.join(tmpdir(), 'dvrscope-lab-cli-'));
	const env = Object.fromEntries(
		Object.entries(process.env).filter(
			([name]) => !name.startsWith('OS_') && name !== 'KUBECONFIG',
		),
	);
	if (api) {
		env['OS_CLIENT_CONFIG_FILE'] = path.join(repo, '.lab-state', 'clouds.yaml');
		env['OS_CLOUD'] = 'lab';
	}
	env['KUBECACHEDIR'] = path.join(saved, 'kube-cache');
	const run = spawnSync(
		process.execPath,
		[
			path.join(repo, 'dist', 'cli', 'main.js'),
			'diagnose',
			...liveSource(via),
			'--json',
			'--save-set',
			path.join(saved, 'set'),
			...args,
		],
		{cwd: repo, encoding: 'utf8', env, timeout: 880_000},
	);
	try {
		const findings = (JSON.parse(run.stdout) as {findings: Finding[]}).findings;
		const manifest = JSON.parse(readFileSync(path.join(saved, 'set', 'manifest.json'), 'utf8')) as {
			captures: {node?: string; failure?: unknown}[];
		};
		const nodesRead = [
			...new Set(manifest.captures.filter(c => c.node !== undefined).map(c => c.node ?? '')),
		].sort();
		return {code: run.status, findings, nodesRead, stderr: run.stderr};
	} finally {
		rmSync(saved, {recursive: true, force: true});
	}
}

type PathJson = {
	exitCode: number;
	verdict: string;
	headline: string;
	landing?: {node: string; port: string; mac?: string};
	hops: {
		kind: string;
		node?: string;
		status: string;
		detail: string;
		contradictsHolder?: boolean;
	}[];
};

/** `dvrscope trace --from client --to VIP` live on the lab (issue 22), as an engineer runs it. */
function traceCli(via: 'ssh' | 'kubectl'): {code: number | null; proof: PathJson; stderr: string} {
	const home = mkdtempSync(path.join(tmpdir(), 'dvrscope-lab-trace-'));
	const env = Object.fromEntries(
		Object.entries(process.env).filter(
			([name]) => !name.startsWith('OS_') && name !== 'KUBECONFIG',
		),
	);
	env['OS_CLIENT_CONFIG_FILE'] = path.join(repo, '.lab-state', 'clouds.yaml');
	env['OS_CLOUD'] = 'lab';
	env['KUBECACHEDIR'] = path.join(home, 'kube-cache');
	const source = liveSource(via);
	try {
		const run = spawnSync(
			process.execPath,
			[
				path.join(repo, 'dist', 'cli', 'main.js'),
				'trace',
				'--from',
				'client',
				'--to',
				VIP,
				'--json',
				'-q',
				...source,
			],
			{cwd: repo, encoding: 'utf8', env, timeout: 880_000},
		);
		let proof: PathJson;
		try {
			proof = JSON.parse(run.stdout) as PathJson;
		} catch {
			throw new Error(
				`dvrscope trace printed no JSON (exit ${run.status}): ${run.stderr.slice(0, 2000)}`,
			);
		}
		return {code: run.status, proof, stderr: run.stderr};
	} finally {
		rmSync(home, {recursive: true, force: true});
	}
}

describe.skipIf(reason !== '')(
	`the lab: real Neutron DVR reproduces LP#1774459${reason === '' ? '' : ` — skipped: ${reason}`}`,
	() => {
		beforeAll(() => {
			if (!reuse) lab('up.sh');
			else lab('scenario.sh', 'healthy');
		}, 900_000);
		afterAll(() => {
			// a failed test must not leave a running lab behind (the last test checks a clean down)
			if (!reuse && existsSync('/tmp/dvrscope-lab')) lab('down.sh');
		}, 300_000);

		it('Given the healthy lab, when collected over SSH and diagnosed, then no stale-ARP finding and the client reaches the VIP', async () => {
			const before = state();
			expect(before.master).toMatch(/^vm[12]$/);
			expect(Object.values(before.entries)).toEqual(
				Array(3).fill(before.ports[before.master as 'vm1' | 'vm2'].mac),
			);
			const findings = await diagnoseLab('ssh');
			expect(stale(findings)).toEqual([]);
			expect(before.clientPing.received).toBeGreaterThan(0);
		}, 300_000);

		it('Given the healthy lab, dvrscope trace over SSH and kubectl proves client → VIP hop by hop and ends on the holder (issue 22)', () => {
			const now = state();
			const master = now.master as 'vm1' | 'vm2';
			for (const via of vias) {
				const {code, proof, stderr} = traceCli(via);
				expect(code, `${via}: ${proof.headline}\n${stderr}`).toBe(0);
				expect(proof.verdict, via).toBe('holder');
				expect(proof.landing?.mac, via).toBe(now.ports[master].mac);
				expect(proof.hops.map(h => h.kind)).toEqual([
					'ovs',
					'route',
					'neigh',
					'ovs',
					'tunnel',
					'ovs',
					'port',
				]);
			}
			expect(now.clientPing.received).toBeGreaterThan(0);
		}, 1_800_000);

		it.skipIf(!hasKubectl)(
			`Given the healthy lab, when collected through the real kubectl, then no stale-ARP finding${hasKubectl ? '' : ' — skipped: no kubectl on PATH'}`,
			async () => {
				const findings = await diagnoseLab('kubectl');
				expect(stale(findings)).toEqual([]);
			},
			300_000,
		);

		it('Given a keepalived failover, then the finding names the VIP, the router, every stale node and the owner, and the routed ping fails', async () => {
			const before = state();
			lab('scenario.sh', 'failover');
			const after = state();
			const oldMaster = before.master as 'vm1' | 'vm2';
			const newMaster = after.master as 'vm1' | 'vm2';
			expect(newMaster).not.toBe(oldMaster);
			const staleNodes = Object.entries(after.entries)
				.filter(([, mac]) => mac === after.ports[oldMaster].mac)
				.map(([node]) => node);
			expect(staleNodes.length).toBeGreaterThan(0);
			expect(after.clientPing.received).toBe(0);

			const findings = stale(await diagnoseLab('ssh', 'cli'));
			expect(findings.length).toBeGreaterThan(0);
			const text = findings.map(mentions).join('\n');
			expect(text).toContain(after.vip);
			expect(text).toContain(after.router);
			expect(text).toContain(after.ports[newMaster].mac);
			expect(text).toContain(after.ports[oldMaster].mac);
			const named = new Set(findings.flatMap(finding => finding.nodes));
			for (const node of staleNodes) expect(named).toContain(node);
			if (hasKubectl) {
				// the same through the real kubectl and the lab's Kubernetes face
				const viaKube = stale(await diagnoseLab('kubectl'));
				expect(new Set(viaKube.flatMap(finding => finding.nodes))).toEqual(named);
			}
		}, 300_000);

		it('Given the failover, when the README walkthrough diagnoses over SSH without any OpenStack credentials, then it is critical on every stale node, names the holder and how to add the API (issue 11 case 1)', () => {
			const now = state();
			const master = now.master as 'vm1' | 'vm2';
			const {code, findings, nodesRead, stderr} = diagnoseCli(false);
			expect(code, stderr).toBe(2);
			expect(nodesRead).toEqual(['compute-1', 'compute-2', 'network']);
			const found = stale(findings).filter(f => f.severity === 'critical');
			expect(found.map(f => [f.vip, f.nodes])).toEqual([
				[now.vip, ['compute-1', 'compute-2', 'network']],
			]);
			expect(found[0]?.data['ownerMac']).toBe(now.ports[master].mac);
			expect(found[0]?.message).toContain('OS_CLOUD');
		}, 300_000);

		it.each([
			['--vip', () => VIP],
			['--router', () => state().router],
		])(
			'Given the failover, when diagnosed with %s and the lab API, then compute-1, compute-2 and network are read and the verdict is critical (issue 11 cases 3 and 4)',
			(flag, value) => {
				const {code, findings, nodesRead, stderr} = diagnoseCli(true, flag, value());
				expect(code, stderr).toBe(2);
				expect(nodesRead).toEqual(['compute-1', 'compute-2', 'network']);
				expect(stale(findings).some(f => f.severity === 'critical' && f.vip === VIP)).toBe(true);
			},
			900_000,
		);

		it("Given the failover, then the runbook's two-minute check, run as written, finds the router and shows the stale PERMANENT entry", () => {
			const now = state();
			const check = runbookCheck();
			const run = withLabCloud;
			const fill = (line: string, values: Record<string, string>): string =>
				line.replace(/<([a-z-]+|VIP)>/g, (whole, name: string) => {
					const value = values[name];
					if (value === undefined) throw new Error(`runbook line needs ${whole}: ${line}`);
					return value;
				});
			// the subnet whose range holds the VIP (the engineer picks it by eye)
			const subnets = run(fill(check.subnets, {})).trim().split('\n');
			const network = subnets
				.map(line => line.trim().split(/\s+/))
				.find(([, cidr]) => cidr !== undefined && inCidr(now.vip, cidr))?.[0];
			expect(network, subnets.join('\n')).toBeDefined();
			const rif = run(fill(check.routerPorts, {'network-id': network ?? ''}))
				.trim()
				.split('\n')[0];
			expect(rif).toMatch(/^[0-9a-f-]{36}$/);
			const router = run(fill(check.routerOfPort, {'router-interface-port-id': rif ?? ''})).trim();
			expect(router).toBe(now.router);
			// on a node with the router, over the lab's real sshd: the stale PERMANENT entry
			const neigh = onLabNode('compute-1', fill(check.neigh, {'router-id': router, VIP: now.vip}));
			expect(neigh).toContain('PERMANENT');
			expect(neigh).toContain(`lladdr ${now.entries['compute-1'] ?? '?'}`);
			expect(now.entries['compute-1']).not.toBe(now.ports[now.master as 'vm1' | 'vm2'].mac);
		}, 300_000);

		it("Given the failover, when support's data of it is diagnosed — the real Debian sosreport 4.0 of every node, sos 4.3 trees of the lab's capture, an osctl dump — then with --api-data the 4.3 trees and the dump give the live critical finding, sos 4.0 is INCOMPLETE naming each namespace's missing neighbours, and none is OK without --api-data (issue 19)", async () => {
			await checkSupportDataOfLab(repo, state().router);
		}, 900_000);
		it('Given the failover, dvrscope trace (SSH and kubectl) breaks at the qrouter entry on the client node, names the old master, and agrees with the failed ping (issue 22)', () => {
			// in the whole suite the failover test before this one moved the lab; alone, move it here
			if (state().scenario !== 'failover') lab('scenario.sh', 'failover');
			const now = state();
			const master = now.master as 'vm1' | 'vm2';
			const old = master === 'vm1' ? 'vm2' : 'vm1';
			expect(now.clientPing.received).toBe(0);
			for (const via of vias) {
				const {code, proof, stderr} = traceCli(via);
				expect(code, `${via}: ${proof.headline}\n${stderr}`).toBe(2);
				const brk = proof.hops.find(h => h.status === 'break');
				expect(brk, via).toMatchObject({kind: 'neigh', node: 'compute-2', contradictsHolder: true});
				expect(brk?.detail).toContain(now.ports[old].mac);
				expect(brk?.detail).toContain(`port ${old}`);
				expect(brk?.detail).toContain(now.ports[master].mac);
				// every OVS hop was right; the packet lands on the old master
				expect(
					proof.hops.filter(h => h.kind === 'ovs').every(h => h.status === 'ok'),
					via,
				).toBe(true);
				expect(proof.landing?.mac).toBe(now.ports[old].mac);
			}
		}, 1_800_000);

		it('Given the failover, live diagnose over SSH and kubectl runs the path proof of the stale finding: it breaks at the qrouter entry on the client node, names the old master, and agrees with the failed ping (issue 22)', () => {
			if (state().scenario !== 'failover') lab('scenario.sh', 'failover');
			const now = state();
			const master = now.master as 'vm1' | 'vm2';
			const old = master === 'vm1' ? 'vm2' : 'vm1';
			expect(now.clientPing.received).toBe(0);
			for (const via of vias) {
				const {code, findings, stderr} = diagnoseVia(via, true);
				expect(code, `${via}: ${stderr}`).toBe(2);
				const proven = stale(findings).find(f => f.vip === VIP && f.path !== undefined);
				expect(proven?.path?.verdict, `${via}: ${stderr}`).toBe('black-hole');
				// from the client VM behind compute-2, whose qrouter holds the stale entry
				expect(proven?.path?.from.ip).toBe(now.ports.client.ip);
				const brk = proven?.path?.hops.find(h => h.status === 'break');
				expect(brk, via).toMatchObject({kind: 'neigh', node: 'compute-2', contradictsHolder: true});
				expect(brk?.detail).toContain(now.ports[old].mac);
				expect(brk?.detail).toContain(`port ${old}`);
				expect(brk?.detail).toContain(now.ports[master].mac);
				expect(proven?.path?.landing?.mac, via).toBe(now.ports[old].mac);
				// at most two extra rounds: one execution per node each over SSH; through kubectl one
				// per pod (the route read runs in the l3-agent pod, the traces in the ovs pod)
				const rounds =
					/path proof of 1 finding\(s\): (\d) round\(s\); executions per node: (.*)\n/.exec(stderr);
				expect(rounds, `${via}: ${stderr}`).not.toBeNull();
				expect(Number(rounds?.[1])).toBe(2);
				if (via === 'ssh') expect(rounds?.[2]).toMatch(/^compute-\d 1, compute-\d 1$/);
				else
					for (const [, n] of (rounds?.[2] ?? '').matchAll(/compute-\d (\d+)/g))
						expect(Number(n)).toBeLessThanOrEqual(4);
			}
		}, 1_800_000);

		// (still on the failover: before the printed fix is applied)
		it.skipIf(!hasTmux).each([
			[80, 24],
			[160, 45],
		])(
			`Given the failover, the live console at %i×%i (built CLI in tmux) proves the stale finding after its collection: t shows the break at the qrouter entry on the client's node, the old master's and the holder's MACs, when it was read, the pasteable trace command; a fine hop's evidence is one Enter away; Esc, Esc back (issue 22)${hasTmux ? '' : ' — skipped: no tmux'}`,
			async (columns, rows) => {
				if (state().scenario !== 'failover') lab('scenario.sh', 'failover');
				await consolePathAfterFailover(repo, columns, rows, state);
			},
			900_000,
		);

		it('Given the failover, every command the findings print, run as printed where it says, recovers: every entry points at the holder and the routed ping works', async () => {
			const findings = await diagnoseLab('ssh');
			const command = stale(findings)[0]?.fix?.steps.find(step => step.where === 'cloud')?.command;
			expect(command).toMatch(
				/^openstack port set --no-allowed-address --allowed-address ip-address=198\.19\.0\.100 [0-9a-f-]{36}$/,
			);
			expect(command).toContain(state().ports[state().master as 'vm1' | 'vm2'].id);
			applyPrintedFixAndCheck(findings, 'failover');
			expect(stale(await diagnoseLab('ssh'))).toEqual([]);
		}, 300_000);

		it('Given the workaround (the printed fix applied), dvrscope trace over SSH and kubectl ends on the new holder (issue 22)', () => {
			// in the whole suite the test before applied the printed fix; alone, the lab's workaround
			if (state().clientPing.received === 0) lab('scenario.sh', 'workaround');
			const now = state();
			const master = now.master as 'vm1' | 'vm2';
			for (const via of vias) {
				const {code, proof, stderr} = traceCli(via);
				expect(code, `${via}: ${proof.headline}\n${stderr}`).toBe(0);
				expect(proof.landing?.mac, via).toBe(now.ports[master].mac);
			}
			expect(now.clientPing.received).toBeGreaterThan(0);
		}, 1_800_000);

		// (before divergence and the scenarios that delete the VIP port: watch starts from the
		// recovered, held VIP of the workaround, as an engineer would after applying the fix)
		it('Given headless watch started before lab:failover / lab:workaround, then --until critical exits 0 after the failover, --until healthy exits 0 after the workaround (last verdict ok or warning), and --until healthy on the failed state exits 124 after a critical round (issue 18)', async () => {
			await watchAcrossFailover(repo);
		}, 900_000);

		// (right after the headless watch: from its recovered, held VIP; each size ends recovered too)
		it.skipIf(!hasTmux).each([
			[160, 45],
			[80, 24],
		])(
			`Given the console watching at %i×%i (built CLI in tmux, default interval), when lab:failover and then lab:workaround run, then within 3 rounds of the ground truth the timeline shows the flips by member (inferred: the VMs' namespaces are not read, as on a real cloud), the owner change, STALE on every stale entry and → CRITICAL; then the entries changed to the new holder and CRITICAL → (issue 18)${hasTmux ? '' : ' — skipped: no tmux'}`,
			async (columns, rows) => {
				await consoleWatchAcrossFailover(repo, columns, rows, state);
			},
			900_000,
		);

		it('Given divergence (the L3 agent on compute-2 missed one update, no failover), then only compute-2 is stale, the nodes disagree and the client cannot reach the VIP', async () => {
			lab('scenario.sh', 'divergence');
			const after = state();
			const master = after.master as 'vm1' | 'vm2';
			expect(after.entries['network']).toBe(after.ports[master].mac);
			expect(after.entries['compute-1']).toBe(after.ports[master].mac);
			expect(after.entries['compute-2']).not.toBe(after.ports[master].mac);
			expect(after.clientPing.received).toBe(0);
			const findings = await diagnoseLab('ssh');
			expect(stale(findings).flatMap(finding => finding.nodes)).toEqual(['compute-2']);
			expect(findings.some(finding => finding.ruleId === 'dvr/arp-divergence')).toBe(true);
		}, 300_000);

		it('Given divergence, when diagnosed over SSH without any OpenStack credentials, then compute-2 is critical (issue 11 case 6)', () => {
			const {code, findings, stderr} = diagnoseCli(false);
			expect(code, stderr).toBe(2);
			expect(stale(findings).map(f => [f.severity, f.nodes])).toEqual([
				['critical', ['compute-2']],
			]);
		}, 300_000);

		it('Given divergence, then the fix the findings print (compute-2 re-pointed at the holder, the holder re-sent), run as printed, recovers by ground truth', async () => {
			const findings = await diagnoseLab('ssh');
			const nodeSteps = stale(findings)
				.flatMap(f => f.fix?.steps ?? [])
				.filter(s => s.where === 'node');
			expect(nodeSteps.map(step => step.node)).toEqual(['compute-2']);
			applyPrintedFixAndCheck(findings, 'divergence');
		}, 300_000);

		it('Given an unbound VIP port deleted while vm1 holds the VIP, then dvr/arp-missing is critical from the lost traffic, its fix targets vm1 (from the snat- entry), and run as printed it recovers', async () => {
			lab('scenario.sh', 'vip-port-deleted');
			const now = state();
			expect(now.master).toBe('vm1');
			expect(now.entries).toEqual({network: '', 'compute-1': '', 'compute-2': ''});
			expect(now.clientPing.received).toBe(0);
			const findings = await diagnoseLab('ssh');
			const missing = findings.filter(f => f.ruleId === 'dvr/arp-missing' && f.vip === VIP);
			expect(missing.length).toBe(1);
			const finding = missing[0];
			expect(finding?.severity).toBe('critical');
			expect(finding?.message).toMatch(
				/Critical because traffic is being lost now: .*(FAILED|INCOMPLETE) on compute-2/,
			);
			expect(finding?.fix?.basis).toContain(now.ports.vm1.mac);
			expect(finding?.fix?.basis).toContain('snat-');
			// never the member that does not hold the VIP
			const printed = findings
				.flatMap(f => f.fix?.steps ?? [])
				.map(step => step.command)
				.join('\n');
			expect(printed).not.toContain(now.ports.vm2.id);
			expect(printed).not.toContain(now.ports.vm2.mac);
			expect(printed).toContain(now.ports.vm1.id);
			applyPrintedFixAndCheck(findings, 'vip-port-deleted');
		}, 300_000);

		it('Given no member answers (holder unknown) and the VIP entries gone, then no re-pointing command is printed, only read-only checks, which run as printed', async () => {
			lab('scenario.sh', 'holder-unknown');
			const now = state();
			expect(now.master).toBe('');
			const findings = await diagnoseLab('ssh');
			const onVip = findings.filter(f => f.vip === VIP);
			expect(onVip.some(f => f.ruleId === 'dvr/arp-missing')).toBe(true);
			for (const f of onVip) {
				for (const step of f.fix?.steps ?? []) expect(step.command).not.toMatch(REPOINT);
				for (const line of f.remediation ?? [])
					if (!line.startsWith('#')) expect(line).not.toMatch(REPOINT);
				if (f.ruleId.startsWith('dvr/arp-')) {
					expect(f.fix?.kind).toBe('check-first');
					expect(f.fix?.actions).toEqual([]);
				}
			}
			const log = runPrintedSteps(findings, 'holder-unknown');
			expect(log.length).toBeGreaterThan(0);
			expect(log.filter(line => line.includes('→ FAILED'))).toEqual([]);
			expect(state().entries).toEqual({network: '', 'compute-1': '', 'compute-2': ''});
		}, 300_000);

		it("Given one node's SSH listener stopped, then the README's diagnose run is INCOMPLETE (exit 4) naming that node, in text and Markdown — never OK", () => {
			// Issue 11 case 2, as the README walkthrough runs it (no OpenStack API configured).
			lab('scenario.sh', 'healthy');
			lab('scenario.sh', 'ssh-down', 'compute-2');
			try {
				const run = (...extra: string[]) =>
					spawnSync(
						process.execPath,
						[
							'--import',
							'tsx',
							'src/cli/main.ts',
							'diagnose',
							'--inventory',
							'.lab-state/inventory.yaml',
							'--known-hosts',
							'.lab-state/known_hosts',
							...extra,
						],
						{cwd: repo, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 600_000},
					);
				const text = run();
				expect(text.stderr).toMatch(/compute-2: FAILED/);
				const first = text.stdout.split('\n')[0] ?? '';
				expect(first, text.stdout).toMatch(/^Verdict: INCOMPLETE — .*compute-2 not read/);
				expect(text.stdout).not.toMatch(/Verdict: OK/);
				expect(text.status).toBe(4);
				const md = run('--format', 'markdown');
				expect(md.stdout.split('\n')[0]).toMatch(/^# Verdict: INCOMPLETE — .*compute-2/);
				expect(md.stdout).toContain('| node not read | `compute-2` |');
				expect(md.status).toBe(4);
			} finally {
				lab('scenario.sh', 'ssh-up', 'compute-2');
			}
			// and it answers again
			expect(onLabNode('compute-2', 'echo up').trim()).toBe('up');
		}, 900_000);

		it.skipIf(reuse)(
			'Given lab down, then nothing of the lab is left',
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
