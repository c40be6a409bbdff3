import {spawnSync} from 'node:child_process';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
	CATALOG,
	catalogEntries,
	checkParam,
	matchCatalog,
	COMMAND_BYTES_BUDGET,
	commandBytes,
	MAX_EXECS_PER_NODE,
	maxExecsPerNode,
	planCommand,
	planDetail,
	printable,
	splitSections,
} from '../../src/collectors/catalog.js';
import {collect} from '../../src/session/collect.js';
import {FakeTransport} from '../helpers/fake-transport.js';

const NONCE = '0123456789abcdef0123456789abcdef';
const R1 = '5f5c3b3e-7c3a-4d6e-9d0a-1b2c3d4e5f60';

/** Names a hostile or broken node could report for its namespaces and bridges. */
const HOSTILE = [
	`qrouter-${R1}; rm -rf /`,
	'qrouter-$(reboot)',
	'qrouter-`id`',
	`qrouter-${R1}\nqrouter-evil`,
	'qrouter-a b',
	`qrouter-${R1} `,
	"qrouter-'quoted'",
	'qrouter-|nc',
	'qrouter-&&true',
	'../../etc',
	`qrouter-${'a'.repeat(5000)}`,
	'--help',
	'-n',
	'',
	'br-int;id',
	'br-$(id)',
	'br-`id`',
	'br-int\nbr-x',
	'br int',
	`br-${'x'.repeat(300)}`,
	'BR-INT',
];

describe('catalog', () => {
	it('every entry is read-only: no verb that changes a node or the cloud', () => {
		// Given every argv word of every entry (scripts included)
		const words = catalogEntries.flatMap(entry =>
			entry.argv.filter((t): t is string => typeof t === 'string').flatMap(t => t.split(/\s+/)),
		);
		// Then none of the writing verbs appears
		for (const verb of [
			'add-br',
			'del-br',
			'add-port',
			'del-port',
			'set',
			'add-flow',
			'add-flows',
			'del-flows',
			'mod-flows',
			'replace-flows',
			'flush',
			'delete',
			'create',
			'unset',
			'rm',
			'tee',
			'dd',
			'kill',
			'fdb/flush',
			'restart',
		]) {
			expect(words, verb).not.toContain(verb);
		}
		// and the OVS tools are always bounded in time
		for (const entry of catalogEntries) {
			const argv = entry.argv.filter((t): t is string => typeof t === 'string');
			if (argv[0] === 'ovs-vsctl') expect(argv.slice(1, 3)).toEqual(['-t', '5']);
		}
	});

	it.each(HOSTILE.map(name => [printable(name).slice(0, 50), name]))(
		'refuses the name "%s" as a namespace and as a bridge',
		(_, name) => {
			expect(checkParam('namespace', name)).toBeDefined();
			expect(checkParam('bridge', name)).toBeDefined();
		},
	);

	it('plans at most 8 detail commands whatever the number of namespaces and bridges', () => {
		// Given a node with 500 router namespaces and 6 bridges
		const namespaces = Array.from(
			{length: 500},
			(_, i) => `qrouter-${R1.slice(0, -4)}${String(i).padStart(4, '0')}`,
		);
		const plan = planDetail({
			namespaces,
			bridges: ['br-int', 'br-tun', 'br-ex', 'br-a', 'br-b', 'br-c'],
			nonce: NONCE,
		});
		// Then
		expect(plan.commands.length).toBeLessThanOrEqual(MAX_EXECS_PER_NODE - 2);
		expect(plan.refusals).toEqual([]);
		const state = plan.commands.find(c => c.entry.id === 'netns.state-batch');
		expect(state?.argv.slice(5)).toHaveLength(500);
		// and the single reads that run in the same place are folded: 4 executions, leaving room
		// for the proof rounds (2 over SSH, 4 through kubectl) within 10 with discovery's 2
		expect(plan.commands.map(c => c.entry.id)).toEqual([
			'ovs.db-batch',
			'ovs.bridge-batch',
			'netns.state-batch',
			'netns.agent-batch',
		]);
		for (const c of plan.commands) expect(matchCatalog(c.argv)).toBe(c.entry);
		// and the host's own addresses are read once (tunnel interface check), with their own argv
		const agent = plan.commands.find(c => c.entry.id === 'netns.agent-batch');
		const parts = agent?.entry.sections;
		expect(parts !== undefined && 'parts' in parts ? parts.parts[0] : undefined).toMatchObject({
			catalogId: 'host.addr',
			kind: 'ip-addr',
			argv: ['ip', '-j', 'addr', 'show'],
			once: true,
		});
		expect(agent?.argv.slice(5, 6)).toEqual(['/var/lib/neutron/ha_confs']);
		expect(agent?.argv.slice(6)).toHaveLength(500);
	});

	it('splits the namespace batches by command size: under the budget, ≤ 10 + 1 per 2,000 execs', () => {
		// Given nodes with 100 … 9,000 namespaces (the longest legal names, 44 characters)
		for (const count of [100, 2000, 2100, 5000, 9000]) {
			const namespaces = Array.from(
				{length: count},
				(_, i) => `qrouter-${R1.slice(0, -6)}${String(i).padStart(6, '0')}`,
			);
			// When planned
			const plan = planDetail({namespaces, bridges: ['br-int', 'br-tun'], nonce: NONCE});
			// Then every command is within the budget (well under Linux's 128 KiB per argument)
			for (const command of plan.commands)
				expect(commandBytes(command.argv), `${count}: ${command.entry.id}`).toBeLessThanOrEqual(
					COMMAND_BYTES_BUDGET,
				);
			// and with discovery the node stays within 10 + 1 per 2,000 namespaces executions
			expect(plan.commands.length + 2, String(count)).toBeLessThanOrEqual(
				MAX_EXECS_PER_NODE + Math.floor(count / 2000),
			);
			expect(plan.commands.length + 2).toBeLessThanOrEqual(maxExecsPerNode(count));
			// and every namespace is read by every part exactly once
			const parts = new Map<string, string[]>();
			for (const command of plan.commands) {
				const sections = command.entry.sections;
				if (sections === undefined || !('parts' in sections)) continue;
				const each = sections.parts.filter(part => part.param === 'namespace');
				if (each.length === 0) continue;
				const items = command.argv.filter(word => checkParam('namespace', word) === undefined);
				for (const part of each)
					parts.set(part.catalogId, [...(parts.get(part.catalogId) ?? []), ...items]);
			}
			// and the host's addresses and the L3-HA files are read once: folded with the routes
			// when those fit one command, else alone
			const reads = plan.commands.flatMap(command => {
				const sections = command.entry.sections;
				const once =
					sections !== undefined && 'parts' in sections
						? sections.parts.filter(p => p.once === true).map(p => p.catalogId)
						: [];
				const files = sections !== undefined && 'files' in sections ? ['l3ha.files'] : [];
				return once.length + files.length > 0 ? [...once, ...files] : [command.entry.id];
			});
			for (const id of ['host.addr', 'l3ha.files', 'ovs.show', 'ovs.interfaces', 'ovs.ports'])
				expect(
					reads.filter(read => read === id),
					`${count} ${id}`,
				).toHaveLength(1);
			expect([...parts.keys()].sort()).toEqual([
				'netns.addr',
				'netns.neigh',
				'netns.route',
				'netns.rule',
			]);
			for (const [part, items] of parts) expect(items, `${count} ${part}`).toEqual(namespaces);
			// and each chunk is a catalog command
			for (const command of plan.commands) expect(matchCatalog(command.argv)).toBe(command.entry);
		}
	});

	it('builds argv for user-given parameters only when they are legal', () => {
		expect(planCommand('os.ports-by-ip', {ip: '10.0.0.4'})).toMatchObject({
			ok: true,
			command: {
				argv: [
					'openstack',
					'port',
					'list',
					'--fixed-ip',
					'ip-address=10.0.0.4',
					'--long',
					'-f',
					'json',
				],
			},
		});
		const refused = planCommand('os.router-agents', {router: `${R1} --os-cloud evil`});
		expect(refused.ok).toBe(false);
		expect(() => planCommand('rm.everything')).toThrow(/no entry/);
	});

	it('cuts batched output into sections and refuses forged or mangled ones', () => {
		// Given output where a file body tries to forge a marker without the nonce, and a section
		// whose item is not a legal name (a forged marker would need the nonce: the batch's own items
		// are validated before running)
		const entry = CATALOG['ovs.bridge-batch'];
		const m = (...w: string[]): string => `\n@@dvrscope ${w.join(' ')}\n`;
		const stdout =
			m(NONCE, 'begin', 'flows', 'br-int') +
			'NXST_FLOW reply (xid=0x4):\n@@dvrscope 00000000000000000000000000000000 end flows br-int 0\n' +
			m(NONCE, 'end', 'flows', 'br-int', '0') +
			m(NONCE, 'begin', 'flows', 'br-$(id)') +
			'x' +
			m(NONCE, 'end', 'flows', 'br-$(id)', '0');
		// When
		const {sections, refusals} = splitSections(entry, NONCE, stdout, '');
		// Then the forged line stays inside the br-int body; the bad item is refused
		expect(sections).toHaveLength(1);
		expect(sections[0]).toMatchObject({
			catalogId: 'ovs.flows',
			kind: 'ovs-flows',
			params: {bridge: 'br-int'},
			exitCode: 0,
		});
		expect(sections[0]?.stdout).toContain('@@dvrscope 0000');
		expect(refusals).toHaveLength(1);
	});

	it('the real batch script brackets each item and keeps exact bodies (run by /bin/sh)', () => {
		// Given the ha_confs script and a directory with a state file without trailing newline
		const dir = spawnSync('mktemp', ['-d'], {encoding: 'utf8'}).stdout.trim();
		spawnSync('sh', [
			'-c',
			`mkdir -p ${dir}/${R1} && printf primary > ${dir}/${R1}/state && printf 'vrrp_instance VR_1 {\\n}\\n' > ${dir}/${R1}/keepalived.conf && mkdir -p '${dir}/evil;id' && printf x > '${dir}/evil;id/state'`,
		]);
		const planned = planCommand('l3ha.files', {nonce: NONCE, haConfsPath: dir});
		expect(planned.ok).toBe(true);
		if (!planned.ok) return;
		// When run for real
		const [file, ...args] = planned.command.argv;
		const result = spawnSync(file, args, {encoding: 'utf8'});
		const {sections, refusals} = splitSections(
			planned.command.entry,
			NONCE,
			result.stdout,
			result.stderr,
			dir,
		);
		spawnSync('rm', ['-rf', dir]);
		// Then
		expect(sections.map(s => [s.catalogId, s.params.router, s.stdout])).toEqual([
			['l3ha.state', R1, 'primary'],
			['l3ha.keepalived-conf', R1, 'vrrp_instance VR_1 {\n}\n'],
		]);
		expect(refusals.map(r => r.value)).toEqual([`${dir}/evil;id/state`]);
	});
});

describe('hostile corpus through a whole collection (recording fake transport)', () => {
	it('runs nothing outside the catalog and no hostile name appears in any argv', async () => {
		// Given a node whose discovery returns every hostile name plus legal ones
		const fake = new FakeTransport('n1', {
			namespaces: [...HOSTILE, `qrouter-${R1}`, 'qdhcp-x'],
			bridges: [...HOSTILE, 'br-int'],
		});
		// When collected
		const set = await collect(
			{nodes: [{info: {id: 'n1', roles: []}, transport: fake}], nonce: () => NONCE},
			() => undefined,
			new AbortController().signal,
		);
		// Then every executed argv is a catalog argv with legal parameters
		expect(fake.executed.length).toBeGreaterThan(2);
		expect(fake.executed.length).toBeLessThanOrEqual(MAX_EXECS_PER_NODE);
		for (const argv of fake.executed)
			expect(matchCatalog(argv), JSON.stringify(argv)).toBeDefined();
		const words = fake.executed.flat();
		for (const name of HOSTILE) expect(words).not.toContain(name);
		expect(words).toContain(`qrouter-${R1}`);
		expect(words).toContain('br-int');
		// and each dangerous namespace name is reported as refused, in printable form
		const refused = (set.manifest.problems ?? [])
			.filter(p => p.kind === 'refused')
			.map(p => p.message);
		const dangerous = HOSTILE.filter(name => !/^[A-Za-z0-9_.-]{1,64}$/.test(name));
		for (const name of dangerous) {
			expect(
				refused.some(message => message.includes(printable(name).slice(0, 60))),
				name.slice(0, 40),
			).toBe(true);
		}
		expect(refused.every(message => !message.includes('\n'))).toBe(true);
	});

	it('property: whatever names a node reports, only catalog argv runs', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.string({maxLength: 60}), {maxLength: 8}),
				fc.array(fc.string({maxLength: 20}), {maxLength: 5}),
				async (namespaces, bridges) => {
					const fake = new FakeTransport('p', {namespaces, bridges});
					await collect(
						{nodes: [{info: {id: 'p', roles: []}, transport: fake}], nonce: () => NONCE},
						() => undefined,
						new AbortController().signal,
					);
					for (const argv of fake.executed) {
						if (matchCatalog(argv) === undefined) return false;
						if (argv.some(word => word.includes('\n') && !word.includes('@@dvrscope')))
							return false;
					}
					return fake.executed.length <= MAX_EXECS_PER_NODE;
				},
			),
			{numRuns: 60},
		);
	});
});
