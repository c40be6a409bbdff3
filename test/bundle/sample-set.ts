/** A small capture set built from the shared real-format fixtures, plus planted secrets (canaries). */
import {readFileSync} from 'node:fs';
import {toCaptureMeta} from '../../src/bundle/capture-set.js';
import type {Capture, CaptureSet, CaptureSetManifest} from '../../src/model/capture.js';

export const fixture = (name: string): string =>
	readFileSync(new URL(`../fixtures/bundle/${name}`, import.meta.url), 'utf8');

/** Secret values planted in captures, argv, stderr and inventory; none may appear in a bundle. */
export const CANARIES = {
	authPass: 'CanaryVrrpPw7',
	neutronDbPw: 'CanaryDbPw8',
	rabbitPw: 'CanaryRabbitPw9',
	metadataSecret: 'CanaryMetaSecret10',
	keystonePw: 'CanaryKeystonePw11',
	argvPw: 'CanaryArgvPw12',
	stderrToken: 'CanaryStderrToken13',
	kubeToken: 'CanaryKubeToken14',
	kubeKeyData: 'Q2FuYXJ5S2V5RGF0YTE1',
	inventoryPw: 'CanaryInventoryPw16',
	sshKeyBody: 'CanarySshKeyBody17',
	failureToken: 'CanaryFailureTok18',
} as const;

const ROUTER = '4d7928a0-4a3c-4b99-b01b-97da2f97e279';

const neutronConf = `[DEFAULT]
transport_url = rabbit://openstack:${CANARIES.rabbitPw}@10.10.0.5:5672,openstack:${CANARIES.rabbitPw}@10.10.0.6:5672/
[database]
connection = postgresql://neutron:${CANARIES.neutronDbPw}@10.10.0.7/neutron
[keystone_authtoken]
password = ${CANARIES.keystonePw}
[agent]
metadata_proxy_shared_secret=${CANARIES.metadataSecret}
`;

const kubeconfig = `apiVersion: v1
users:
- name: admin
  user:
    token: ${CANARIES.kubeToken}
    client-key-data: ${CANARIES.kubeKeyData}
`;

const sshKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAA${CANARIES.sshKeyBody}
-----END OPENSSH PRIVATE KEY-----
`;

const t0 = '2026-11-26T12:00:00.000Z';

function capture(
	partial: Omit<
		Capture,
		| 'stdoutFile'
		| 'stderrFile'
		| 'stdoutBytes'
		| 'stderrBytes'
		| 'startedAt'
		| 'durationMs'
		| 'scope'
	> & {scope?: 'node' | 'cloud'},
): Capture {
	return toCaptureMeta({scope: 'node', startedAt: t0, durationMs: 12, ...partial});
}

/** Build the sample set; `keepalived` replaces the Octavia keepalived.conf body. */
export function sampleSet(options: {partial?: boolean} = {}): CaptureSet {
	const captures: Capture[] = [
		capture({
			id: 'netns-list',
			node: 'cmp-1',
			argv: ['ip', 'netns', 'list'],
			kind: 'ip-netns',
			exitCode: 0,
			stdout: fixture('gen-ip-netns-list.txt'),
			stderr: '',
		}),
		capture({
			id: 'neigh-qrouter',
			node: 'cmp-1',
			argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', 'neigh', 'show'],
			kind: 'ip-neigh',
			params: {namespace: `qrouter-${ROUTER}`},
			exitCode: 0,
			stdout: fixture('gen-ip-neigh-show-qrouter.txt'),
			stderr: '',
		}),
		capture({
			id: 'addr-qrouter',
			node: 'cmp-1',
			argv: ['ip', 'netns', 'exec', `qrouter-${ROUTER}`, 'ip', '-o', 'addr', 'show'],
			kind: 'ip-addr',
			params: {namespace: `qrouter-${ROUTER}`},
			exitCode: 0,
			stdout: fixture('gen-ip-o-addr-show-qrouter.txt'),
			stderr: '',
		}),
		capture({
			id: 'flows-br-tun',
			node: 'cmp-1',
			argv: ['ovs-ofctl', 'dump-flows', 'br-tun'],
			kind: 'ovs-flows',
			params: {bridge: 'br-tun'},
			exitCode: 0,
			stdout: fixture('gen-ovs-ofctl-dump-flows-br-tun-dvr-of10.txt'),
			stderr: '',
		}),
		capture({
			id: 'ovs-show',
			node: 'cmp-1',
			argv: ['ovs-vsctl', 'show'],
			kind: 'ovs-vsctl-show',
			exitCode: 0,
			stdout: fixture('gen-ovs-vsctl-show-dvr-compute.txt'),
			stderr: '',
		}),
		capture({
			id: 'keepalived-conf',
			node: 'ctl-1',
			argv: ['cat', '/var/lib/octavia/keepalived.conf'],
			kind: 'keepalived-conf',
			params: {path: '/var/lib/octavia/keepalived.conf'},
			exitCode: 0,
			stdout: fixture('fixture-octavia-keepalived-conf.txt').replace(
				'TESTPASSWORD',
				CANARIES.authPass,
			),
			stderr: '',
		}),
		capture({
			id: 'neutron-conf',
			node: 'ctl-1',
			argv: ['cat', '/etc/neutron/neutron.conf'],
			exitCode: 0,
			stdout: neutronConf,
			stderr: '',
		}),
		capture({
			id: 'kubeconfig',
			scope: 'cloud',
			argv: ['kubectl', 'config', 'view', '--raw'],
			exitCode: 0,
			stdout: kubeconfig,
			stderr: `warning: retrying with --token=${CANARIES.stderrToken}\nAuthorization: Bearer ${CANARIES.stderrToken}\n`,
		}),
		capture({
			id: 'ssh-key',
			node: 'ctl-1',
			argv: ['cat', '/root/.ssh/id_ed25519'],
			exitCode: 0,
			stdout: sshKey,
			stderr: '',
		}),
		capture({
			id: 'ports',
			scope: 'cloud',
			argv: ['openstack', '--os-password', CANARIES.argvPw, 'port', 'list', '-f', 'json'],
			kind: 'openstack-ports',
			exitCode: 0,
			stdout: '[]\n',
			stderr: '',
		}),
	];
	if (options.partial === true) {
		captures.push(
			capture({
				id: 'flows-br-int',
				node: 'cmp-2',
				argv: ['ovs-ofctl', 'dump-flows', 'br-int'],
				kind: 'ovs-flows',
				exitCode: null,
				failure: {
					kind: 'timeout',
					message: `timed out after 10s (X-Auth-Token: ${CANARIES.failureToken})`,
				},
				stdout: '',
				stderr: '',
			}),
		);
	}
	const manifest: CaptureSetManifest = {
		format: 'dvrscope-capture-set',
		schemaVersion: 1,
		createdAt: t0,
		tool: {name: 'dvrscope', version: '0.1.0'},
		description: 'bundle test set',
		source: 'sample',
		nodes: [
			{id: 'cmp-1', roles: ['compute'], transport: 'ssh', address: 'root@10.10.0.11'},
			{id: 'ctl-1', roles: ['network', 'controller'], transport: 'ssh', address: '10.10.0.21'},
			...(options.partial === true
				? [{id: 'cmp-2', roles: ['compute' as const], transport: 'ssh', address: '10.10.0.12'}]
				: []),
		],
		captures,
		...(options.partial === true
			? {
					partial: true,
					problems: [
						{
							node: 'cmp-2',
							kind: 'unreachable',
							message: 'ssh: connect to 10.10.0.12 port 22: timed out',
						},
					],
				}
			: {}),
	};
	return {manifest, captures};
}

export const sampleInventory = {
	nodes: [
		{name: 'cmp-1', address: '10.10.0.11', user: 'root', password: CANARIES.inventoryPw},
		{name: 'ctl-1', address: '10.10.0.21', identityFile: '~/.ssh/id_ed25519'},
	],
	kubernetes: {context: 'mosk', token: CANARIES.kubeToken},
};
