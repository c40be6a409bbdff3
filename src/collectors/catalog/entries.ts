/**
 * The whole catalog: every entry of nodes.ts, ovn.ts, cloud.ts and trace.ts in one list, in the
 * order commands are planned and argvs are matched, and keyed by id.
 */
import {CLOUD_ENTRIES} from './cloud.js';
import {FOLD_ENTRIES, NODE_ENTRIES, PROBE_ENTRIES} from './nodes.js';
import {OVN_ENTRIES} from './ovn.js';
import type {CatalogEntry} from './schema.js';
import {TRACE_ENTRIES} from './trace.js';

const ENTRIES = [
	...NODE_ENTRIES,
	...FOLD_ENTRIES,
	...OVN_ENTRIES,
	...PROBE_ENTRIES,
	...CLOUD_ENTRIES,
	...TRACE_ENTRIES,
] as const satisfies readonly CatalogEntry[];

export type CatalogId = (typeof ENTRIES)[number]['id'];

/** Every entry, keyed by id. */
export const CATALOG: Readonly<Record<CatalogId, CatalogEntry>> = Object.fromEntries(
	ENTRIES.map(entry => [entry.id, entry]),
) as Record<CatalogId, CatalogEntry>;

export const catalogEntries: readonly CatalogEntry[] = ENTRIES;
