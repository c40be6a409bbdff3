import {useStdin} from 'ink';
import type {EventEmitter} from 'node:events';
import {useEffect} from 'react';
import {splitEscPrefixed} from '../keymap.js';

/**
 * Esc followed quickly by a key arrives as one Ink input event (`\u001B:`, `\u001Bj`), which
 * every useInput hook would see as a single Alt+key — the Esc and often the key are lost. This
 * hook sits where Ink hands parsed input to the useInput hooks (the stdin context's event
 * emitter) and delivers such an event as two: Esc now, the key on the next turn of the event
 * loop, once React has rendered what Esc did (the previous screen's key handlers subscribed,
 * command mode left). Input that arrives meanwhile queues behind it, in order.
 */
export function useEscSplit(): void {
	const {internal_eventEmitter: emitter} = useStdin();
	useEffect(() => splitEscEvents(emitter), [emitter]);
}

/** Wraps the emitter's `emit` for `input` events; returns the undo. */
export function splitEscEvents(emitter: EventEmitter): () => void {
	// eslint-disable-next-line @typescript-eslint/unbound-method
	const original = emitter.emit;
	const emit = (event: string | symbol, ...args: unknown[]): boolean =>
		original.call(emitter, event, ...args);
	const queue: string[] = [];
	let timer: NodeJS.Immediate | undefined;
	const deliver = (sequence: string): void => {
		const split = splitEscPrefixed(sequence);
		if (split === undefined) {
			emit('input', sequence);
			return;
		}
		emit('input', split[0]);
		queue.unshift(split[1]);
	};
	const drain = (): void => {
		timer = undefined;
		const next = queue.shift();
		if (next !== undefined) deliver(next);
		if (queue.length > 0) timer = setImmediate(drain);
	};
	emitter.emit = (event: string | symbol, ...args: unknown[]): boolean => {
		const data = args[0];
		if (event !== 'input' || typeof data !== 'string') return emit(event, ...args);
		if (queue.length === 0 && splitEscPrefixed(data) === undefined) return emit(event, data);
		if (queue.length === 0) deliver(data);
		else queue.push(data);
		timer ??= setImmediate(drain);
		return true;
	};
	return () => {
		emitter.emit = original;
		if (timer !== undefined) clearImmediate(timer);
	};
}
