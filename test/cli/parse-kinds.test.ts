import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Command} from 'commander';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {register} from '../../src/cli/commands/parse.js';
import {PARSER_KINDS, type ParserKind} from '../../src/model/facts.js';

const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

/** One real-format fixture per kind (the subprocess CLI test covers argv/exit plumbing). */
const FILE_FOR: Record<ParserKind, string> = {
	'ovs-flows': 'gen-ovs-ofctl-dump-flows-br-tun-dvr-of13.txt',
	'ovs-vsctl-show': 'gen-ovs-vsctl-show-dvr-compute.txt',
	'ovsdb-json': 'gen-ovs-vsctl-format-json-list-interface.json',
	'ovs-ofctl-show': 'gen-ovs-ofctl-show-br-int.txt',
	'ovs-fdb': 'gen-ovs-appctl-fdb-show-br-int.txt',
	'ip-netns': 'gen-ip-netns-list.txt',
	'ip-addr': 'gen-ip-j-addr-show-qrouter.json',
	'ip-neigh': 'gen-ip-neigh-show-qrouter.txt',
	'ip-route': 'iproute2-local/ip-route-show-table-all.txt',
	'ip-rule': 'gen-ip-rule-show-qrouter.txt',
	'ip-all-netns': 'iproute2-local/ip-all-netns-exec-ip-neigh-show.txt',
	'keepalived-conf': 'fixture-octavia-keepalived-conf.txt',
	'neutron-ha-state': 'neutron-ha-state/state-master-ussuri',
	'openstack-ports': 'pub-openstack-port-show-table.txt',
	'openstack-routers': 'openstack-constructed/router-show.json',
	'openstack-agents': 'pub-openstack-network-agent-list-dvr.txt',
	'openstack-subnets': 'openstack-constructed/subnet-list.json',
	'openstack-networks': 'openstack-constructed/network-show.json',
	'octavia-amphorae': 'pub-octavia-api-amphora-list-response.json',
	osdpl: 'openstack-constructed/osdpl-list.json',
	'kube-nodes': 'kube/kubectl-get-nodes-lab.json',
	'ovn-db': 'ovn/ovn-nbctl-list-healthy.json',
	'ovs-trace': 'trace/healthy/3-compute-2-br-int-qr-to-tunnel.txt',
	'ovn-trace': 'ovn-trace/healthy/1-routed-client-to-vip.txt',
};

async function runParse(
	args: string[],
): Promise<{stdout: string; stderr: string; exitCode: number}> {
	let stdout = '';
	let stderr = '';
	vi.spyOn(process.stdout, 'write').mockImplementation(chunk => {
		stdout += String(chunk);
		return true;
	});
	vi.spyOn(process.stderr, 'write').mockImplementation(chunk => {
		stderr += String(chunk);
		return true;
	});
	process.exitCode = 0;
	const program = new Command().exitOverride();
	register(program);
	await program.parseAsync(['node', 'dvrscope', 'parse', ...args]);
	const exitCode = process.exitCode;
	process.exitCode = 0;
	vi.restoreAllMocks();
	return {stdout, stderr, exitCode};
}

describe('dvrscope parse, every kind', () => {
	afterEach(() => {
		process.exitCode = 0;
	});

	it.each(PARSER_KINDS)(
		'Given a real-format %s file, then JSON facts are printed and exit is 0',
		async kind => {
			const {stdout, stderr, exitCode} = await runParse([
				kind,
				path.join(FIXTURES, FILE_FOR[kind]),
			]);
			expect(stderr).toBe('');
			expect(exitCode).toBe(0);
			const out = JSON.parse(stdout) as {kind: string; facts: unknown; warnings: unknown[]};
			expect(out.kind).toBe(kind);
			expect(out.warnings).toEqual([]);
			expect(JSON.stringify(out.facts).length).toBeGreaterThan(20);
		},
	);

	it('Given an ARP responder flow through the CLI, then its IP and MAC are hex-decoded', async () => {
		const {stdout} = await runParse([
			'ovs-flows',
			path.join(FIXTURES, 'gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt'),
		]);
		expect(stdout).toContain('"decoded":"10.0.0.4"');
		expect(stdout).toContain('"decoded":"fa:16:3e:76:31:68"');
	});
});
