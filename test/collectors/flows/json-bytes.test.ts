/**
 * The byte writer behind `dvrscope parse ovs-flows`'s JSON (src/collectors/flows/json-bytes.ts):
 * what it writes is the UTF-8 of what JSON.stringify writes, for numbers and for strings that need
 * no escape, short (char by char) and long (native), and it grows past its first buffer.
 */
import {describe, expect, it} from 'vitest';
import {JsonBytes} from '../../../src/collectors/flows/json-bytes.js';

const text = (w: JsonBytes): string => Buffer.from(w.view()).toString('utf8');

describe('JSON bytes', () => {
	it('Given numbers, then each is written as JSON.stringify writes it', () => {
		const numbers = [0, 7, 9, 10, 99, 100, 12345, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, 1001.001, 0.5, 1e21];
		const w = new JsonBytes(new ArrayBuffer(4));
		for (const n of numbers) {
			w.number(n);
			w.byte(44);
		}
		expect(text(w)).toBe(numbers.map(n => `${JSON.stringify(n)},`).join(''));
	});

	it('Given strings with nothing to escape, short and long, ASCII and not, then quoted() is their JSON in UTF-8', () => {
		const strings = ['', 'a', 'dl_vlan', 'fa:16:3e:00:56:46', 'x'.repeat(23), 'y'.repeat(24), 'pörtä€😀', `${'z'.repeat(30)}€😀ä`];
		const w = new JsonBytes(new ArrayBuffer(1));
		for (const s of strings) w.quoted(`<${s}>`, 1, s.length + 1);
		expect(Buffer.from(w.view())).toEqual(Buffer.from(strings.map(s => JSON.stringify(s)).join(''), 'utf8'));
	});

	it('Given more than its buffer holds, then it grows, keeps what was written, and reset() starts over', () => {
		const w = new JsonBytes(new ArrayBuffer(8));
		const line = ' cookie=0x1, table=0, priority=1 actions=drop';
		for (let i = 0; i < 1000; i++) w.text(line);
		expect(w.length).toBe(line.length * 1000);
		expect(text(w)).toBe(line.repeat(1000));
		const mark = w.length;
		w.text('tail');
		w.truncate(mark);
		expect(text(w).endsWith('drop')).toBe(true);
		w.reset(new ArrayBuffer(2));
		w.bytes(new Uint8Array([123, 125]));
		expect(text(w)).toBe('{}');
	});
});
