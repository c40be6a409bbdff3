/**
 * Planning a node's phase 2: the names discovery found (namespaces, bridges) are checked and turned
 * into the detail commands, each within {@link COMMAND_BYTES_BUDGET} (big batches are chunked).
 */
import {quoteWord, shellQuote} from '../../model/quote.js';
import {catalogEntries} from './entries.js';
import {
	checkParam,
	planCommand,
	printable,
	type ParamValues,
	type PlannedCommand,
	type Refusal,
} from './plan.js';
import {
	COMMAND_BYTES_BUDGET,
	DEFAULT_HA_CONFS_PATH,
	type CatalogEntry,
	type ParamName,
} from './schema.js';

// ─── discovery output ──────────────────────────────────────────────────────

/** Names from `ip -j netns list` (empty output means no namespaces). Never throws. */
export function namespaceNames(stdout: string): readonly string[] | {readonly error: string} {
	const text = stdout.trim();
	if (text === '') return [];
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return {error: `ip -j netns list: not JSON (${(error as Error).message})`};
	}
	if (!Array.isArray(value)) return {error: 'ip -j netns list: not a JSON array'};
	const names: string[] = [];
	for (const item of value as unknown[]) {
		if (typeof item === 'object' && item !== null && 'name' in item) {
			const name = item.name;
			if (typeof name === 'string') names.push(name);
		}
	}
	return names;
}

/** Names from `ovs-vsctl list-br`, one per line. */
export function bridgeNames(stdout: string): readonly string[] {
	return stdout.split('\n').filter(line => line !== '');
}

/** What detail commands to run for the names that discovery found, and what was refused. */
export type DetailPlan = {
	readonly commands: readonly PlannedCommand[];
	readonly refusals: readonly Refusal[];
	/** Legal names that dvrscope does not read (e.g. `ovs-system`, a VM's `ns1`), for the log. */
	readonly skipped: readonly string[];
};

/** A name dvrscope does not read but that is harmless to mention (`ns1`, `haproxy`). */
const BENIGN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Prefixes of the namespaces dvrscope reads: a malformed name with one of these is refused. */
const READ_PREFIX = /^(?:qrouter|snat|fip|qdhcp)-/;

/**
 * Plan phase 2 for one node. Namespace and bridge names come from the node and are validated
 * here; names that are not legal are refused (reported), names that are legal but not read
 * (`ns1`) are skipped. At most {@link maxExecsPerNode}(namespaces) − 2 commands, each within
 * {@link COMMAND_BYTES_BUDGET} bytes (`budget` overrides it, for tests); single reads that run in
 * the same place are folded into one execution ({@link CatalogEntry.folds}): 4 commands on a node
 * with namespaces, leaving room in the budget for the proof rounds.
 */
export function planDetail(found: {
	readonly namespaces: readonly string[];
	readonly bridges: readonly string[];
	readonly nonce: string;
	readonly haConfsPath?: string;
	/** When set (targeted collection), only these router ids' namespaces are read. */
	readonly routers?: readonly string[];
	readonly budget?: number;
	/** The node's inventory roles (`ovn-db` adds the OVN NB/SB reads). */
	readonly roles?: readonly string[];
	/** A targeted collection: only these entries are planned. */
	readonly only?: ReadonlySet<string>;
}): DetailPlan {
	const refusals: Refusal[] = [];
	const skipped: string[] = [];
	const namespaces: string[] = [];
	for (const name of found.namespaces) {
		const reason = checkParam('namespace', name);
		if (reason === undefined) {
			const router = name.slice(name.indexOf('-') + 1);
			const wanted =
				found.routers === undefined ||
				name.startsWith('fip-') ||
				// DHCP namespaces are per network, not per router: keep them, they locate VIP owners.
				name.startsWith('qdhcp-') ||
				found.routers.includes(router);
			(wanted ? namespaces : skipped).push(name);
		} else if (BENIGN_NAME.test(name) && !READ_PREFIX.test(name)) {
			skipped.push(name);
		} else {
			refusals.push({catalogId: 'netns.list', param: 'namespace', value: printable(name), reason});
		}
	}
	const bridges: string[] = [];
	for (const name of found.bridges) {
		const reason = checkParam('bridge', name);
		if (reason === undefined) bridges.push(name);
		else refusals.push({catalogId: 'ovs.bridges', param: 'bridge', value: printable(name), reason});
	}
	const values: ParamValues = {
		nonce: found.nonce,
		namespace: namespaces,
		bridge: bridges,
		haConfsPath: found.haConfsPath ?? DEFAULT_HA_CONFS_PATH,
	};
	const budget = found.budget ?? COMMAND_BYTES_BUDGET;
	// Folds are not named in `only`: they stand for the entries they fold (when all are planned).
	const detail = catalogEntries.filter(
		entry =>
			entry.phase === 'detail' &&
			(found.only === undefined || found.only.has(entry.id) || entry.folds !== undefined),
	);
	const planned = new Map<CatalogEntry, PlannedCommand>();
	for (const entry of detail) {
		if (entry.chunked === true) continue;
		if (entry.role !== undefined && !(found.roles ?? []).includes(entry.role)) continue;
		if (entry.onlyWithout !== undefined) {
			const list = values[entry.onlyWithout];
			if (Array.isArray(list) && list.length > 0) continue;
		}
		if (entry.onlyWith !== undefined) {
			const list = values[entry.onlyWith];
			if (!Array.isArray(list) || list.length === 0) continue;
		}
		if (entry.needs !== undefined) {
			const list = values[entry.needs];
			if (Array.isArray(list) && list.length === 0) continue;
		}
		const plan = planCommand(entry.id, values);
		if (plan.ok) planned.set(entry, plan.command);
		// A fold's refusals are those of the entries it folds (reported once, by them).
		else if (entry.folds === undefined) refusals.push(...plan.refusals);
	}
	// Items whose batches do not fit one command: the chunked entry over them replaces those batches.
	const spilled = new Set<ParamName>();
	for (const [entry, command] of planned)
		if (entry.needs !== undefined && commandBytes(command.argv) > budget) spilled.add(entry.needs);
	const folded = foldSingles(planned, spilled);
	const commands: PlannedCommand[] = [];
	for (const entry of detail) {
		if (entry.folds !== undefined) continue;
		const fold = folded.get(entry.id);
		if (fold !== undefined) {
			// The fold runs where the first entry it folds would have run.
			if (fold.entry.folds?.[0] === entry.id) commands.push(fold);
			continue;
		}
		if (entry.chunked === true) {
			if (entry.needs === undefined || !spilled.has(entry.needs)) continue;
			const items = values[entry.needs];
			commands.push(...planChunks(entry, values, Array.isArray(items) ? items : [], budget));
			continue;
		}
		const command = planned.get(entry);
		if (command === undefined) continue;
		if (entry.needs !== undefined && spilled.has(entry.needs)) continue;
		if (commandBytes(command.argv) > budget)
			throw new Error(`catalog: ${entry.id} is longer than ${budget} bytes and cannot be split`);
		commands.push(command);
	}
	return {commands, refusals, skipped};
}

/**
 * The folds to run: each fold entry whose folded entries would all run (planned, not replaced by
 * a chunked batch) and that itself fits one command; the first fold wins an entry. Keyed by the id
 * of every entry a fold replaces.
 */
function foldSingles(
	planned: ReadonlyMap<CatalogEntry, PlannedCommand>,
	spilled: ReadonlySet<ParamName>,
): Map<string, PlannedCommand> {
	const runs = new Set<string>();
	for (const entry of planned.keys())
		if (entry.folds === undefined && (entry.needs === undefined || !spilled.has(entry.needs)))
			runs.add(entry.id);
	const folded = new Map<string, PlannedCommand>();
	for (const [entry, command] of planned) {
		if (entry.folds === undefined) continue;
		if (entry.needs !== undefined && spilled.has(entry.needs)) continue;
		if (!entry.folds.every(id => runs.has(id) && !folded.has(id))) continue;
		for (const id of entry.folds) folded.set(id, command);
	}
	return folded;
}

/** Length of a command as a transport sends it (src/model/quote.ts). */
export const commandBytes = (argv: readonly string[]): number =>
	Buffer.byteLength(shellQuote(argv));

/** A chunked entry over `items`, cut greedily into commands of at most `budget` bytes. */
function planChunks(
	entry: CatalogEntry,
	values: ParamValues,
	items: readonly string[],
	budget: number,
): PlannedCommand[] {
	const param = entry.needs;
	if (param === undefined) return [];
	const plan = (chunk: readonly string[]): PlannedCommand => {
		const result = planCommand(entry.id, {...values, [param]: chunk});
		// The items were checked when the unchunked batches were planned.
		if (!result.ok) throw new Error(`catalog: ${entry.id}: ${result.refusals[0]?.reason ?? ''}`);
		return result.command;
	};
	const fixed = commandBytes(plan([]).argv);
	const commands: PlannedCommand[] = [];
	let chunk: string[] = [];
	let bytes = fixed;
	for (const item of items) {
		const size = 1 + Buffer.byteLength(quoteWord(item));
		if (chunk.length > 0 && bytes + size > budget) {
			commands.push(plan(chunk));
			chunk = [];
			bytes = fixed;
		}
		if (fixed + size > budget)
			throw new Error(`catalog: ${entry.id}: one item does not fit ${budget} bytes`);
		chunk.push(item);
		bytes += size;
	}
	if (chunk.length > 0) commands.push(plan(chunk));
	return commands;
}
