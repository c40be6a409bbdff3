/**
 * The read-only command catalog: every command dvrscope may run on a node or against the cloud API
 * is an entry here. Nothing else is ever executed by a collection session (test/collectors/
 * catalog.test.ts proves it with a hostile corpus and a recording transport).
 *
 * Parameters that come from remote output (namespace, bridge names, router ids) and from the user
 * (`--router`, `--vip`) are validated against strict patterns before an argv is built; a value that
 * does not match is refused and reported, never run. Argv is a list of words; the one place a
 * command string is built from it is src/model/quote.ts.
 *
 * Node-side economy: per node, two discovery commands and at most eight detail commands, plus one
 * per 2,000 namespaces on nodes whose namespaces do not fit one command (each command stays under
 * {@link COMMAND_BYTES_BUDGET}, well below Linux's 128 KiB argument limit). Per-item work runs in
 * one execution (or one per chunk of items) through a constant
 * POSIX `sh -c` script whose items are positional arguments (never spliced into the script); the
 * script brackets each item's output with markers carrying a per-run random nonce, and
 * {@link splitSections} cuts the output back into one capture per item.
 *
 * The catalog is split by what each part is about, under src/collectors/catalog/: schema.ts (the
 * entry shape, parameter patterns, budget), scripts.ts (the batched `sh -c` scripts and their
 * parts), the entries by kind — nodes.ts (discovery, detail, watch probe), ovn.ts, cloud.ts
 * (OpenStack API), trace.ts (packet-path proof) — assembled in entries.ts; plan.ts (checks, argv
 * building, the allow-list match), detail.ts (a node's phase 2) and sections.ts (cutting batched
 * output). This module is the one public door to all of it.
 */
export {
	COMMAND_BYTES_BUDGET,
	DEFAULT_HA_CONFS_PATH,
	MAX_EXECS_PER_NODE,
	MAX_PARAM_LENGTH,
	maxExecsPerNode,
	NAMESPACES_PER_EXTRA_EXEC,
	PARAM_PATTERNS,
	type ArgToken,
	type CatalogEntry,
	type ParamName,
	type PodClass,
	type SectionPart,
} from './catalog/schema.js';
export {
	HA_CONFS_SCRIPT,
	ITEM,
	itemBatchScript,
	PROBE_SCRIPT,
	TRACE_BATCH_SCRIPT,
} from './catalog/scripts.js';
export {OVN_NB_TABLES, OVN_SB_TABLES} from './catalog/ovn.js';
export {CATALOG, catalogEntries, type CatalogId} from './catalog/entries.js';
export {
	checkParam,
	matchCatalog,
	planApi,
	planCommand,
	printable,
	type ParamValues,
	type PlannedCommand,
	type PlanResult,
	type Refusal,
} from './catalog/plan.js';
export {
	bridgeNames,
	commandBytes,
	namespaceNames,
	planDetail,
	type DetailPlan,
} from './catalog/detail.js';
export {cut, splitSections, type RawSection, type Section} from './catalog/sections.js';
