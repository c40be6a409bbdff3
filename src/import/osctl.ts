/**
 * Import of a MOSK `osctl sos report` dump (directory `sosreport-<UTC time>/`, or its `.tar.gz`
 * which has no top directory): one node per `neutron/<host>/` directory, Kubernetes objects from
 * `k8s/`. osctl keeps no exit codes or times, writes stderr to `<file>.error`, leaves no file for
 * an empty output, and a command cut by its 15 s exec timeout leaves partial or no output and no
 * `.error` — so a missing `ip_nei.txt` is an empty table only where the namespace's later files
 * (`iptables_*.txt`) exist, and a flow dump that ends mid-line was cut.
 */
import {toMeta} from '../collectors/assemble.js';
import type {Capture, CaptureSet, NodeInfo} from '../model/capture.js';
import {CAPTURE_SET_FORMAT, CAPTURE_SET_SCHEMA_VERSION} from '../model/capture.js';
import type {ParserKind} from '../model/facts.js';
import {buildCapture, type ImportedOutput, neutronNamespaces} from './build.js';
import {nodeInfo, rolesOf, safeNodeId} from './node-info.js';
import {type ImportTree, text, type WantSpec} from './tree.js';

export const OSCTL_WANT: WantSpec = {
	prefixes: ['neutron', 'k8s/cluster/node', 'k8s/namespaced/openstack/openstackdeployment'],
};

/** True when the tree is an osctl dump (a `neutron/<host>/` or `k8s/cluster/` directory). */
export const isOsctlTree = (tree: ImportTree): boolean =>
	[...tree.files.keys()].some(
		n => /^neutron\/[^/]+\/[^/]+/.test(n) || n.startsWith('k8s/cluster/node/'),
	);

const NEUTRON_NS = /^(?:qrouter|snat|fip|qdhcp)-[0-9a-f-]{36}$/;

/** Per-directory files osctl writes and what reads them. */
const NS_FILES: readonly {file: string; kind: ParserKind; argv: readonly string[]; name: string}[] =
	[
		{file: 'ip_addr.txt', kind: 'ip-addr', argv: ['ip', 'addr'], name: 'netns.addr'},
		{file: 'ip_nei.txt', kind: 'ip-neigh', argv: ['ip', 'nei', 'show'], name: 'netns.neigh'},
	];

type Body = {readonly stdout?: string; readonly stderr?: string};

function bodyOf(tree: ImportTree, rel: string): Body {
	const stdout = text(tree, rel);
	const stderr = text(tree, `${rel}.error`);
	return {...(stdout !== undefined ? {stdout} : {}), ...(stderr !== undefined ? {stderr} : {})};
}

const exists = (tree: ImportTree, rel: string): boolean =>
	tree.files.has(rel) || tree.files.has(`${rel}.error`);

/** One output of the dump as an imported output (no file: empty, failed, or not collected). */
function output(
	host: string,
	rel: string,
	body: Body,
	base: Omit<ImportedOutput, 'stdout' | 'exitCode' | 'via' | 'scope' | 'node'>,
	absent: () => ImportedOutput['failure'] | 'empty',
): ImportedOutput {
	const common = {...base, scope: 'node' as const, node: host, via: 'osctl'};
	if (body.stdout === undefined && body.stderr === undefined) {
		const why = absent();
		if (why === 'empty') return {...common, stdout: '', exitCode: 0};
		return {...common, stdout: '', exitCode: null, ...(why !== undefined ? {failure: why} : {})};
	}
	const stdout = body.stdout ?? '';
	return {
		...common,
		stdout,
		...(body.stderr !== undefined ? {stderr: body.stderr} : {}),
		// osctl keeps no exit code: an error file and nothing else is a failed command.
		exitCode: body.stderr !== undefined && stdout.trim() === '' ? 1 : 0,
		params: {...(base.params ?? {}), path: rel},
	};
}

function hostOutputs(tree: ImportTree, dir: string, host: string): ImportedOutput[] {
	const outputs: ImportedOutput[] = [];
	const notCollected = (what: string) => () => ({
		kind: 'not-collected' as const,
		message: `the osctl dump holds no ${what} for ${host} (no file and no .error: osctl writes no file for an empty output, and none when its 15 s exec timeout cut the command)`,
	});
	const listing = bodyOf(tree, `${dir}/ip_netns_list.txt`);
	outputs.push(
		output(
			host,
			`${dir}/ip_netns_list.txt`,
			listing,
			{argv: ['ip', 'netns', 'list'], kind: 'ip-netns', name: 'netns.list'},
			() => 'empty',
		),
	);
	outputs.push(
		output(
			host,
			`${dir}/ip_addr.txt`,
			bodyOf(tree, `${dir}/ip_addr.txt`),
			{argv: ['ip', 'addr'], kind: 'ip-addr', params: {namespace: ''}, name: 'host.addr'},
			notCollected('ip addr'),
		),
	);
	for (const f of ['ovs_vsctl_show.txt'] as const) {
		outputs.push(
			output(
				host,
				`${dir}/${f}`,
				bodyOf(tree, `${dir}/${f}`),
				{argv: ['ovs-vsctl', 'show'], kind: 'ovs-vsctl-show', name: 'ovs.show'},
				notCollected('ovs-vsctl show'),
			),
		);
	}
	// Namespaces: those listed, and directories present.
	const dirs = new Set<string>();
	const bridges = new Set<string>();
	for (const name of tree.files.keys()) {
		const m = new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/[^/]+$`).exec(
			name,
		);
		if (m === null || m[1] === undefined) continue;
		if (NEUTRON_NS.test(m[1])) dirs.add(m[1]);
		else if (/^br-?[A-Za-z0-9_.-]{1,13}$/.test(m[1])) bridges.add(m[1]);
	}
	const listed = neutronNamespaces(listing.stdout ?? '');
	for (const ns of [...new Set([...listed, ...dirs])]) {
		const nsDir = `${dir}/${ns}`;
		const later = ['iptables_filter.txt', 'iptables_nat.txt'].some(f =>
			exists(tree, `${nsDir}/${f}`),
		);
		for (const spec of NS_FILES) {
			const rel = `${nsDir}/${spec.file}`;
			outputs.push(
				output(
					host,
					rel,
					bodyOf(tree, rel),
					{
						argv: ['ip', 'netns', 'exec', ns, ...spec.argv],
						kind: spec.kind,
						params: {namespace: ns},
						name: `${spec.name}.${ns}`,
					},
					() =>
						later
							? 'empty'
							: {
									kind: 'not-collected',
									message: `namespace ${ns}: the osctl dump has no ${spec.file} and none of the files osctl writes after it (iptables_*.txt), so the command did not finish (osctl's 15 s exec timeout) or the namespace was not read`,
								},
				),
			);
		}
	}
	for (const bridge of bridges)
		outputs.push(flowOutput(tree, host, `${dir}/${bridge}/ovs_ofctl_dump_flows.txt`, bridge));
	return outputs;
}

/** A flow dump; one whose last line has no newline was cut (osctl's exec timeout): truncated. */
function flowOutput(tree: ImportTree, host: string, rel: string, bridge: string): ImportedOutput {
	const body = bodyOf(tree, rel);
	const base = {
		argv: ['ovs-ofctl', '-O', 'OpenFlow14', 'dump-flows', bridge],
		kind: 'ovs-flows' as const,
		params: {bridge},
		name: `ovs.flows.${bridge}`,
	};
	const out = output(host, rel, body, base, () => ({
		kind: 'not-collected',
		message: `the osctl dump holds no flow dump for ${bridge} on ${host}`,
	}));
	const stdout = body.stdout ?? '';
	if (stdout === '' || stdout.endsWith('\n')) return out;
	const cut = stdout.lastIndexOf('\n');
	const lastLine = stdout.split('\n').length;
	return {
		...out,
		stdout: stdout.slice(0, cut + 1),
		stderr: `${out.stderr ?? ''}dvrscope: line ${lastLine} of ${rel} ends without a newline — the dump was cut there (osctl's exec timeout); that line was dropped and the flows after it are missing\n`,
		truncated: true,
	};
}

/** Kubernetes objects of the dump: one YAML Node per file, OpenStackDeployment objects. */
function kubeOutputs(tree: ImportTree): ImportedOutput[] {
	const outputs: ImportedOutput[] = [];
	const group = (prefix: string): string[] =>
		[...tree.files.keys()].filter(n => n.startsWith(prefix) && !n.endsWith('.error')).sort();
	const nodes = group('k8s/cluster/node/');
	if (nodes.length > 0)
		outputs.push({
			scope: 'cloud',
			argv: ['cat', ...nodes],
			kind: 'kube-nodes',
			name: 'k8s.nodes',
			stdout: nodes.map(n => (text(tree, n) ?? '').replace(/^---\s*\n/, '')).join('\n---\n'),
			exitCode: 0,
			via: 'osctl',
		});
	for (const n of group('k8s/namespaced/openstack/openstackdeployment/'))
		outputs.push({
			scope: 'cloud',
			argv: ['cat', n],
			kind: 'osdpl',
			name: `k8s.osdpl.${n.split('/').pop() ?? ''}`,
			stdout: text(tree, n) ?? '',
			exitCode: 0,
			via: 'osctl',
		});
	return outputs;
}

/** An osctl dump → one capture set holding every host it has. */
export function importOsctlTree(tree: ImportTree, now = new Date().toISOString()): CaptureSet {
	const hosts = new Set<string>();
	for (const name of tree.files.keys()) {
		const m = /^neutron\/([^/]+)\//.exec(name);
		if (m?.[1] !== undefined) hosts.add(m[1]);
	}
	const used = new Set<string>();
	const captures: Capture[] = [];
	const nodes: NodeInfo[] = [];
	const problems: {node?: string; kind: string; message: string}[] = [];
	for (const dirName of [...hosts].sort()) {
		const host = safeNodeId(dirName);
		if (host === undefined) {
			problems.push({
				kind: 'osctl-dump',
				message: `neutron/${dirName}: not a usable host name; skipped`,
			});
			continue;
		}
		const outputs = hostOutputs(tree, `neutron/${dirName}`, host);
		const listed = neutronNamespaces(outputs.find(o => o.kind === 'ip-netns')?.stdout ?? '');
		nodes.push(
			nodeInfo(
				host,
				'osctl',
				undefined,
				rolesOf(undefined, listed),
				`${tree.source}:neutron/${dirName}`,
			),
		);
		captures.push(...outputs.map(o => buildCapture(o, used, now)));
	}
	captures.push(...kubeOutputs(tree).map(o => buildCapture(o, used, now)));
	return {
		manifest: {
			format: CAPTURE_SET_FORMAT,
			schemaVersion: CAPTURE_SET_SCHEMA_VERSION,
			createdAt: now,
			tool: {name: 'dvrscope', version: 'import'},
			description: `osctl sos dump ${tree.source}`,
			source: 'osctl',
			nodes,
			captures: captures.map(toMeta),
			...(problems.length > 0 ? {partial: true, problems} : {}),
		},
		captures,
	};
}
