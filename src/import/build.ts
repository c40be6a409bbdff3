/**
 * Captures out of imported outputs, shaped exactly like a live collection's: same ids style,
 * kinds, params, failures. Shared by the sos and osctl importers.
 */
import {toCaptureMeta} from '../bundle/capture-set.js';
import type {Capture, CaptureFailure, CaptureParams, CaptureScope} from '../model/capture.js';
import type {ParserKind} from '../model/facts.js';
import type {NodeId} from '../model/ids.js';

export type ImportedOutput = {
	readonly scope: CaptureScope;
	readonly node?: NodeId;
	readonly argv: readonly string[];
	readonly kind?: ParserKind;
	readonly params?: CaptureParams;
	/** Readable part of the capture id (`netns.neigh.qrouter-…`). */
	readonly name: string;
	readonly stdout: string;
	readonly stderr?: string;
	readonly exitCode: number | null;
	readonly startedAt?: string;
	readonly durationMs?: number;
	readonly truncated?: boolean;
	readonly failure?: CaptureFailure;
	/** `sos`, `osctl`, `api-data`. */
	readonly via: string;
};

const SAFE = /[^A-Za-z0-9._@-]+/g;

/** Build a capture with a unique, safe id (`<node>.<name>`, suffixed on a clash). */
export function buildCapture(
	output: ImportedOutput,
	used: Set<string>,
	fallbackTime: string,
): Capture {
	const base = `${output.node ?? 'cloud'}.${output.name}`
		.replace(SAFE, '-')
		.replace(/\.{2,}/g, '.')
		.replace(/^[^A-Za-z0-9]+/, '')
		.slice(0, 120);
	let id = base;
	for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
	used.add(id);
	return toCaptureMeta({
		id,
		scope: output.scope,
		...(output.node !== undefined ? {node: output.node} : {}),
		argv: output.argv.length > 0 ? [...output.argv] : ['(unknown command)'],
		...(output.kind !== undefined ? {kind: output.kind} : {}),
		...(output.params !== undefined ? {params: output.params} : {}),
		exitCode: output.exitCode,
		startedAt: output.startedAt ?? fallbackTime,
		durationMs: Math.max(0, Math.round(output.durationMs ?? 0)),
		...(output.failure !== undefined ? {failure: output.failure} : {}),
		...(output.truncated === true ? {truncated: true} : {}),
		via: output.via,
		stdout: output.stdout,
		stderr: output.stderr ?? '',
	});
}

/**
 * Lines a tool writes to stderr, as they appear when a collector merged stderr into the output
 * (sos does for every command): iproute2, OVS tools, the shell.
 */
const STDERR_LINE =
	/^(?:Cannot open network namespace|setting the network namespace|RTNETLINK answers|Error: |Object "[^"]*" is unknown|Command "[^"]*" is unknown|ovs-(?:ofctl|vsctl|appctl|dpctl): |ovsdb-client: |[\w./-]+: command not found|.*: No such file or directory$|Timeout, server |timeout: |Traceback \(most recent call last\)|(?:Missing value|Unable to establish connection|The request you have made requires authentication|Failed to discover available identity versions))/;

/** Split a merged output into what the command printed and what it complained. */
export function splitMergedStderr(text: string): {stdout: string; stderr: string} {
	if (text === '') return {stdout: '', stderr: ''};
	const out: string[] = [];
	const err: string[] = [];
	for (const line of text.split('\n')) (STDERR_LINE.test(line) ? err : out).push(line);
	if (err.length === 0) return {stdout: text, stderr: ''};
	return {stdout: out.join('\n'), stderr: `${err.join('\n')}\n`};
}

const NEUTRON_NS = /^(?:qrouter|snat|fip|qdhcp)-[0-9a-f-]{36}$/;

/** Names listed by an `ip netns` / `ip -j netns list` output (plain names, ids dropped). */
export function namespacesListed(text: string): string[] {
	const trimmed = text.trim();
	if (trimmed.startsWith('[')) {
		try {
			const list = JSON.parse(trimmed) as unknown;
			if (Array.isArray(list))
				return list
					.map(item => (item as {name?: unknown}).name)
					.filter((n): n is string => typeof n === 'string');
		} catch {
			return [];
		}
	}
	return trimmed
		.split('\n')
		.map(line => line.trim().split(/\s+/)[0] ?? '')
		.filter(n => n !== '' && !n.startsWith('Object'));
}

/** Neutron namespaces of a listing, in listing order. */
export const neutronNamespaces = (text: string): string[] =>
	namespacesListed(text).filter(n => NEUTRON_NS.test(n));
