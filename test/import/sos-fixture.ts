/* eslint-disable @typescript-eslint/no-base-to-string -- iproute2 JSON values here are strings and numbers */
/**
 * Test fixtures in the sos report and osctl dump layouts, built from the lab's own recorded
 * capture set (test/scenarios/lab-failover, real Neutron/OVS output). The JSON the lab recorded
 * (`ip -j …`) is rendered as the text iproute2 prints without `-j`, since sos and osctl run the
 * plain commands; OVS outputs are copied as recorded. These trees are GENERATED in the sos / osctl
 * layouts (file names as sos's `_mangle_command` and osctl's collectors write them), not taken by
 * sos itself — the lab test (test/lab) is where real sos output is made.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import type {Capture, CaptureSet} from '../../src/model/capture.js';

export const LAB_SET = path.join(import.meta.dirname, '..', 'scenarios', 'lab-failover');

export const loadLab = (): Promise<CaptureSet> => readCaptureSet(LAB_SET);

type J = Record<string, unknown>;

/** `ip -j neigh show` → `ip -s -s neigh show` text. */
export function neighText(json: string): string {
	const items = JSON.parse(json) as J[];
	return items
		.map(n => {
			const state = ((n['state'] as string[] | undefined) ?? []).join(' ');
			const ll = n['lladdr'] === undefined ? '' : ` lladdr ${String(n['lladdr'])}`;
			const router = (n['router'] as boolean | undefined) === true ? ' router' : '';
			return `${String(n['dst'])} dev ${String(n['dev'])}${ll}${router} used 10/10/10 probes 0 ${state}`.trim();
		})
		.map(l => `${l}\n`)
		.join('');
}

/** `ip -j addr show` → `ip address show` text. */
export function addrText(json: string): string {
	const items = JSON.parse(json) as J[];
	const lines: string[] = [];
	for (const i of items) {
		const flags = ((i['flags'] as string[] | undefined) ?? []).join(',');
		lines.push(
			`${String(i['ifindex'])}: ${String(i['ifname'])}: <${flags}> mtu ${String(i['mtu'])} qdisc ${String(i['qdisc'] ?? 'noqueue')} state ${String(i['operstate'] ?? 'UNKNOWN')} group default qlen 1000`,
		);
		lines.push(
			`    link/${String(i['link_type'] ?? 'ether')} ${String(i['address'] ?? '00:00:00:00:00:00')} brd ${String(i['broadcast'] ?? 'ff:ff:ff:ff:ff:ff')}`,
		);
		for (const a of (i['addr_info'] as J[] | undefined) ?? []) {
			const fam = a['family'] === 'inet6' ? 'inet6' : 'inet';
			lines.push(
				`    ${fam} ${String(a['local'])}/${String(a['prefixlen'])} scope ${String(a['scope'])}${a['label'] !== undefined && fam === 'inet' ? ` ${String(a['label'])}` : ''}`,
			);
			lines.push('       valid_lft forever preferred_lft forever');
		}
	}
	return `${lines.join('\n')}\n`;
}

/** `ip -j netns list` → `ip netns` text. */
export function netnsText(json: string): string {
	return (JSON.parse(json) as J[])
		.map(n => `${String(n['name'])}${n['id'] === undefined ? '' : ` (id: ${String(n['id'])})`}\n`)
		.join('');
}

const nodeCaptures = (set: CaptureSet, node: string): Capture[] =>
	set.captures.filter(c => c.node === node && c.scope === 'node' && c.kind !== undefined);

export type SosLayout = {
	/** `4.3`: namespaces/<ns>/ subdirs, per-namespace neighbours; `4.2` flat with them; `4.0` flat without. */
	readonly version: '4.0' | '4.2' | '4.3' | '3.9';
	/** Write sos_reports/manifest.json (sos ≥ 4.0). */
	readonly manifest?: boolean;
	/** Namespaces sos read at most (its networking.namespaces cap). */
	readonly namespaceCap?: number;
	readonly timeoutHit?: boolean;
	/** Bridges whose flow dump is tail-kept (truncated, behind a link to sos_strings). */
	readonly truncate?: readonly string[];
	/** Extra content appended to a file name (stderr merged into output). */
	readonly mergeStderr?: Readonly<Record<string, string>>;
	readonly hostname?: string;
	/** Rewrite every MAC (sos clean); the function gets each MAC. */
	readonly maskMac?: (mac: string) => string;
	/** Files to add (relative path → content). */
	readonly extra?: Readonly<Record<string, string>>;
};

const MAC = /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi;

/**
 * Write one node's captures as a sos report directory `<root>/sosreport-<host>-…/`. Returns the
 * report directory.
 */
export function writeSosReport(
	root: string,
	set: CaptureSet,
	node: string,
	layout: SosLayout,
): string {
	const host = layout.hostname ?? node;
	const dir = path.join(root, `sosreport-${host}-2026-12-07-abcdefg`);
	const put = (rel: string, body: string): void => {
		const full = path.join(dir, rel);
		mkdirSync(path.dirname(full), {recursive: true});
		const masked =
			layout.maskMac === undefined
				? body
				: body.replace(MAC, m => layout.maskMac?.(m.toLowerCase()) ?? m);
		writeFileSync(full, masked);
	};
	const links: [string, string][] = [];
	const commands: Record<string, J[]> = {networking: [], openvswitch: [], openstack_neutron: []};
	const add = (plugin: string, exec: string, rel: string, body: string, extra: J = {}): void => {
		const merged = layout.mergeStderr?.[exec] ?? '';
		const truncated = extra['truncated'] === true;
		const file = truncated ? `${rel.replace(/^sos_commands\//, 'sos_strings/')}.tailed` : rel;
		put(file, body + merged);
		if (truncated)
			links.push([rel, path.relative(path.dirname(path.join(dir, rel)), path.join(dir, file))]);
		commands[plugin]?.push({
			exec,
			filepath: file,
			return_code: 0,
			run_time: 0.05,
			start_time: 1796630400,
			...extra,
		});
	};
	const mangle = (exec: string): string =>
		exec
			.replace(/^\/(usr\/|)(bin|sbin)\//, '')
			.replace(/[^\w\-./]+/g, '_')
			.replace(/\//g, '.')
			.replace(/^[ ._-]+|[ ._-]+$/g, '');
	const nsDir = (ns: string): string =>
		layout.version === '4.3'
			? `sos_commands/networking/namespaces/${ns}`
			: 'sos_commands/networking';
	const caps = nodeCaptures(set, node);
	const netns = caps.find(c => c.kind === 'ip-netns');
	const namespaces =
		netns === undefined ? [] : (JSON.parse(netns.stdout) as J[]).map(n => String(n['name']));
	if (netns !== undefined)
		add('networking', 'ip netns', 'sos_commands/networking/ip_netns', netnsText(netns.stdout));
	const cap = layout.namespaceCap ?? namespaces.length;
	for (const ns of namespaces.slice(0, cap)) {
		const addr = caps.find(c => c.kind === 'ip-addr' && c.params?.namespace === ns);
		const neigh = caps.find(c => c.kind === 'ip-neigh' && c.params?.namespace === ns);
		const addrExec = `ip netns exec ${ns} ip ${layout.version === '4.3' ? '-d ' : ''}address show`;
		if (addr !== undefined)
			add('networking', addrExec, `${nsDir(ns)}/${mangle(addrExec)}`, addrText(addr.stdout));
		if (neigh !== undefined && layout.version !== '4.0' && layout.version !== '3.9') {
			const exec = `ip netns exec ${ns} ip -s -s neigh show`;
			add('networking', exec, `${nsDir(ns)}/${mangle(exec)}`, neighText(neigh.stdout));
		}
	}
	const hostAddr = caps.find(c => c.kind === 'ip-addr' && (c.params?.namespace ?? '') === '');
	if (hostAddr !== undefined)
		add(
			'networking',
			'ip -d address',
			'sos_commands/networking/ip_-d_address',
			addrText(hostAddr.stdout),
		);
	const show = caps.find(c => c.kind === 'ovs-vsctl-show');
	if (show !== undefined)
		add(
			'openvswitch',
			'ovs-vsctl -t 5 show',
			'sos_commands/openvswitch/ovs-vsctl_-t_5_show',
			show.stdout,
		);
	for (const c of caps.filter(
		c => c.kind === 'ovs-flows' || c.kind === 'ovs-ofctl-show' || c.kind === 'ovs-fdb',
	)) {
		const br = c.params?.bridge ?? '';
		const exec =
			c.kind === 'ovs-flows'
				? `ovs-ofctl dump-flows ${br}`
				: c.kind === 'ovs-ofctl-show'
					? `ovs-ofctl show ${br}`
					: `ovs-appctl fdb/show ${br}`;
		const truncated = c.kind === 'ovs-flows' && (layout.truncate ?? []).includes(br);
		add(
			'openvswitch',
			exec,
			`sos_commands/openvswitch/${mangle(exec)}`,
			c.stdout,
			truncated ? {truncated: true} : {},
		);
	}
	for (const [rel, body] of Object.entries(layout.extra ?? {})) put(rel, body);
	put('sos_commands/host/hostname', `${host}\n`);
	links.push(['hostname', 'sos_commands/host/hostname']);
	put(
		'etc/neutron/neutron.conf',
		`[DEFAULT]\nhost = ${node}\ntransport_url = rabbit://openstack:lab-canary-rabbit-secret@rabbit:5672/\n`,
	);
	const mode = node === 'network' ? 'dvr_snat' : 'dvr';
	put('etc/neutron/l3_agent.ini', `[DEFAULT]\nagent_mode = ${mode}\n`);
	put('version.txt', `sosreport: ${layout.version}.0\n`);
	if (layout.manifest !== false && layout.version !== '3.9') {
		const plugins = Object.fromEntries(
			Object.entries(commands).map(([name, list]) => [
				name,
				{
					commands: list.map(c =>
						layout.version === '4.0'
							? {
									exec: c['exec'],
									filepath: c['filepath'],
									return_code: c['return_code'],
									run_time: c['run_time'],
								}
							: c,
					),
					timeout_hit: name === 'networking' && layout.timeoutHit === true,
				},
			]),
		);
		put(
			'sos_reports/manifest.json',
			JSON.stringify({version: `${layout.version}.0`, components: {report: {plugins}}}, null, 1),
		);
	}
	for (const [rel, target] of links) {
		const full = path.join(dir, rel);
		mkdirSync(path.dirname(full), {recursive: true});
		execFileSync('ln', ['-sfn', target, full]);
	}
	return dir;
}

/** The lab's cloud captures as `--api-data` files: port list (+ shows), routers, agents. */
export function writeApiData(root: string, set: CaptureSet): string[] {
	mkdirSync(root, {recursive: true});
	return set.captures
		.filter(c => c.scope === 'cloud' && c.kind !== undefined)
		.map(c => {
			const file = path.join(root, `${c.id}.json`);
			writeFileSync(file, c.stdout);
			return file;
		});
}

/** The lab's nodes in the osctl dump layout (`neutron/<host>/…`, `k8s/cluster/node/<host>`). */
export function writeOsctlDump(
	root: string,
	set: CaptureSet,
	options: {dropNeigh?: string; cutFlows?: string} = {},
): string {
	mkdirSync(root, {recursive: true});
	const put = (rel: string, body: string): void => {
		const full = path.join(root, rel);
		mkdirSync(path.dirname(full), {recursive: true});
		if (body !== '') writeFileSync(full, body);
	};
	for (const node of set.manifest.nodes.map(n => n.id)) {
		const caps = nodeCaptures(set, node);
		const base = `neutron/${node}`;
		const netns = caps.find(c => c.kind === 'ip-netns');
		const namespaces =
			netns === undefined ? [] : (JSON.parse(netns.stdout) as J[]).map(n => String(n['name']));
		if (netns !== undefined) put(`${base}/ip_netns_list.txt`, netnsText(netns.stdout));
		const hostAddr = caps.find(c => c.kind === 'ip-addr' && (c.params?.namespace ?? '') === '');
		if (hostAddr !== undefined) put(`${base}/ip_addr.txt`, addrText(hostAddr.stdout));
		for (const ns of namespaces) {
			const addr = caps.find(c => c.kind === 'ip-addr' && c.params?.namespace === ns);
			const neigh = caps.find(c => c.kind === 'ip-neigh' && c.params?.namespace === ns);
			if (addr !== undefined) put(`${base}/${ns}/ip_addr.txt`, addrText(addr.stdout));
			if (options.dropNeigh === `${node}/${ns}`) continue; // cut by the exec timeout: nothing after
			if (neigh !== undefined) put(`${base}/${ns}/ip_nei.txt`, neighText(neigh.stdout));
			put(`${base}/${ns}/iptables_filter.txt`, 'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n');
		}
		const show = caps.find(c => c.kind === 'ovs-vsctl-show');
		if (show !== undefined) put(`${base}/ovs_vsctl_show.txt`, show.stdout);
		for (const c of caps.filter(c => c.kind === 'ovs-flows')) {
			const br = c.params?.bridge ?? '';
			const body =
				options.cutFlows === `${node}/${br}`
					? c.stdout.slice(0, c.stdout.trimEnd().length - 7)
					: c.stdout;
			put(`${base}/${br}/ovs_ofctl_dump_flows.txt`, body);
		}
		put(
			`k8s/cluster/node/${node}`,
			`apiVersion: v1\nkind: Node\nmetadata:\n  labels:\n    openstack-compute-node: enabled\n  name: ${node}\nstatus:\n  addresses:\n  - address: 127.0.0.1\n    type: InternalIP\n`,
		);
	}
	return root;
}

/** `tar -c` a directory (`-J` xz, `-z` gzip); `top` false archives its content as osctl does. */
export function archive(dir: string, out: string, compression: 'xz' | 'gzip', top = true): string {
	const flag = compression === 'xz' ? '-cJf' : '-czf';
	if (top) execFileSync('tar', [flag, out, '-C', path.dirname(dir), path.basename(dir)]);
	else execFileSync('tar', [flag, out, '-C', dir, '.']);
	return out;
}
