import type {Flow} from '../../model/facts.js';
import {flowSpan} from '../parsers/ovs-flows.js';
import {bodyOf, isBlank, lineSpans} from './format.js';

/**
 * Where each flow of one dump lies in text, without materialising it: for a flow the parser made,
 * its own offsets; for any other flow (built by hand, from JSON), its line in the capture's stdout
 * found by line number; failing both, its `raw` line.
 */
export class FlowLocator {
	readonly #stdout: string | undefined;
	readonly #lineOffset: number;
	#spans: Int32Array | undefined;

	constructor(stdout: string | undefined, lineOffset: number) {
		this.#stdout = stdout;
		this.#lineOffset = lineOffset;
	}

	/**
	 * Writes [line start, line end, match start or -1, first character after `actions=`] into
	 * `out` and returns the text those offsets are in.
	 */
	locate(flow: Flow, out: Int32Array): string {
		const t = flowSpan(flow, out);
		if (t !== undefined) return t;
		const stdout = this.#stdout;
		if (stdout !== undefined) {
			const spans = (this.#spans ??= lineSpans(stdout));
			const line = flow.line + this.#lineOffset;
			let s = spans[line - 1] ?? -1;
			let e = (spans[line] ?? 0) - 1;
			if (s >= 0 && e >= s) {
				while (s < e && isBlank(stdout.charCodeAt(s))) s++;
				while (e > s && isBlank(stdout.charCodeAt(e - 1))) e--;
				const body = bodyOf(stdout, s, e);
				if (body !== undefined) {
					out[0] = s;
					out[1] = e;
					out[2] = body[0];
					out[3] = body[1];
					return stdout;
				}
			}
		}
		// Not in any text as expected: the flow's own line.
		const raw = flow.raw;
		const [m, a] = bodyOf(raw, 0, raw.length) ?? [-1, raw.length];
		out[0] = 0;
		out[1] = raw.length;
		out[2] = m;
		out[3] = a;
		return raw;
	}
}
