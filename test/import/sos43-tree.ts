/**
 * A sos ≥ 4.3 report tree of a lab node, from the lab's own capture of the commands sos 4.3 runs
 * (networking, openvswitch, host plugins): one SSH session to the node runs them all with stderr
 * merged into the output, as sos does, and the outputs are laid out as sos 4.3 writes them
 * (`sos_commands/networking/namespaces/<ns>/…`, sos's file-name mangling, `hostname` link,
 * `sos_reports/manifest.json` with `exec`, `filepath`, `return_code`, `start_time`, `run_time`,
 * `truncated` and the plugins' `timeout_hit`). The commands and their outputs are real; the tree
 * is assembled here, not written by a sos 4.3 binary (Debian ships sos 4.0, which `lab/sos.sh`
 * runs for real).
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import path from 'node:path';

/** sos's `_mangle_command`: the file name of a command's output. */
export const sosMangle = (exec: string): string =>
	exec
		.replace(/^\/(usr\/|)(bin|sbin)\//, '')
		.replace(/[^\w\-./]+/g, '_')
		.replace(/\//g, '.')
		.replace(/^[ ._-]+|[ ._-]+$/g, '');

/** The commands (plugin, exec) sos 4.3 runs that dvrscope reads, per node, as a shell script. */
const SCRIPT = String.raw`
set -u
t=$(mktemp)
run() { # plugin subdir cmd...
	p=$1 d=$2; shift 2
	s=$(date +%s.%N); "$@" >"$t" 2>&1; rc=$?; e=$(date +%s.%N)
	printf '%s\0%s\0%s\0%s\0%s\0%s\0' "$p" "$d" "$*" "$rc" "$s" "$e"; cat "$t"; printf '\0'
}
run host . hostname
run networking . ip netns
run networking . ip -d address
run networking . ip -s -s neigh show
for ns in $(ip netns | awk '{print $1}'); do
	for c in "ip -d address show" "ip route show table all" "ip -s -s neigh show" "ip rule list"; do
		run networking "namespaces/$ns" ip netns exec "$ns" $c
	done
done
run openvswitch . ovs-vsctl -t 5 show
for br in $(ovs-vsctl -t 5 list-br); do
	run openvswitch . ovs-ofctl dump-flows "$br"
	run openvswitch . ovs-ofctl show "$br"
	run openvswitch . ovs-appctl fdb/show "$br"
done
rm -f "$t"
`;

type Run = {
	plugin: string;
	subdir: string;
	exec: string;
	rc: number;
	start: number;
	end: number;
	out: string;
};

function parseRuns(raw: string): Run[] {
	const parts = raw.split('\0');
	const runs: Run[] = [];
	for (let i = 0; i + 6 < parts.length; i += 7) {
		const [plugin = '', subdir = '', exec = '', rc = '0', start = '0', end = '0', out = ''] =
			parts.slice(i, i + 7);
		runs.push({plugin, subdir, exec, rc: Number(rc), start: Number(start), end: Number(end), out});
	}
	return runs;
}

/**
 * Capture the node's outputs over its real sshd and write them as `<root>/sosreport-<node>-…/`
 * in the sos 4.3 layout with its manifest; the node's Neutron config (`neutron.conf`,
 * `l3_agent.ini`) is copied from `confDir` to `etc/neutron/`. Returns the report directory.
 */
export function writeSos43Tree(
	root: string,
	node: string,
	sshConfig: string,
	confDir: string,
): string {
	const raw = execFileSync('ssh', ['-F', sshConfig, node, 'bash -s'], {
		input: SCRIPT,
		encoding: 'utf8',
		maxBuffer: 256 * 1024 * 1024,
		timeout: 300_000,
	});
	const dir = path.join(root, `sosreport-${node}-2026-12-07-labsos43`);
	const put = (rel: string, body: string): void => {
		mkdirSync(path.dirname(path.join(dir, rel)), {recursive: true});
		writeFileSync(path.join(dir, rel), body);
	};
	const plugins: Record<string, {commands: object[]; timeout_hit: boolean}> = {};
	for (const run of parseRuns(raw)) {
		const filepath = path.posix.join(
			'sos_commands',
			run.plugin,
			run.subdir === '.' ? '' : run.subdir,
			sosMangle(run.exec),
		);
		put(filepath, run.out);
		const words = run.exec.split(' ');
		(plugins[run.plugin] ??= {commands: [], timeout_hit: false}).commands.push({
			command: words[0],
			parameters: words.slice(1),
			exec: run.exec,
			filepath,
			truncated: false,
			return_code: run.rc,
			priority: 10,
			start_time: run.start,
			run_time: run.end - run.start,
			tags: [],
		});
	}
	symlinkSync('sos_commands/host/hostname', path.join(dir, 'hostname'));
	for (const file of ['neutron.conf', 'l3_agent.ini'])
		put(`etc/neutron/${file}`, readFileSync(path.join(confDir, file), 'utf8'));
	put('version.txt', 'sosreport: 4.3\n');
	put(
		'sos_reports/manifest.json',
		JSON.stringify({version: '4.3', components: {report: {plugins}}}, null, 4),
	);
	return dir;
}
