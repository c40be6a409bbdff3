import {spawnSync} from 'node:child_process';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {quoteWord, shellQuote} from '../../src/model/quote.js';

/** What a real POSIX shell (/bin/sh) makes of the quoted string: its words, NUL-separated. */
const wordsSeenBySh = (command: string): string[] => {
	const result = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${command}`], {encoding: 'utf8'});
	return result.stdout.split('\0').slice(0, -1);
};

describe('shellQuote', () => {
	it.each([
		['table=0', 'table=0'],
		['br-int', 'br-int'],
		['tap 1', "'tap 1'"],
		["it's", `'it'\\''s'`],
		['', "''"],
		['$(id)', "'$(id)'"],
	])('quotes %j as %s', (word, quoted) => {
		expect(quoteWord(word)).toBe(quoted);
	});

	it('refuses NUL bytes (no shell can carry them)', () => {
		expect(() => shellQuote(['a\0b'])).toThrow(/NUL/);
	});

	it('property: /bin/sh reads back exactly the original words', () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.string({unit: 'binary'}).map(s => s.replaceAll('\0', '')),
					{minLength: 1, maxLength: 6},
				),
				words => {
					expect(wordsSeenBySh(shellQuote(words))).toEqual(words);
				},
			),
			{numRuns: 150},
		);
	});
});
