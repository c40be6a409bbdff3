import {describe, expect, it} from 'vitest';
import stringWidth from 'string-width';
import cliTruncate from 'cli-truncate';
import {trunc} from '../../src/ui/text.js';

describe('trunc', () => {
	it('cuts a long text to the row as if all of it were measured', () => {
		const long = `MISSING cmp-1.flows-br-int: ${'capture cmp-1.flows-br-int.x · '.repeat(400)}`;
		const row = trunc(long, 80);
		expect(stringWidth(row)).toBe(80);
		expect(row.endsWith('…')).toBe(true);
		expect(row.slice(0, 40)).toBe(long.slice(0, 40));
	});

	it('cuts wide characters and newlines in a long text as when all of it is measured', () => {
		const wide = '漢字'.repeat(200);
		expect(trunc(wide, 30)).toBe(cliTruncate(wide, 30));
		expect(trunc(`a\nb${'c'.repeat(500)}`, 10)).toBe(cliTruncate(`a\\nb${'c'.repeat(500)}`, 10));
	});

	it('leaves a text that fits as it is', () => {
		expect(trunc('short · text', 80)).toBe('short · text');
	});
});
