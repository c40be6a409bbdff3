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
import {ovsFlowsParser} from '../../../src/collectors/parsers/ovs-flows.js';
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
