/**
 * The constant POSIX `sh -c` scripts of batched entries and the parts they read per item. Items
 * are positional arguments (never spliced into a script); each item's output is bracketed by
 * marker lines carrying a per-run nonce, which src/collectors/catalog/sections.ts cuts back apart.
 */
import type {ArgToken, ParamName, SectionPart} from './schema.js';

/** Words that may appear in a constant script: plain, needing no quoting in any POSIX shell. */
const PLAIN_WORD = /^[A-Za-z0-9_./=:,+-]+$/;

/** Start of every marker line (src/collectors/catalog/sections.ts looks for it). */
export const MARK = '@@dvrscope';
/** `m NONCE begin|end PART ITEM [RC]`: one marker line on stdout and on stderr. */
const MARKER_FN = `m() { printf '\\n${MARK} %s\\n' "$*"; printf '\\n${MARK} %s\\n' "$*" >&2; }`;

/** Placeholder for the item in a {@link SectionPart} argv. */
export const ITEM = '{item}';

function plainWords(argv: readonly string[]): string {
	return argv
		.map(word => {
			if (word === ITEM) return '"$i"';
			if (!PLAIN_WORD.test(word)) throw new Error(`catalog: "${word}" is not a plain script word`);
			return word;
		})
		.join(' ');
}

/** The L3-HA `state` and `keepalived.conf` of every router under `$d`, one `file` section each. */
const HA_FILES_LOOP = [
	'for f in "$d"/*/state "$d"/*/keepalived.conf; do',
	'  [ -f "$f" ] || continue',
	'  m "$n" begin file "$f"; cat -- "$f"; r=$?; m "$n" end file "$f" "$r"',
	'done',
];

/**
 * Script run as `sh -c SCRIPT dvrscope NONCE [DIR] ITEM…`: the `once` parts (single reads folded
 * into the batch) once, then with `files` the L3-HA files under DIR (as {@link HA_CONFS_SCRIPT}),
 * then every other part for every item, each bracketed by markers.
 */
export function itemBatchScript(
	parts: readonly SectionPart[],
	options: {readonly files?: true} = {},
): string {
	const lines = [MARKER_FN, options.files === true ? 'n=$1; d=$2; shift 2' : 'n=$1; shift'];
	for (const part of parts) {
		plainWords([part.name]);
		if (part.once === true)
			lines.push(
				`m "$n" begin ${part.name}; ${plainWords(part.argv)}; r=$?; m "$n" end ${part.name} "$r"`,
			);
	}
	if (options.files === true) lines.push(...HA_FILES_LOOP);
	const each = parts.filter(part => part.once !== true);
	if (each.length > 0) {
		lines.push('for i do');
		for (const part of each)
			lines.push(
				`  m "$n" begin ${part.name} "$i"; ${plainWords(part.argv)}; r=$?; m "$n" end ${part.name} "$i" "$r"`,
			);
		lines.push('done');
	}
	return lines.join('\n');
}

/**
 * Script run as `sh -c SCRIPT dvrscope NONCE DIR`: the L3-HA `state` file and `keepalived.conf` of
 * every router under DIR (Neutron's `ha_confs_path`), read in one execution. Read-only (`cat`).
 */
export const HA_CONFS_SCRIPT = [MARKER_FN, 'n=$1; d=$2', ...HA_FILES_LOOP].join('\n');

export const BRIDGE_PARTS: readonly SectionPart[] = [
	{
		name: 'flows',
		catalogId: 'ovs.flows',
		kind: 'ovs-flows',
		argv: ['ovs-ofctl', '-t', '10', 'dump-flows', ITEM],
		param: 'bridge',
	},
	{
		name: 'show',
		catalogId: 'ovs.ofctl-show',
		kind: 'ovs-ofctl-show',
		argv: ['ovs-ofctl', '-t', '10', 'show', ITEM],
		param: 'bridge',
	},
	{
		name: 'fdb',
		catalogId: 'ovs.fdb',
		kind: 'ovs-fdb',
		argv: ['ovs-appctl', '-T', '10', 'fdb/show', ITEM],
		param: 'bridge',
	},
];

export const NEIGH_PARTS: readonly SectionPart[] = [
	{
		name: 'neigh',
		catalogId: 'netns.neigh',
		kind: 'ip-neigh',
		argv: ['ip', '-n', ITEM, '-j', 'neigh', 'show'],
		param: 'namespace',
	},
];

export const ADDR_PARTS: readonly SectionPart[] = [
	{
		name: 'addr',
		catalogId: 'netns.addr',
		kind: 'ip-addr',
		argv: ['ip', '-n', ITEM, '-j', 'addr', 'show'],
		param: 'namespace',
	},
];

export const ROUTING_PARTS: readonly SectionPart[] = [
	{
		name: 'rule',
		catalogId: 'netns.rule',
		kind: 'ip-rule',
		argv: ['ip', '-n', ITEM, '-j', 'rule', 'show'],
		param: 'namespace',
	},
	{
		name: 'route',
		catalogId: 'netns.route',
		kind: 'ip-route',
		argv: ['ip', '-n', ITEM, '-j', 'route', 'show', 'table', 'all'],
		param: 'namespace',
	},
];

/**
 * Script run as `sh -c SCRIPT dvrscope NONCE DIR NAMESPACE…`: a watch round's probe — only what
 * moves during a failover: each namespace's neighbours and addresses, and every L3-HA `state`
 * file under DIR. One execution per node per round. Read-only (`ip … show`, `cat`).
 */
export const PROBE_SCRIPT = [
	MARKER_FN,
	'n=$1; d=$2; shift 2',
	'for i do',
	`  m "$n" begin neigh "$i"; ip -n "$i" -j neigh show; r=$?; m "$n" end neigh "$i" "$r"`,
	`  m "$n" begin addr "$i"; ip -n "$i" -j addr show; r=$?; m "$n" end addr "$i" "$r"`,
	'done',
	'for f in "$d"/*/state; do',
	'  [ -f "$f" ] || continue',
	'  m "$n" begin file "$f"; cat -- "$f"; r=$?; m "$n" end file "$f" "$r"',
	'done',
].join('\n');

/**
 * Script run as `sh -c SCRIPT dvrscope NONCE STEP…`: the reads of one packet-path round on one node
 * in one execution (issue 22). Each step is a checked `traceStep` word, cut into its parts with
 * parameter expansion only (no word splitting, no eval): `ofproto/trace` with `--names` and one
 * flow word (never `-generate`, never a packet), or `ip route get … iif`.
 */
export const TRACE_BATCH_SCRIPT = [
	MARKER_FN,
	'n=$1; shift',
	'for i do',
	'  k=${i%%/*}; a=${i#*/}',
	'  case $k in',
	'  ovs) b=${a%%/*}; f=${a#*/}',
	'    m "$n" begin ovs "$i"; ovs-appctl -T 10 ofproto/trace "$b" --names "$f"; r=$?; m "$n" end ovs "$i" "$r";;',
	'  route) s=${a%%/*}; a=${a#*/}; d=${a%%/*}; a=${a#*/}; f=${a%%/*}; v=${a#*/}',
	'    m "$n" begin route "$i"; ip -n "$s" -j route get "$d" from "$f" iif "$v"; r=$?; m "$n" end route "$i" "$r";;',
	'  ovn) d=${a%%/*}; f=${a#*/}',
	'    m "$n" begin ovn "$i"; ovn-trace --no-leader-only --detailed --no-friendly-names "$d" "$f"; r=$?; m "$n" end ovn "$i" "$r";;',
	'  esac',
	'done',
].join('\n');

export const NAMESPACE_PARTS: readonly SectionPart[] = [
	...NEIGH_PARTS,
	...ADDR_PARTS,
	...ROUTING_PARTS,
];

/** The argv of a batched entry: every part for every item of the `spread` list param. */
export const batch = (
	parts: readonly SectionPart[],
	spread: ParamName,
): readonly [ArgToken, ...ArgToken[]] =>
	['sh', '-c', itemBatchScript(parts), 'dvrscope', {param: 'nonce'}, {spread}] as const;
