/**
 * Parameter checks and argv building: a value is checked against its pattern before it goes into
 * an argv, a command with any refused value is not built, and {@link matchCatalog} tells whether
 * an argv is one the catalog can produce (the session re-checks every argv with it).
 */
import type {CaptureParams} from '../../model/capture.js';
import type {ApiRequest} from '../../model/api-request.js';
import {checkTraceFlow, MAX_FLOW_LENGTH} from '../trace-flow.js';
import {CATALOG, catalogEntries} from './entries.js';
import {
	MAX_PARAM_LENGTH,
	PARAM_PATTERNS,
	type ArgToken,
	type CatalogEntry,
	type ParamName,
} from './schema.js';

export type ParamValues = Partial<Record<ParamName, string | readonly string[]>>;

/** A value that was not run, and why. Reported per node; never executed. */
export type Refusal = {
	readonly catalogId: string;
	readonly param: ParamName;
	/** The value as received, made printable (control characters escaped, cut at 80 chars). */
	readonly value: string;
	readonly reason: string;
};

/** Make a hostile value safe to print in a report: JSON-escape and cut. */
export function printable(value: string): string {
	const escaped = JSON.stringify(value).slice(1, -1);
	return escaped.length > 80 ? `${escaped.slice(0, 77)}...` : escaped;
}

/** `undefined` when the value is legal for the parameter, else the reason. */
export function checkParam(name: ParamName, value: string): string | undefined {
	const max =
		name === 'flow' || name === 'microflow'
			? MAX_FLOW_LENGTH
			: name === 'traceStep'
				? MAX_FLOW_LENGTH + 32
				: MAX_PARAM_LENGTH;
	if (value.length > max) return `longer than ${max} characters`;
	if (!PARAM_PATTERNS[name].test(value))
		return `does not match the ${name} pattern ${String(PARAM_PATTERNS[name])}`;
	if (name === 'flow') return checkTraceFlow(value);
	if (name === 'traceStep') return checkTraceStep(value);
	if (name === 'haConfsPath' && value.split('/').includes('..')) return 'contains ".."';
	return undefined;
}

/** A `trace.batch` step: each part legal as its own parameter (see PARAM_PATTERNS.traceStep). */
function checkTraceStep(step: string): string | undefined {
	const [kind, ...parts] = step.split('/');
	const names: readonly ParamName[] =
		kind === 'ovs'
			? ['bridge', 'flow']
			: kind === 'ovn'
				? ['datapath', 'microflow']
				: ['namespace', 'ip', 'sourceIp', 'device'];
	if (parts.length !== names.length)
		return `a ${kind ?? ''} step has ${names.length} parts (${names.join(', ')})`;
	for (const [i, name] of names.entries()) {
		const reason = checkParam(name, parts[i] ?? '');
		if (reason !== undefined) return `${name}: ${reason}`;
	}
	return undefined;
}

/** A command ready to hand to a transport. */
export type PlannedCommand = {
	readonly entry: CatalogEntry;
	readonly argv: readonly [string, ...string[]];
	/** Capture params (namespace, bridge, router…) for single-item entries. */
	readonly params: CaptureParams;
	readonly nonce?: string;
};

export type PlanResult =
	| {readonly ok: true; readonly command: PlannedCommand}
	| {readonly ok: false; readonly refusals: readonly Refusal[]};

/**
 * Build the argv of catalog entry `id` from `values`. Every value is checked against its pattern;
 * any failure refuses the whole command (nothing partial is run). Unknown ids throw (programmer
 * error: the catalog is the allow-list).
 */
export function planCommand(id: string, values: ParamValues = {}): PlanResult {
	const entry = (CATALOG as Readonly<Record<string, CatalogEntry | undefined>>)[id];
	if (entry === undefined) throw new Error(`catalog: no entry "${id}"`);
	const refusals: Refusal[] = [];
	const argv: string[] = [];
	const params: {namespace?: string; bridge?: string; router?: string} = {};
	const check = (param: ParamName, value: unknown): value is string => {
		if (typeof value !== 'string') {
			refusals.push({catalogId: id, param, value: String(value), reason: 'missing'});
			return false;
		}
		const reason = checkParam(param, value);
		if (reason !== undefined) {
			refusals.push({catalogId: id, param, value: printable(value), reason});
			return false;
		}
		return true;
	};
	for (const token of entry.argv) {
		if (typeof token === 'string') {
			argv.push(token);
		} else if ('param' in token) {
			const value = values[token.param];
			if (check(token.param, value)) {
				argv.push(`${token.prefix ?? ''}${value}`);
				if (token.param === 'router') params.router = value;
			}
		} else {
			const list = values[token.spread];
			const items = typeof list === 'string' ? [list] : (list ?? []);
			for (const item of items) if (check(token.spread, item)) argv.push(item);
		}
	}
	if (refusals.length > 0) return {ok: false, refusals};
	const nonceValue = values.nonce;
	return {
		ok: true,
		command: {
			entry,
			argv: argv as unknown as readonly [string, ...string[]],
			params,
			...(typeof nonceValue === 'string' ? {nonce: nonceValue} : {}),
		},
	};
}

/**
 * The API request of cloud entry `id` (see {@link CatalogEntry.api}), its parameters checked as
 * {@link planCommand} checks them; the planned CLI command comes along (capture kind, params).
 */
export function planApi(
	id: string,
	values: ParamValues = {},
):
	| {readonly ok: true; readonly command: PlannedCommand; readonly request: ApiRequest}
	| {readonly ok: false; readonly refusals: readonly Refusal[]} {
	const planned = planCommand(id, values);
	if (!planned.ok) return planned;
	const api = planned.command.entry.api;
	if (api === undefined) throw new Error(`catalog: ${id} has no API form`);
	const path = api.path.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => {
		const value = values[name as ParamName];
		// Checked by planCommand (every {param} of the path is a param of the argv).
		if (typeof value !== 'string') throw new Error(`catalog: ${id}: no value for {${name}}`);
		return value;
	});
	return {ok: true, command: planned.command, request: {service: api.service, path}};
}

// ─── allow-list check ──────────────────────────────────────────────────────

/**
 * The catalog entry an argv was built from, or `undefined` when it is not one the catalog can
 * produce (with every parameter legal). The session checks every argv with this before running it.
 */
export function matchCatalog(argv: readonly string[]): CatalogEntry | undefined {
	for (const entry of catalogEntries) {
		if (matches(entry.argv, argv)) return entry;
	}
	return undefined;
}

function matches(template: readonly ArgToken[], argv: readonly string[]): boolean {
	let at = 0;
	for (const token of template) {
		if (typeof token === 'string') {
			if (argv[at] !== token) return false;
			at++;
		} else if ('param' in token) {
			const word = argv[at];
			const prefix = token.prefix ?? '';
			if (word === undefined || !word.startsWith(prefix)) return false;
			if (checkParam(token.param, word.slice(prefix.length)) !== undefined) return false;
			at++;
		} else {
			// A spread takes the rest of the words; each must be legal.
			const rest = argv.slice(at);
			if (rest.some(word => checkParam(token.spread, word) !== undefined)) return false;
			at = argv.length;
		}
	}
	return at === argv.length;
}
