/**
 * `npm run bench:api` — the API phase of a collection on the running lab (npm run lab:up, under
 * the lab lock), whole processes under /usr/bin/time -v, alternated, `--runs N` (default 3):
 *
 *   api      `dvrscope collect --inventory .lab-state/inventory.yaml --openstack api -o DIR`:
 *            the cloud data as GETs from Node to the lab's real Neutron (noauth, clouds.yaml `lab`)
 *   cli      the same with `--openstack cli`: the `openstack` CLI, one Python process per read
 *   kubectl  `dvrscope diagnose --kube-context lab --kubeconfig .lab-state/kubeconfig --save-set`:
 *            the whole kubectl diagnose (nodes through kubectl exec, the API's GETs through ONE
 *            exec into the keystone-client pod). Its exit code is the verdict: 1 (WARNING, the
 *            lab's healthy VRRP pair) or 4 (INCOMPLETE) when the lab's live-holder evidence — the
 *            snat- namespace's neighbour entry for the VIP — was last confirmed over 45 s ago.
 *
 * Besides each process's wall time, the API phase itself is read from the capture set each
 * collect wrote: from the first cloud capture's start to the last one's end. Targets: API phase
 * ≤ 3 s; whole kubectl diagnose ≤ 10 s.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {
	alternate,
	loadavg,
	median,
	range,
	ratioLine,
	report,
	type Contestant,
} from './whole-process.js';

const {values: opts} = parseArgs({options: {runs: {type: 'string', default: '3'}}});
const runs = Math.max(1, Number(opts.runs));
const root = resolve(import.meta.dirname, '..');
const state = join(root, '.lab-state');
const cli = join(root, 'dist', 'cli', 'main.js');

type Manifest = {
	captures: {scope: string; catalogId?: string; startedAt: string; durationMs: number}[];
};

/** Seconds from the first cloud capture's start to the last one's end. */
function apiPhase(dir: string): number {
	const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
	// the OpenStack reads (`os.*`), not the Kubernetes ones (node list, OpenStackDeployment)
	const cloud = manifest.captures.filter(
		c => c.scope === 'cloud' && (c.catalogId ?? '').startsWith('os.'),
	);
	const start = Math.min(...cloud.map(c => Date.parse(c.startedAt)));
	const end = Math.max(...cloud.map(c => Date.parse(c.startedAt) + c.durationMs));
	return (end - start) / 1000;
}

async function main(): Promise<void> {
	const work = mkdtempSync(join(tmpdir(), 'dvrscope-bench-api-'));
	const env = {
		...process.env,
		OS_CLIENT_CONFIG_FILE: join(state, 'clouds.yaml'),
		OS_CLOUD: 'lab',
	};
	try {
		console.log(
			`bench:api — ${new Date().toISOString()}, load ${loadavg()}, ${runs} alternated runs, the lab's real Neutron`,
		);
		const collect = (how: 'api' | 'cli'): Contestant => ({
			name: how,
			does: `dvrscope collect --inventory .lab-state/inventory.yaml --openstack ${how}${how === 'api' ? ' (GETs from Node)' : ' (openstack CLI, a process per read)'}`,
			argv: [
				process.execPath,
				cli,
				'collect',
				'--inventory',
				join(state, 'inventory.yaml'),
				'--known-hosts',
				join(state, 'known_hosts'),
				'--openstack',
				how,
				'-q',
				'-o',
				join(work, how),
			],
			env,
		});
		const contestants: Contestant[] = [
			collect('api'),
			collect('cli'),
			{
				name: 'kubectl',
				does: 'dvrscope diagnose --kube-context lab --save-set DIR (nodes through kubectl exec; the API through ONE exec into the keystone-client pod)',
				argv: [
					process.execPath,
					cli,
					'diagnose',
					'--kube-context',
					'lab',
					'--kubeconfig',
					join(state, 'kubeconfig'),
					'-q',
					'--save-set',
					join(work, 'kubectl'),
				],
				env,
			},
		];
		// API phase per run: read after each round from the directory the collect just wrote.
		const phases: Record<'api' | 'cli' | 'kubectl', number[]> = {api: [], cli: [], kubectl: []};
		const timings = await alternate(contestants, runs, name => {
			if (name === 'api' || name === 'cli' || name === 'kubectl') {
				phases[name].push(apiPhase(join(work, name)));
				rmSync(join(work, name), {recursive: true, force: true});
			}
		});
		report(contestants, timings);
		for (const how of ['api', 'cli', 'kubectl'] as const)
			console.log(
				`  API phase (${how}): median ${median(phases[how]).toFixed(2)} s (${range(phases[how])} s)`,
			);
		console.log(`  load after: ${loadavg()}`);
		console.log(
			ratioLine(
				'API phase of a collection on the lab, seconds (--openstack api)',
				median(phases.api),
				3,
				false,
			),
		);
		console.log(
			`  (the CLI path's API phase: ${median(phases.cli).toFixed(2)} s, ${(median(phases.cli) / median(phases.api)).toFixed(1)}× the API's)`,
		);
		console.log(
			ratioLine(
				'API phase of the kubectl diagnose on the lab, seconds (one exec into keystone-client)',
				median(phases.kubectl),
				3,
				false,
			),
		);
		const kube = timings.find(t => t.name === 'kubectl');
		if (kube !== undefined)
			console.log(
				ratioLine('whole kubectl diagnose on the lab, seconds', median(kube.wallS), 10, false),
			);
	} finally {
		rmSync(work, {recursive: true, force: true});
	}
}

await main();
