import type {Command} from 'commander';
import type {ParseResult, ParserKind, ParseWarning} from '../../model/facts.js';
import type {FlowMode} from './flow-blocks.js';
import {
	exitQuietlyOnBrokenPipe,
	streamFlows,
	type FlowInput,
	writeResult,
	type OutputMode,
} from './parse-output.js';

/** Exit codes of `dvrscope parse`: 0 parsed, 1 parsed with warnings, 2 bad input (unknown kind, unreadable or malformed). */
const EXIT_OK = 0;
const EXIT_WARNINGS = 1;
const EXIT_BAD_INPUT = 2;

type ParseOptions = {
	readonly list?: boolean;
	readonly inner?: string;
	readonly compact?: boolean;
	readonly ndjson?: boolean;
	readonly pretty?: boolean;
	readonly stats?: boolean;
};

/** `--ndjson`, `--compact`, `--pretty`; else compact when stdout is not a terminal. */
const outputMode = (options: ParseOptions): OutputMode =>
	options.ndjson === true
		? 'ndjson'
		: options.compact === true
			? 'compact'
			: options.pretty === true || process.stdout.isTTY
				? 'pretty'
				: 'compact';

function fail(message: string): void {
	process.stderr.write(`dvrscope parse: ${message}\n`);
	process.exitCode = EXIT_BAD_INPUT;
}

function formatWarnings(warnings: readonly ParseWarning[], max = 20): string {
	const lines = warnings
		.slice(0, max)
		.map(
			w =>
				`  line ${w.line}: ${w.message}${w.text !== undefined ? `: ${JSON.stringify(w.text)}` : ''}`,
		);
	if (warnings.length > max) lines.push(`  … and ${warnings.length - max} more`);
	return lines.join('\n');
}

async function readInput(
	file: string | undefined,
): Promise<{text: string; name: string} | undefined> {
	const {readFile} = await import('node:fs/promises');
	if (file === undefined || file === '-') {
		if (file === undefined && process.stdin.isTTY) {
			fail('no input: give a file, or "-" and pipe the output into stdin');
			return undefined;
		}
		const chunks: Buffer[] = [];
		for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
		return {text: Buffer.concat(chunks).toString('utf8'), name: 'stdin'};
	}
	try {
		return {text: await readFile(file, 'utf8'), name: file};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const why =
			code === 'ENOENT'
				? 'no such file'
				: code === 'EISDIR'
					? 'is a directory'
					: code === 'EACCES'
						? 'permission denied'
						: (code ?? String(error));
		fail(`cannot read ${file}: ${why}`);
		return undefined;
	}
}

async function listKinds(): Promise<void> {
	const {PARSER_KINDS} = await import('../../model/facts.js');
	const {parsers} = await import('../../collectors/parsers/index.js');
	const width = Math.max(...PARSER_KINDS.map(k => k.length));
	const out: string[] = [];
	for (const kind of PARSER_KINDS) {
		const parser = parsers[kind];
		out.push(`${kind.padEnd(width)}  ${parser.title}`);
		for (const command of parser.reads) out.push(`${''.padEnd(width)}    ${command}`);
	}
	process.stdout.write(`${out.join('\n')}\n`);
}

async function run(
	kind: string | undefined,
	file: string | undefined,
	options: ParseOptions,
): Promise<void> {
	if (options.list === true) {
		await listKinds();
		return;
	}
	const {PARSER_KINDS} = await import('../../model/facts.js');
	const isKind = (k: string | undefined): k is ParserKind =>
		k !== undefined && (PARSER_KINDS as readonly string[]).includes(k);
	if (kind === undefined) {
		fail('missing <kind>; run "dvrscope parse --list" to see the kinds');
		return;
	}
	if (!isKind(kind)) {
		fail(`unknown kind "${kind}"; known kinds: ${PARSER_KINDS.join(', ')}`);
		return;
	}
	if (options.inner !== undefined && !isKind(options.inner)) {
		fail(`unknown --inner kind "${options.inner}"`);
		return;
	}
	if (options.inner !== undefined && kind !== 'ip-all-netns') {
		fail('--inner only applies to ip-all-netns');
		return;
	}
	const mode = outputMode(options);
	exitQuietlyOnBrokenPipe();
	if (options.stats === true && kind !== 'ovs-flows') {
		fail('--stats only applies to ovs-flows');
		return;
	}
	if (kind === 'ovs-flows' && (mode !== 'pretty' || options.stats === true)) {
		await runFlowStream(
			file,
			options.stats === true ? 'stats' : mode === 'pretty' ? 'compact' : mode,
		);
		return;
	}
	const {parseCapture, isEmptyFacts, parseSections} =
		await import('../../collectors/parsers/index.js');
	const input = await readInput(file);
	if (input === undefined) return;
	const parsed: ParseResult<ParserKind> = parseCapture(kind, input.text);
	const warnings: ParseWarning[] = [...parsed.warnings];
	let output: Record<string, unknown> = {kind: parsed.kind, facts: parsed.facts, warnings};
	if (options.inner !== undefined && kind === 'ip-all-netns') {
		const sections = parseSections(options.inner, parseCapture('ip-all-netns', input.text).facts);
		for (const s of sections) warnings.push(...s.result.warnings);
		output = {
			kind: parsed.kind,
			inner: options.inner,
			facts: sections.map(s => ({namespace: s.namespace, facts: s.result.facts})),
			warnings,
		};
	}
	if (warnings.length > 0 && isEmptyFacts(kind, parsed.facts)) {
		fail(
			`${input.name}: nothing could be read as ${kind} (${warnings.length} problem${warnings.length === 1 ? '' : 's'}):\n${formatWarnings(warnings)}`,
		);
		return;
	}
	await writeResult(output as {facts: unknown}, mode);
	reportWarnings(input.name, warnings);
}

function reportWarnings(name: string, warnings: readonly ParseWarning[]): void {
	if (warnings.length > 0) {
		process.stderr.write(
			`dvrscope parse: ${name}: ${warnings.length} line${warnings.length === 1 ? '' : 's'} not understood:\n${formatWarnings(warnings)}\n`,
		);
		process.exitCode = EXIT_WARNINGS;
		return;
	}
	process.exitCode = EXIT_OK;
}

/** The input: stdin as a stream, a file as its descriptor; undefined after a reported failure. */
async function openInput(
	file: string | undefined,
): Promise<{stream: FlowInput; name: string} | undefined> {
	if (file === undefined || file === '-') {
		if (file === undefined && process.stdin.isTTY) {
			fail('no input: give a file, or "-" and pipe the output into stdin');
			return undefined;
		}
		return {stream: process.stdin, name: 'stdin'};
	}
	const {openSync, fstatSync, closeSync} = await import('node:fs');
	try {
		const fd = openSync(file, 'r');
		if (fstatSync(fd).isDirectory()) {
			closeSync(fd);
			fail(`cannot read ${file}: is a directory`);
			return undefined;
		}
		return {stream: fd, name: file};
	} catch (error) {
		fail(`cannot read ${file}: ${readError(error)}`);
		return undefined;
	}
}

const readError = (error: unknown): string => {
	const code = (error as NodeJS.ErrnoException).code;
	return code === 'ENOENT'
		? 'no such file'
		: code === 'EISDIR'
			? 'is a directory'
			: code === 'EACCES'
				? 'permission denied'
				: (code ?? String(error));
};

/**
 * `ovs-flows` streamed: parsed block by block, written as it goes — a big regular file on worker
 * threads (one per core, up to 4), stdin and small files on this thread.
 */
async function runFlowStream(file: string | undefined, mode: FlowMode): Promise<void> {
	const input = await openInput(file);
	if (input === undefined) return;
	let result;
	try {
		const {fstatSync} = await import('node:fs');
		const {parseWorkerCount, streamFlowsInWorkers} = await import('./parse-workers.js');
		const workers =
			typeof input.stream === 'number' ? parseWorkerCount(fstatSync(input.stream).size) : 0;
		if (typeof input.stream === 'number' && workers > 0)
			result = await streamFlowsInWorkers(input.stream, mode, workers, {
				// A test hook: blocks decoded on the workers and this thread both, whatever the timing.
				waitForWorkers: process.env['DVRSCOPE_PARSE_WAIT_WORKERS'] === '1',
			});
		else {
			const {ovsFlowsCodec} = await import('./flow-codec.js');
			result = await streamFlows(input.stream, mode, ovsFlowsCodec);
		}
	} catch (error) {
		fail(`cannot read ${input.name}: ${readError(error)}`);
		return;
	}
	if (result.flows === 0 && result.warnings.length > 0) {
		fail(
			`${input.name}: nothing could be read as ovs-flows (${result.warnings.length} problem${result.warnings.length === 1 ? '' : 's'}):\n${formatWarnings(result.warnings)}`,
		);
		return;
	}
	if (result.flows === 0 && mode === 'compact')
		await writeResult({kind: 'ovs-flows', facts: {flows: []}, warnings: []}, mode);
	reportWarnings(input.name, result.warnings);
}

/** `dvrscope parse <kind> [file|-]` and `dvrscope parse --list`. */
export function register(program: Command): void {
	program
		.command('parse')
		.description(
			'parse one command output (a file, or "-" for stdin) and print its typed facts as JSON',
		)
		.argument('[kind]', 'parser kind (see --list)')
		.argument('[file]', 'file to read; "-" or absent reads stdin')
		.option('--list', 'list the parser kinds and the commands they read')
		.option('--inner <kind>', 'with ip-all-netns: parse each namespace section with this kind')
		.option('--ndjson', 'print one fact per line (a flow, a neighbour …), written as it parses')
		.option('--compact', 'print the JSON on one line (the default when stdout is not a terminal)')
		.option('--pretty', 'print the JSON indented (the default on a terminal)')
		.option(
			'--stats',
			'ovs-flows: decode every flow completely and print what they add up to (flows per table, match fields, action types, counters) instead of the flows',
		)
		.addHelpText(
			'after',
			'\nExit codes: 0 parsed, 1 parsed but some lines were not understood (listed on stderr),\n2 unknown kind or option, unreadable file, or nothing readable (the message lists the line numbers).',
		)
		// Own handler: a subcommand does not inherit the program's exitOverride set after it.
		.exitOverride(error => {
			process.exit(error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT);
		})
		.action(async (kind: string | undefined, file: string | undefined, options: ParseOptions) => {
			await run(kind, file, options);
		});
}
