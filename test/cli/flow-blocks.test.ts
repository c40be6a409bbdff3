/**
 * `dvrscope parse ovs-flows` cuts a file into blocks of whole lines for its worker threads
 * (src/cli/commands/flow-blocks.ts): every block ends at a line end, a line that straddles a
 * block's edge goes whole into the next block, the blocks put together are the file, and each
 * block knows how many lines come before it (the file's line numbers in warnings and records).
 */
import {closeSync, mkdtempSync, openSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {formatDump, flowSpecs} from '../../bench/flow-dump.js';
import {
	FlowStats,
	blockText,
	decodeBlock,
	fileLineBlocks,
	type FileBlock,
} from '../../src/cli/commands/flow-blocks.js';
import {ovsFlowsCodec} from '../../src/cli/commands/flow-codec.js';
import {parseCapture} from '../../src/collectors/parsers/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dvrscope-flow-blocks-'));
let n = 0;

/** The blocks of a file holding `text`, each copied out (the generator hands its buffers on). */
function blocksOf(text: string, size: number): {text: string; lineOffset: number}[] {
	const file = path.join(dir, `f${n++}.txt`);
	writeFileSync(file, text);
	const fd = openSync(file, 'r');
	try {
		return [...fileLineBlocks(fd, size)].map((b: FileBlock) => ({
			text: blockText(b.bytes),
			lineOffset: b.lineOffset,
		}));
	} finally {
		closeSync(fd);
	}
}

/** Blocks put together are the text; every block but the last ends at a newline; offsets count lines. */
function expectWholeLines(text: string, size: number): {text: string; lineOffset: number}[] {
	const blocks = blocksOf(text, size);
	expect(blocks.map(b => b.text).join('')).toBe(text);
	let lines = 0;
	for (const [i, b] of blocks.entries()) {
		expect(b.lineOffset, `block ${i}`).toBe(lines);
		if (i < blocks.length - 1) expect(b.text.endsWith('\n'), `block ${i}`).toBe(true);
		lines += b.text.split('\n').length - 1;
	}
	return blocks;
}

describe('flow dump blocks', () => {
	it('Given a line that straddles a block edge, then it goes whole into the next block', () => {
		const text = 'aaaa\nbbbbbbbb\ncc\n';
		const blocks = expectWholeLines(text, 8);
		// The first read ends inside "bbbbbbbb": the first block ends before it.
		expect(blocks[0]).toEqual({text: 'aaaa\n', lineOffset: 0});
		expect(blocks[1]?.text.startsWith('bbbbbbbb\n')).toBe(true);
		expect(blocks[1]?.lineOffset).toBe(1);
	});

	it('Given a line longer than a block, then the block grows to hold it', () => {
		const long = `${'x'.repeat(100)}\n`;
		expect(expectWholeLines(`a\n${long}b\n`, 8).some(b => b.text.includes(long))).toBe(true);
	});

	it('Given CRLF line ends, then blocks end after the LF and the CR stays with its line', () => {
		const text = 'one\r\ntwo\r\nthree\r\nfour\r\n';
		for (const size of [4, 6, 7, 11, 64])
			for (const b of expectWholeLines(text, size)) expect(b.text).toMatch(/\r\n$/);
	});

	it('Given no newline at the end, then the last line is the last block', () => {
		const blocks = expectWholeLines('one\ntwo\nthree', 5);
		expect(blocks.at(-1)?.text.endsWith('three')).toBe(true);
	});

	it('Given an empty file, then there is no block', () => {
		expect(blocksOf('', 8)).toEqual([]);
	});

	it('Given random line lengths and block sizes, then the blocks are always whole lines of the file', () => {
		let seed = 7;
		const rnd = (k: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k;
		for (let round = 0; round < 30; round++) {
			const lines = Array.from({length: 1 + rnd(40)}, () =>
				'y'.repeat(rnd(30)).concat(rnd(4) === 0 ? '\r' : ''),
			);
			const text = lines.join('\n') + (rnd(2) === 0 ? '\n' : '');
			expectWholeLines(text, 1 + rnd(50));
		}
	});

	it('Given a dump cut into blocks, when each block is decoded on its own, then records and the malformed line carry the file line numbers', () => {
		const lines = formatDump(flowSpecs(400)).split('\n');
		lines.splice(
			300,
			0,
			' cookie=0x1, duration=1s, table=0, n_packets=1, n_bytes=1, priority=1,ip',
		);
		const text = lines.join('\r\n');
		const whole = parseCapture('ovs-flows', text);
		const blocks = expectWholeLines(text, 4096);
		expect(blocks.length).toBeGreaterThan(3);
		const stats = new FlowStats();
		const records: {line: number}[] = [];
		const warnings: {line: number}[] = [];
		for (const b of blocks) {
			const r = decodeBlock(b.text, b.lineOffset, 'ndjson', ovsFlowsCodec, stats);
			warnings.push(...r.warnings);
			for (const json of Buffer.from(r.json).toString('utf8').split('\n').filter(Boolean))
				records.push(JSON.parse(json) as {line: number});
		}
		expect(warnings.map(w => w.line)).toEqual([301]);
		expect(warnings).toEqual(whole.warnings);
		expect(records).toEqual(JSON.parse(JSON.stringify(whole.facts.flows)));
	});
});
