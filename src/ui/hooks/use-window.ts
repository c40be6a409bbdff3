import {useState} from 'react';

/**
 * First visible row of a scrolling window that moves only when the cursor would leave it (like
 * less/vim), unlike a stateless centred window that jumps on every key.
 */
export function useWindowStart(cursor: number, height: number, count: number): number {
	const [start, setStart] = useState(0);
	let next = start;
	if (cursor < next) next = cursor;
	else if (cursor >= next + height) next = cursor - height + 1;
	next = Math.max(0, Math.min(next, Math.max(0, count - height)));
	if (next !== start) setStart(next);
	return next;
}
