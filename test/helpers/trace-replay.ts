/**
 * A FAKE node exec that answers the path-proof commands from the lab RECORDINGS in
 * test/fixtures/trace/<state>/ (real OVS / iproute2 output, recorded by lab/record-trace.sh over
 * the lab's SSH; see the README there). A command is answered when the recording ran the same
 * command on the same node — the recorder's argv lacks the catalog's `-T 10`, so traces are
 * matched on bridge and flow, `ip route get` on its words. Anything else fails as not recorded.
 */
import {readFileSync, existsSync} from 'node:fs';
import type {NodeExec} from '../../src/session/trace-rounds.js';

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

export function replayExec(state: string): NodeExec & {calls: string[]} {
	const recorded = rows(state);
	const calls: string[] = [];
	const exec = async (node: string, argv: readonly string[]) => {
		calls.push(`${node}: ${argv.join(' ')}`);
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
	return Object.assign(exec, {calls});
}
