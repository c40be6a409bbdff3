/**
 * JSON written straight into bytes: the output of `dvrscope parse ovs-flows` (≈ 200 MB for a
 * 200k-flow dump) is UTF-8 text in a reused buffer, so no string is built per flow and nothing
 * is encoded a second time. Only for text that needs no JSON escape (`needsEscape` false): then
 * a string's JSON is its characters between quotes, and writing them as UTF-8 is exactly what
 * `JSON.stringify` followed by UTF-8 encoding gives.
 */
/** From this length on, a span is written by Buffer#write (native) rather than char by char. */
const NATIVE = 24;

export class JsonBytes {
	#buf: Buffer;
	#n = 0;

	constructor(buffer: ArrayBuffer = new ArrayBuffer(1 << 22)) {
		this.#buf = Buffer.from(buffer);
	}

	/** Start over in `buffer` (one handed back after it was written), or in the current one. */
	reset(buffer?: ArrayBuffer): void {
		if (buffer !== undefined) this.#buf = Buffer.from(buffer);
		this.#n = 0;
	}

	/** The bytes written since the last reset (a view: valid until the next reset or write). */
	view(): Uint8Array {
		return this.#buf.subarray(0, this.#n);
	}

	get length(): number {
		return this.#n;
	}

	/** Forget what was written after `length` was `n`. */
	truncate(n: number): void {
		this.#n = n;
	}

	#room(k: number): Buffer {
		if (this.#n + k > this.#buf.length) {
			const bigger = Buffer.from(new ArrayBuffer(Math.max(this.#buf.length * 2, this.#n + k)));
			this.#buf.copy(bigger, 0, 0, this.#n);
			this.#buf = bigger;
		}
		return this.#buf;
	}

	/** t[s, e) as UTF-8 (the text holds nothing JSON escapes; surrogates come in pairs). */
	span(t: string, s: number, e: number): void {
		const b = this.#room((e - s) * 3 + 2); // + the closing quote of quoted()
		if (e - s >= NATIVE) {
			this.#n += b.write(s === 0 && e === t.length ? t : t.slice(s, e), this.#n);
			return;
		}
		let n = this.#n;
		for (let i = s; i < e; i++) {
			const c = t.charCodeAt(i);
			if (c < 0x80) b[n++] = c;
			else if (c < 0x800) {
				b[n++] = 0xc0 | (c >> 6);
				b[n++] = 0x80 | (c & 63);
			} else if (c >= 0xd800 && c < 0xdc00 && i + 1 < e) {
				const cp = ((c - 0xd800) << 10) + (t.charCodeAt(++i) - 0xdc00) + 0x10000;
				b[n++] = 0xf0 | (cp >> 18);
				b[n++] = 0x80 | ((cp >> 12) & 63);
				b[n++] = 0x80 | ((cp >> 6) & 63);
				b[n++] = 0x80 | (cp & 63);
			} else {
				b[n++] = 0xe0 | (c >> 12);
				b[n++] = 0x80 | ((c >> 6) & 63);
				b[n++] = 0x80 | (c & 63);
			}
		}
		this.#n = n;
	}

	/** A whole string (ASCII literals, JSON texts made elsewhere). */
	text(s: string): void {
		this.span(s, 0, s.length);
	}

	/** A string's JSON: between quotes, as it is (clean text only). */
	quoted(t: string, s: number, e: number): void {
		this.#room(2)[this.#n++] = 34;
		this.span(t, s, e);
		this.#buf[this.#n++] = 34;
	}

	byte(c: number): void {
		this.#room(1)[this.#n++] = c;
	}

	/** A number as JSON writes it. */
	number(x: number): void {
		if (x >= 0 && x < 0x80000000 && (x | 0) === x) {
			const b = this.#room(10);
			let n = this.#n;
			if (x < 10) b[n++] = 48 + x;
			else {
				let digits = 1;
				for (let p = 10; p <= x; p *= 10) digits++;
				n += digits;
				for (let i = n - 1, v = x; i >= this.#n; i--, v = (v / 10) | 0) b[i] = 48 + (v % 10);
			}
			this.#n = n;
		} else this.text(JSON.stringify(x));
	}

	/** Bytes made before (a shared action's JSON). */
	bytes(u: Uint8Array): void {
		const b = this.#room(u.length);
		b.set(u, this.#n);
		this.#n += u.length;
	}
}
