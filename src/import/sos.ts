/**
 * Import of one `sos report` (archive or unpacked directory) as the capture set of one node.
 *
 * Driven by `sos_reports/manifest.json` where there is one (sos ≥ 4.0: `exec`, `filepath`,
 * `return_code`, `run_time`; later `start_time`, `truncated` — the tail-cut output then lives in
 * `sos_strings/<plugin>/….tailed` behind a link at the usual name — and the plugin's
 * `timeout_hit`); otherwise by sos's file names (sos 3.x, hand-copied trees), in both layouts
 * (flat `sos_commands/networking/ip_netns_exec_<ns>_…` before 4.3, `…/namespaces/<ns>/…` after).
 * Every gap (a namespace without its neighbour table, a plugin timeout, a cut output, an error
 * merged into an output) is a capture with `failure` or `truncated`, as for live data.
 */
import {z} from 'zod';
import {BundleReadError} from '../bundle/read.js';
import {toMeta} from '../collectors/assemble.js';
import type {Capture, CaptureFailure, CaptureSet, NodeInfo} from '../model/capture.js';
import {CAPTURE_SET_FORMAT, CAPTURE_SET_SCHEMA_VERSION} from '../model/capture.js';
import {buildCapture, type ImportedOutput, neutronNamespaces, splitMergedStderr} from './build.js';
import {classifyCommand, type Classified, wordsFromSosName} from './commands.js';
import {iniValue, nodeInfo, rolesOf, safeNodeId} from './node-info.js';
import {type ImportTree, linkAt, text, type WantSpec} from './tree.js';

const PLUGINS = [
	'networking',
	'openvswitch',
	'openstack_neutron',
	// ml2/ovn: NB/SB `list T` in text form (ovn_central), br-int flows and the Open_vSwitch row (ovn_host)
	'ovn_central',
	'ovn_host',
] as const;
const HA_CONFS = 'var/lib/neutron/ha_confs';
const PUPPET_NEUTRON = 'var/lib/config-data/puppet-generated/neutron/etc/neutron';

/** The members of a sos report an import reads; everything else (sys/, proc/, logs) is skipped. */
export const SOS_WANT: WantSpec = {
	prefixes: [
		'sos_reports/manifest.json',
		...PLUGINS.map(p => `sos_commands/${p}`),
		...PLUGINS.map(p => `sos_strings/${p}`),
		'sos_commands/host/hostname',
		'sos_commands/general/hostname',
		'hostname',
		'etc/hostname',
		'version.txt',
		'etc/neutron/neutron.conf',
		'etc/neutron/l3_agent.ini',
		`${PUPPET_NEUTRON}/neutron.conf`,
		`${PUPPET_NEUTRON}/l3_agent.ini`,
		HA_CONFS,
	],
};

/** True when the tree is a sos report. */
export const isSosTree = (tree: ImportTree): boolean =>
	tree.files.has('sos_reports/manifest.json') ||
	[...tree.files.keys(), ...tree.links.map(l => l.name)].some(n => n.startsWith('sos_commands/'));

const commandSchema = z
	.object({
		exec: z.string(),
		filepath: z.string().nullable().optional(),
		return_code: z.number().nullable().optional(),
		run_time: z.number().nullable().optional(),
		start_time: z.number().nullable().optional(),
		truncated: z.boolean().nullable().optional(),
	})
	.loose();
const sosTimeSchema = z.union([z.string(), z.number()]).nullable().optional();
const pluginSchema = z
	.object({
		timeout_hit: z.boolean().optional(),
		start_time: sosTimeSchema,
		commands: z.array(z.unknown()).optional(),
	})
	.loose();
const manifestSchema = z
	.object({
		version: z.string().optional(),
		start_time: sosTimeSchema,
		components: z
			.object({
				report: z
					.object({plugins: z.record(z.string(), z.unknown()).optional()})
					.loose()
					.optional(),
			})
			.loose()
			.optional(),
	})
	.loose();

type SosCommand = {
	readonly plugin: string;
	readonly argv: readonly string[];
	/** Where the output is (root-relative); absent when sos wrote none. */
	readonly file?: string;
	readonly returnCode?: number;
	readonly runTime?: number;
	readonly startTime?: number;
	readonly truncated: boolean;
};

type SosReading = {
	readonly version?: string;
	readonly commands: readonly SosCommand[];
	readonly timeoutHit: ReadonlySet<string>;
	readonly problems: string[];
	/** Commands timed by their plugin's start (sos < 4.2 records no per-command start). */
	readonly pluginTimed?: boolean;
};

/**
 * A time in a sos manifest as epoch seconds: a number already is; sos writes plugin and report
 * starts as Python's `str(datetime.now())` — the node's local time without a zone, read as UTC.
 */
function sosSeconds(value: string | number | null | undefined): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string') return undefined;
	const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)\d*$/.exec(value.trim());
	if (m === null) return undefined;
	const ms = Date.parse(`${m[1] ?? ''}T${m[2] ?? ''}Z`);
	return Number.isNaN(ms) ? undefined : ms / 1000;
}

function fromManifest(tree: ImportTree, raw: string): SosReading {
	const problems: string[] = [];
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch (error) {
		problems.push(
			`sos_reports/manifest.json is not JSON (${(error as Error).message}); file names were read instead`,
		);
		return {...fromFileNames(tree), problems};
	}
	const parsed = manifestSchema.safeParse(json);
	if (!parsed.success) {
		problems.push('sos_reports/manifest.json has an unknown shape; file names were read instead');
		return {...fromFileNames(tree), problems};
	}
	const plugins = parsed.data.components?.report?.plugins ?? {};
	const commands: SosCommand[] = [];
	const timeoutHit = new Set<string>();
	let pluginTimed = false;
	for (const plugin of PLUGINS) {
		const section = pluginSchema.safeParse(plugins[plugin]);
		if (!section.success) continue;
		if (section.data.timeout_hit === true) timeoutHit.add(plugin);
		const pluginStart = sosSeconds(section.data.start_time) ?? sosSeconds(parsed.data.start_time);
		for (const item of section.data.commands ?? []) {
			const c = commandSchema.safeParse(item);
			if (!c.success) continue;
			const file = c.data.filepath ?? undefined;
			const startTime = c.data.start_time ?? pluginStart;
			if (c.data.start_time == null && pluginStart !== undefined) pluginTimed = true;
			commands.push({
				plugin,
				argv: c.data.exec.split(/\s+/).filter(w => w !== ''),
				...(file !== undefined ? {file: file.replace(/^\/+/, '')} : {}),
				...(c.data.return_code != null ? {returnCode: c.data.return_code} : {}),
				...(c.data.run_time != null ? {runTime: c.data.run_time} : {}),
				...(startTime != null ? {startTime} : {}),
				truncated: c.data.truncated === true,
			});
		}
	}
	return {
		...(parsed.data.version !== undefined ? {version: parsed.data.version} : {}),
		commands,
		timeoutHit,
		problems,
		...(pluginTimed ? {pluginTimed} : {}),
	};
}

/** No manifest: the command of each output from its file name (links marking `.tailed` outputs). */
function fromFileNames(tree: ImportTree): SosReading {
	const commands: SosCommand[] = [];
	const names = [...tree.files.keys(), ...tree.links.map(l => l.name)];
	for (const name of names) {
		const m = /^sos_commands\/([a-z_]+)\/(?:namespaces\/[^/]+\/)?([^/]+)$/.exec(name);
		if (m === null || !(PLUGINS as readonly string[]).includes(m[1] ?? '')) continue;
		const link = linkAt(tree, name);
		const tailed = link !== undefined && link.target.endsWith('.tailed');
		if (link !== undefined && !tailed) continue;
		commands.push({
			plugin: m[1] ?? '',
			argv: wordsFromSosName(m[2] ?? ''),
			file: tailed ? `${name.replace(/^sos_commands\//, 'sos_strings/')}.tailed` : name,
			truncated: tailed,
		});
	}
	const version = text(tree, 'version.txt')?.match(/sos(?:report)?[^\d]*(\d+\.\d+)/i)?.[1];
	return {
		...(version !== undefined ? {version} : {}),
		commands,
		timeoutHit: new Set(),
		problems: [],
	};
}

const baseName = (source: string): string => source.replace(/[/\\]+$/, '').replace(/^.*[/\\]/, '');

/** Node id: `hostname` output, `/etc/hostname`, or the report's directory name. */
function nodeIdOf(tree: ImportTree): string | undefined {
	return (
		safeNodeId(text(tree, 'sos_commands/host/hostname')) ??
		safeNodeId(text(tree, 'sos_commands/general/hostname')) ??
		safeNodeId(text(tree, 'hostname')) ??
		safeNodeId(text(tree, 'etc/hostname')) ??
		safeNodeId(/^sosreport-(.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8,})/.exec(tree.top)?.[1]) ??
		safeNodeId(/^sosreport-([^-]+)/.exec(tree.top)?.[1]) ??
		// an unpacked report read as a directory (no top directory inside): sos's name for it
		safeNodeId(/^sosreport-(.+?)-(?:\d{4}-\d{2}-\d{2}|\d{8,})/.exec(baseName(tree.source))?.[1])
	);
}

const isoOf = (seconds: number | undefined): string | undefined =>
	seconds === undefined || !Number.isFinite(seconds)
		? undefined
		: new Date(seconds * 1000).toISOString();

/** How one sos command becomes a capture (or undefined: nothing dvrscope reads). */
function toOutput(
	tree: ImportTree,
	node: string,
	cmd: SosCommand,
	what: Classified,
): ImportedOutput {
	const body = cmd.file === undefined ? undefined : text(tree, cmd.file);
	const rc = cmd.returnCode;
	const name = `sos.${what.kind}.${what.params?.namespace || what.params?.bridge || cmd.argv.slice(-1)[0] || 'host'}`;
	const started = isoOf(cmd.startTime);
	const base = {
		scope: what.kind.startsWith('openstack-') ? ('cloud' as const) : ('node' as const),
		node,
		argv: cmd.argv,
		kind: what.kind,
		...(what.params !== undefined ? {params: what.params} : {}),
		name,
		via: 'sos',
		...(started !== undefined ? {startedAt: started} : {}),
		...(cmd.runTime !== undefined ? {durationMs: cmd.runTime * 1000} : {}),
	};
	if (rc === 124) {
		return {
			...base,
			stdout: body ?? '',
			exitCode: null,
			failure: {
				kind: 'timeout',
				message: `sos stopped "${cmd.argv.join(' ')}" at its command timeout (return code 124); its output is partial`,
			},
		};
	}
	if (rc === 126 || rc === 127) {
		return {
			...base,
			stdout: '',
			exitCode: null,
			failure: {
				kind: 'spawn',
				message: `"${cmd.argv[0] ?? ''}" was not found on the node when sos ran (return code ${rc})`,
			},
		};
	}
	if (body === undefined) {
		const where = cmd.file ?? '(no file)';
		return {
			...base,
			stdout: '',
			exitCode: null,
			failure: {
				kind: 'not-collected',
				message: `the report lists "${cmd.argv.join(' ')}" but holds no output for it (${where})`,
			},
		};
	}
	const {stdout, stderr} = splitMergedStderr(body);
	// An error merged into an output with nothing else is a failed command, whatever sos recorded.
	const failed = stderr !== '' && stdout.trim() === '';
	const exitCode = failed ? (rc !== undefined && rc !== 0 ? rc : 1) : (rc ?? 0);
	return {
		...base,
		stdout,
		...(stderr !== '' ? {stderr} : {}),
		exitCode,
		...(cmd.truncated ? {truncated: true} : {}),
	};
}

/**
 * Which of several outputs of the same kind and subject to keep: a clean one, then the full form.
 * sos 4.0 runs both `ip -o addr` and `ip -d address` in the host namespace (and links `ip_addr` to
 * the first): the one-line form lists only interfaces that have an address and no link-layer MAC,
 * so the full form wins when both are clean.
 */
function better(a: ImportedOutput, b: ImportedOutput): ImportedOutput {
	const oneLine = (o: ImportedOutput): boolean =>
		o.argv[0] === 'ip' && o.argv.some(w => w === '-o' || w === '-oneline');
	const score = (o: ImportedOutput): number =>
		(o.failure === undefined ? 8 : 0) +
		(o.exitCode === 0 ? 4 : 0) +
		(o.stdout.trim() !== '' ? 2 : 0) +
		(oneLine(o) ? 0 : 1);
	return score(b) > score(a) ? b : a;
}

function missingNeighbour(
	reading: SosReading,
	ns: string,
	index: number,
	readNamespaces: number,
): CaptureFailure {
	if (reading.timeoutHit.has('networking'))
		return {
			kind: 'timeout',
			message: `sos's networking plugin hit its timeout (timeout_hit) before it read namespace ${ns}; rerun sos with a longer --plugin-timeout (e.g. -k networking.timeout=900)`,
		};
	const [major = 0, minor = 0] = (reading.version ?? '').split('.').map(Number);
	if (reading.version !== undefined && (major < 4 || (major === 4 && minor < 2)))
		return {
			kind: 'not-collected',
			message: `sos ${reading.version} does not read neighbour tables inside namespaces (ip -s -s neigh show per namespace came in sos 4.2): namespace ${ns} is listed but its neighbour table is not in the report`,
		};
	if (readNamespaces > 0 && index >= readNamespaces)
		return {
			kind: 'not-collected',
			message: `sos read the first ${readNamespaces} namespaces only (its networking.namespaces cap); ${ns} is listed but was not read — rerun with -k networking.namespaces=0`,
		};
	return {
		kind: 'not-collected',
		message: `namespace ${ns} is listed by ip netns but the report holds no neighbour table for it`,
	};
}

/** What tells two OVN reads apart: the tool and the table (`--no-leader-only` or not). */
const tableOf = (argv: readonly string[]): string =>
	argv.filter(w => w !== '--no-leader-only').join(' ');

/** One sos report → the capture set of one node. */
export function importSosTree(tree: ImportTree, now = new Date().toISOString()): CaptureSet {
	const manifestText = text(tree, 'sos_reports/manifest.json');
	const reading =
		manifestText !== undefined ? fromManifest(tree, manifestText) : fromFileNames(tree);
	const node = nodeIdOf(tree);
	if (node === undefined)
		throw new BundleReadError(
			`${tree.source}: a sos report without a host name (no sos_commands/host/hostname, hostname or etc/hostname)`,
		);
	const chosen = new Map<string, ImportedOutput>();
	for (const cmd of reading.commands) {
		const what = classifyCommand(cmd.argv);
		if (what === undefined) continue;
		const out = toOutput(tree, node, cmd, what);
		const whole =
			what.kind === 'ovn-db'
				? tableOf(cmd.argv)
				: what.kind.startsWith('openstack-')
					? cmd.argv.join(' ')
					: '';
		const key = `${what.kind}|${what.params?.namespace ?? ''}|${what.params?.bridge ?? ''}|${whole}`;
		const prior = chosen.get(key);
		chosen.set(key, prior === undefined ? out : better(prior, out));
	}
	const outputs = [...chosen.values()];
	const conf =
		text(tree, 'etc/neutron/neutron.conf') ?? text(tree, `${PUPPET_NEUTRON}/neutron.conf`);
	const l3 = text(tree, 'etc/neutron/l3_agent.ini') ?? text(tree, `${PUPPET_NEUTRON}/l3_agent.ini`);
	outputs.push(...haConfOutputs(tree, node));
	const netns = outputs.find(o => o.kind === 'ip-netns');
	const listed = netns === undefined ? [] : neutronNamespaces(netns.stdout);
	const withNeigh = new Set(
		outputs.filter(o => o.kind === 'ip-neigh').map(o => o.params?.namespace),
	);
	const readAny = new Set(
		outputs.map(o => o.params?.namespace).filter(n => n !== undefined && n !== ''),
	);
	const readCount = listed.filter(n => readAny.has(n)).length;
	listed.forEach((ns, index) => {
		if (withNeigh.has(ns)) return;
		outputs.push({
			scope: 'node',
			node,
			argv: ['ip', 'netns', 'exec', ns, 'ip', '-s', '-s', 'neigh', 'show'],
			kind: 'ip-neigh',
			params: {namespace: ns},
			name: `sos.ip-neigh.${ns}`,
			stdout: '',
			exitCode: null,
			failure: missingNeighbour(reading, ns, index, readCount < listed.length ? readCount : 0),
			via: 'sos',
		});
	});
	const info: NodeInfo = nodeInfo(
		node,
		'sos',
		iniValue(conf, 'DEFAULT', 'host'),
		rolesOf(iniValue(l3, 'DEFAULT', 'agent_mode'), listed),
		tree.source,
	);
	const used = new Set<string>();
	const captures: Capture[] = outputs.map(o => buildCapture(o, used, now));
	const problems = [
		...reading.problems,
		...[...reading.timeoutHit].map(
			p => `sos plugin ${p} hit its timeout (timeout_hit): commands after that point are missing`,
		),
	].map(message => ({
		node,
		kind: message.includes('timeout_hit') ? 'timeout' : 'sos-report',
		message,
	}));
	return {
		manifest: {
			format: CAPTURE_SET_FORMAT,
			schemaVersion: CAPTURE_SET_SCHEMA_VERSION,
			createdAt: now,
			tool: {name: 'dvrscope', version: 'import'},
			description: `sos report ${tree.source}${reading.version !== undefined ? ` (sos ${reading.version})` : ''}${reading.pluginTimed === true ? "; times are the sos plugins' starts (this sos records none per command), the node's local time read as UTC" : ''}`,
			source: 'sos',
			nodes: [info],
			captures: captures.map(toMeta),
			...(problems.length > 0 ? {partial: true, problems} : {}),
		},
		captures,
	};
}

/** Neutron L3-HA `state` and `keepalived.conf` files copied into the report. */
function haConfOutputs(tree: ImportTree, node: string): ImportedOutput[] {
	const outputs: ImportedOutput[] = [];
	for (const [name, body] of tree.files) {
		const m = new RegExp(`^${HA_CONFS}/([0-9a-f-]{36})/(state|keepalived\\.conf)$`).exec(name);
		if (m === null) continue;
		const router = m[1] ?? '';
		const path = `/${name}`;
		outputs.push({
			scope: 'node',
			node,
			argv: ['cat', '--', path],
			kind: m[2] === 'state' ? 'neutron-ha-state' : 'keepalived-conf',
			params: {router, path},
			name: `sos.${m[2] === 'state' ? 'l3ha.state' : 'l3ha.keepalived-conf'}.${router}`,
			stdout: body.toString('utf8'),
			exitCode: 0,
			via: 'sos',
		});
	}
	return outputs;
}
