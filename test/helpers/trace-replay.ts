/**
 * A FAKE node exec that answers the path-proof commands from the lab RECORDINGS in
 * test/fixtures/trace/<state>/ (real OVS / iproute2 output, recorded by lab/record-trace.sh over
 * the lab's SSH; see the README there). A command is answered when the recording ran the same
 * command on the same node — the recorder's argv lacks the catalog's `-T 10`, so traces are
 * matched on bridge and flow, `ip route get` on its words. Anything else fails as not recorded.
 */
import {readFileSync, existsSync} from 'node:fs';
import type {CatalogEntry} from '../../src/collectors/catalog.js';
import {commandOfStep, type NodeExec} from '../../src/session/trace-rounds.js';

type Single = (
	node: string,
	argv: readonly [string, ...string[]],
	entry: CatalogEntry,
) => ReturnType<NodeExec>;

/**
 * FAKE `trace.batch`: answers a batch execution (`sh -c SCRIPT dvrscope NONCE STEP…`) by calling
 * `single` for each step's own command and bracketing each output with the script's markers, as
 * the real script prints them (test/session/trace-batch.test.ts runs the real script under sh).
 * `execs` lists every execution (a batch counts once), `calls` every command answered.
 */
export function batchAware(single: Single): NodeExec & {execs: string[]; calls: string[]} {
	const execs: string[] = [];
	const calls: string[] = [];
	const exec = async (node: string, argv: readonly [string, ...string[]], entry: CatalogEntry) => {
		execs.push(`${node}: ${entry.id}`);
		if (entry.id !== 'trace.batch') {
			calls.push(`${node}: ${argv.join(' ')}`);
			return single(node, argv, entry);
		}
		const nonce = argv[4] ?? '';
		let stdout = '';
		let stderr = '';
		for (const step of argv.slice(5)) {
			const one = commandOfStep(step);
			if (one === undefined) throw new Error(`replay fake: not a legal step ${step}`);
			calls.push(`${node}: ${one.argv.join(' ')}`);
			const r = await single(node, one.argv, one.entry);
			const part = step.startsWith('ovs/') ? 'ovs' : step.startsWith('ovn/') ? 'ovn' : 'route';
			const begin = `\n@@dvrscope ${nonce} begin ${part} ${step}\n`;
			const end = `\n@@dvrscope ${nonce} end ${part} ${step} ${r.exitCode ?? 1}\n`;
			if (r.failure !== undefined) return {...r, stdout: stdout + begin + r.stdout, stderr};
			stdout += begin + r.stdout + end;
			stderr += begin + r.stderr + end;
		}
		return {
			target: node,
			argv,
			stdout,
			stderr,
			exitCode: 0,
			startedAt: new Date(0).toISOString(),
			durationMs: 0,
			via: 'replay',
		};
	};
	return Object.assign(exec, {execs, calls});
}

const DIR = new URL('../fixtures/trace/', import.meta.url);

type Row = {file: string; node: string; rc: number; words: string[]};

function rows(state: string): Row[] {
	const text = readFileSync(new URL(`${state}/commands.tsv`, DIR), 'utf8');
	return text
		.split('\n')
		.filter(l => l !== '')
		.map(l => {
			const [file = '', node = '', rc = '', command = ''] = l.split('\t');
			// printf %q: the flows carry no characters that need quoting
			return {file, node, rc: Number(rc), words: command.split(' ').map(w => w.replace(/\\/g, ''))};
		});
}

/** The key a command is matched on: `trace BRIDGE FLOW` or the route-get words. */
function key(words: readonly string[]): string {
	const at = words.indexOf('ofproto/trace');
	if (at !== -1) return `trace ${words[at + 1] ?? ''} ${words.at(-1) ?? ''}`;
	return words.join(' ');
}

/** The recordings of `state` as one command's exec (wrap it with {@link batchAware}). */
export function replaySingle(state: string): Single {
	const recorded = rows(state);
	return async (node: string, argv: readonly string[]) => {
		const row = recorded.find(r => r.node === node && key(r.words) === key(argv));
		const startedAt = new Date(0).toISOString();
		if (row === undefined)
			return {
				target: node,
				argv,
				stdout: '',
				stderr: '',
				exitCode: null,
				startedAt,
				durationMs: 0,
				failure: {kind: 'spawn' as const, message: 'not in the lab recording (replay fake)'},
			};
		const body = (f: string): string => {
			const url = new URL(`${state}/${f}`, DIR);
			return existsSync(url) ? readFileSync(url, 'utf8') : '';
		};
		return {
			target: node,
			argv,
			stdout: body(row.file),
			stderr: body(`${row.file}.stderr`),
			exitCode: row.rc,
			startedAt,
			durationMs: 0,
			via: 'replay',
		};
	};
}

export function replayExec(state: string): NodeExec & {execs: string[]; calls: string[]} {
	return batchAware(replaySingle(state));
}
