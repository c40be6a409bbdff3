import {useStdin} from 'ink';
import type {EventEmitter} from 'node:events';
import {useEffect} from 'react';
import {splitInputEvent} from '../keymap.js';

/**
 * Esc followed quickly by a key arrives as one Ink input event (`\u001B:`, `\u001Bj`), which
 * every useInput hook would see as a single Alt+key — the Esc and often the key are lost; text
 * with Enter in it (`vip 10.0.0.100\r`, a paste) arrives as one string whose Enter is lost. This
 * hook sits where Ink hands parsed input to the useInput hooks (the stdin context's event
 * emitter) and delivers such an event as its key presses ({@link splitInputEvent}): the first
 * now, the next on the next turn of the event loop, once React has rendered what the first did
 * (the previous screen's key handlers subscribed, command mode left). Input that arrives
 * meanwhile queues behind it, in order.
 */
export function useInputSplit(typing: () => boolean): void {
	const {internal_eventEmitter: emitter} = useStdin();
	useEffect(() => splitInputEvents(emitter, typing), [emitter, typing]);
}

/**
 * Wraps the emitter's `emit` for `input` events; returns the undo. `typing` says whether text
 * input (command or filter) has the keys now.
 */
export function splitInputEvents(
	emitter: EventEmitter,
	typing: () => boolean = () => true,
): () => void {
	// eslint-disable-next-line @typescript-eslint/unbound-method
	const original = emitter.emit;
	const emit = (event: string | symbol, ...args: unknown[]): boolean =>
		original.call(emitter, event, ...args);
	const queue: string[] = [];
	let timer: NodeJS.Immediate | undefined;
	const deliver = (sequence: string): void => {
		const split = splitInputEvent(sequence, typing());
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
		if (queue.length === 0 && splitInputEvent(data, typing()) === undefined)
			return emit(event, data);
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
