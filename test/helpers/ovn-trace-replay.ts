/**
 * A FAKE node exec that answers `trace.ovn` from the OVN lab RECORDINGS in
 * test/fixtures/ovn-trace/<state>/ (real ovn-trace 23.03 output, recorded by
 * lab/ovn/record-trace.sh over the lab's SSH; see the README there). A command is answered when the
 * recording ran the very same command line on the same node (the recorder's flags are the
 * catalog's); anything else fails as not recorded.
 */
import {existsSync, readFileSync} from 'node:fs';
import type {CatalogEntry} from '../../src/collectors/catalog.js';
import type {NodeExec} from '../../src/session/trace-rounds.js';
import {batchAware} from './trace-replay.js';

const DIR = new URL('../fixtures/ovn-trace/', import.meta.url);

/** The recorded command lines of a state: file, node, exit status, the argv joined by spaces. */
export function recorded(state: string): {file: string; node: string; rc: number; line: string}[] {
	return readFileSync(new URL(`${state}/commands.tsv`, DIR), 'utf8')
		.split('\n')
		.filter(l => l !== '')
		.map(l => {
			const [file = '', node = '', rc = '', command = ''] = l.split('\t');
			// printf %q escaped the spaces and quotes of the microflow, nothing else
			return {file, node, rc: Number(rc), line: command.replace(/\\/g, '')};
		});
}

export function recordedOutput(state: string, file: string): {stdout: string; stderr: string} {
	const path = new URL(`${state}/${file}`, DIR);
	const err = new URL(`${state}/${file}.stderr`, DIR);
	return {
		stdout: readFileSync(path, 'utf8'),
		stderr: existsSync(err) ? readFileSync(err, 'utf8') : '',
	};
}

/** FAKE exec over the recordings of one state (batches answered step by step). */
export function ovnReplayExec(state: string): NodeExec & {execs: string[]; calls: string[]} {
	const rows = recorded(state);
	return batchAware(async (node: string, argv: readonly [string, ...string[]], entry: CatalogEntry) => {
		const line = argv.join(' ');
		const row = rows.find(r => r.node === node && r.line === line);
		const base = {target: node, argv, startedAt: new Date(0).toISOString(), durationMs: 1, via: 'replay'};
		if (row === undefined || entry.id !== 'trace.ovn')
			return {
				...base,
				stdout: '',
				stderr: '',
				exitCode: null,
				failure: {kind: 'unreachable' as const, message: `not recorded: ${node}: ${line}`},
			};
		return {...base, ...recordedOutput(state, row.file), exitCode: row.rc};
	});
}
