/**
 * A growing list of row ids in a typed array (4 bytes an id; a plain array of numbers takes 8
 * and is copied once more at the end): `view()` is the list so far, without a copy.
 */
export class IntList {
	#buf = new Int32Array(16);
	length = 0;
	push(id: number): void {
		if (this.length === this.#buf.length) {
			const grown = new Int32Array(this.#buf.length * 2);
			grown.set(this.#buf);
			this.#buf = grown;
		}
		this.#buf[this.length++] = id;
	}
	get last(): number {
		return this.length === 0 ? -1 : (this.#buf[this.length - 1] ?? -1);
	}
	view(): Int32Array {
		return this.#buf.subarray(0, this.length);
	}
	/** The list with no spare room (the build's end). */
	trimmed(): Int32Array {
		return this.#buf.length === this.length ? this.#buf : this.#buf.slice(0, this.length);
	}
}
