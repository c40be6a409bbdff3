/**
 * The eager decoder (what `dvrscope parse ovs-flows` writes and `--stats` counts) gives the same
 * facts as the parser's lazy flows (what the diagnosis reads): for every flow of the fixtures, of
 * the benchmark's dump shapes and of mutated dumps, `decodeFlow(flow)` deep-equals the lazy flow's
 * `toJSON()` and its JSON text is byte for byte `JSON.stringify(flow)`.
 */
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {brIntSpecs, flowSpecs, formatDump} from '../../../bench/flow-dump.js';
import {decodeFlow} from '../../../src/collectors/flows/index.js';
import {decodeFlowText, ovsFlowsParser} from '../../../src/collectors/parsers/ovs-flows.js';
import {mutatedOvs, ovsNoise} from '../parsers/ovs-mutate.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));

function flowFixtures(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir, {withFileTypes: true})) {
		const file = path.join(dir, entry.name);
		if (entry.isDirectory()) out.push(...flowFixtures(file));
		else if (/flows/.test(entry.name) && !/trace/.test(entry.name))
			out.push(readFileSync(file, 'utf8'));
	}
	return out;
}

/** Every flow of text: eager record equals the lazy flow, as objects and as JSON text. */
function expectSameFacts(text: string, lineOffset = 0): number {
	const flows = ovsFlowsParser.parse(text).facts.flows;
	for (const flow of flows) {
		const lazy = JSON.parse(JSON.stringify(flow)) as {line: number};
		lazy.line += lineOffset;
		const eager = decodeFlow(flow, lineOffset);
		expect(JSON.parse(JSON.stringify(eager))).toEqual(lazy);
		expect(JSON.stringify(eager)).toBe(JSON.stringify(lazy));
	}
	return flows.length;
}

/**
 * The one-pass decoder `dvrscope parse ovs-flows` runs (`decodeFlowText`: each line validated and
 * decoded together, never a lazy flow) gives the lazy parser's flows and warnings: its records
 * deep-equal `decodeFlow` of the parser's flows, its JSON text (written while decoding, without
 * objects) is byte for byte `JSON.stringify` of those records, in both JSON modes.
 */
function expectSameAsParser(text: string, lineOffset = 0): number {
	const parsed = ovsFlowsParser.parse(text);
	const expected = parsed.facts.flows.map(flow => decodeFlow(flow, lineOffset));
	const warnings = parsed.warnings.map(w => ({...w, line: w.line + lineOffset}));
	const records: unknown[] = [];
	const got = decodeFlowText(text, lineOffset, 'records', r => records.push(r));
	expect(got.flows).toBe(expected.length);
	expect(got.warnings).toEqual(warnings);
	expect(got.protocol).toBe(parsed.facts.protocol);
	expect(records).toEqual(expected);
	const texts = expected.map(r => JSON.stringify(r));
	const compact = decodeFlowText(text, lineOffset, 'compact');
	expect(utf8(compact.json)).toBe(texts.join(','));
	expect(compact.warnings).toEqual(warnings);
	const ndjson = decodeFlowText(text, lineOffset, 'ndjson');
	expect(utf8(ndjson.json)).toBe(texts.map(t => `${t}\n`).join(''));
	return expected.length;
}

const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** Non-ASCII names (a --names dump with UTF-8 port names), no quote: the bytes path writes UTF-8. */
const NON_ASCII =
	' cookie=0x9, duration=1s, table=0, n_packets=1, n_bytes=1, priority=1,in_port=pörtä€😀 actions=output:x€y,mod_dl_src:FA:16:3E:00:00:02';

/** Lines whose JSON needs care: quoted names with escapes, tabs, repeated and numeric match keys. */
const AWKWARD = [
	'OFPST_FLOW reply (OF1.3) (xid=0x2):',
	' cookie=0x1, duration=1.5s, table=0, n_packets=3, n_bytes=4, send_flow_rem reset_counts idle_age=2, priority=5,in_port="tap\\"x y",dl_src=fa:16:3e:00:00:01 actions=output:"qr-1\\u0001",resubmit("tap a",3),load:0xa000004->NXM_OF_ARP_SPA[]',
	' cookie=0x2, duration=2s, table=1, n_packets=0, n_bytes=0, priority=1,reg5=0x1,reg5=0x2,ip actions=drop',
	' cookie=0x3, duration=3s, table=2, n_packets=0, n_bytes=0, priority=1,10=1,ip,__proto__=x,0x1=2 actions=NORMAL',
	' cookie=0x4, duration=4s, table=3, n_packets=0, n_bytes=0, priority=1,ip,\tnw_src=10.0.0.1 actions=set_field:4097->vlan_vid,mod_dl_src:FA:16:3E:00:00:02',
	' cookie=0x5, table=4, n_packets=1, n_bytes=2, hard_timeout=30, idle_timeout=10, hard_age=3, priority=1 actions=learn(table=20,NXM_OF_VLAN_TCI[0..11],output:NXM_OF_IN_PORT[]),"weird port"',
	' cookie=0x6, duration=1s, table=5, n_packets=1, n_bytes=1, priority=1,ip actions=ct(commit,zone=NXM_NX_REG6[0..15]),conjunction(5,1/2)',
	' cookie=0x7, duration=1s, table=6, n_packets=1, n_bytes=1, priority=1,ip actions=output(',
	' cookie=0x8, duration=1s, table=7, n_packets=x, n_bytes=1, priority=1 actions=drop',
].join('\n');

describe('one-pass eager decoder (what dvrscope parse runs)', () => {
	const fixtures = flowFixtures(FIXTURES);
	const dumps = [formatDump([...flowSpecs(600), ...brIntSpecs(300)])];

	it('Given the flow fixtures, the benchmark dump shapes and awkward lines, then records, warnings and JSON equal the parser\'s', () => {
		let n = 0;
		for (const text of [
			...fixtures,
			...dumps,
			AWKWARD,
			AWKWARD.replaceAll('\n', '\r\n'),
			AWKWARD.replaceAll('"', ''),
			NON_ASCII,
		])
			n += expectSameAsParser(text, 7);
		expect(n).toBeGreaterThan(1000);
		expect(utf8(decodeFlowText(NON_ASCII, 0, 'compact').json)).toContain('"in_port":"pörtä€😀"');
		// The awkward lines are flows (bar the two malformed ones), escaped and ordered as JSON does.
		const awkward = decodeFlowText(AWKWARD, 0, 'ndjson');
		expect(awkward.flows).toBe(6);
		expect(awkward.warnings.map(w => w.line)).toEqual([8, 9]);
		// Without a quote in the text, strings are copied as they are: repeated and numeric keys too.
		const plain = decodeFlowText(AWKWARD.replaceAll('"', ''), 0, 'ndjson');
		for (const json of [utf8(awkward.json), utf8(plain.json)]) {
			expect(json).toContain('"match":{"10":"1","ip":"","__proto__":"x","0x1":"2"}');
			expect(json).toContain('"match":{"reg5":"0x2","ip":""}');
		}
	});

	it('Given mutated dumps and OVS-syntax noise, then records, warnings and JSON equal the parser\'s', () => {
		fc.assert(
			fc.property(
				fc.oneof(mutatedOvs([...fixtures, ...dumps, AWKWARD]), ovsNoise),
				fc.nat(1_000_000),
				(text, offset) => {
					expectSameAsParser(text, offset);
				},
			),
			{numRuns: 300},
		);
	});
});

describe('eager flow decoder', () => {
	const fixtures = flowFixtures(FIXTURES);
	const dumps = [formatDump([...flowSpecs(600), ...brIntSpecs(300)])];

	it('Given the flow fixtures and the benchmark dump shapes, then every eager record equals the lazy flow', () => {
		expect(fixtures.length).toBeGreaterThan(10);
		let n = 0;
		for (const text of [...fixtures, ...dumps]) n += expectSameFacts(text, 3);
		expect(n).toBeGreaterThan(1000);
	});

	it('Given mutated dumps and OVS-syntax noise, then every eager record equals the lazy flow', () => {
		fc.assert(
			fc.property(
				fc.oneof(mutatedOvs([...fixtures, ...dumps]), ovsNoise),
				fc.nat(1_000_000),
				(text, offset) => {
					expectSameFacts(text, offset);
				},
			),
			{numRuns: 300},
		);
	});

	it('Given a plain object that is not a parsed flow, then it is recorded as it is', () => {
		const [flow] = ovsFlowsParser.parse(dumps[0] ?? '').facts.flows;
		const plain = JSON.parse(JSON.stringify(flow)) as Parameters<typeof decodeFlow>[0];
		expect(JSON.stringify(decodeFlow(plain))).toBe(JSON.stringify(plain));
	});
});
