import {useEffect, useMemo, useState} from 'react';
import {FlowFilterJob, type FilterView} from '../../state/flow-filter-job.js';
import {
	flowIndexSoFar,
	getFlowIndex,
	hasFlowIndex,
	type FlowIndex,
} from '../../state/flow-index.js';
import type {Snapshot} from '../../model/snapshot.js';
import {useAppStore} from '../context.js';

/**
 * Filter work done in the frame of a key (`frameMs`); what is left runs in slices of `sliceMs`
 * between frames. Tests set 0 (one step of rows each) to cut a small filter into many slices.
 */
export const filterBudget = {frameMs: 30, sliceMs: 10};

/**
 * The Flows screen's filter as a job (state/flow-query.ts `FlowFilterJob`): what fits in a frame
 * is done while the frame renders, the rest in slices between frames and keys, and the next key
 * drops it. Until it is done the last finished result shows, under its own filter; `pending`
 * says a newer filter is being worked on.
 */
export function useFlowFilter(
	index: FlowIndex | undefined,
	text: string,
	filter: string,
): {readonly view: FilterView | undefined; readonly pending: boolean} {
	const job = useMemo(() => new FlowFilterJob(), []);
	useEffect(
		() => () => {
			job.cancel();
		},
		[job],
	);
	if (index !== undefined) job.want(index, text, filter, filterBudget.frameMs);
	const pending = job.pending;
	const [, finished] = useState(0);
	useEffect(() => {
		if (!pending) return;
		let handle = setImmediate(function slice() {
			// Between slices the event loop reads input: a key that changes the filter drops this one.
			if (job.work(filterBudget.sliceMs)) {
				finished(n => n + 1);
			} else handle = setImmediate(slice);
		});
		return () => {
			clearImmediate(handle);
		};
	}, [job, pending, index, text]);
	return {view: job.shown, pending};
}

/**
 * The flow index of `snapshot` for a Flows screen. While the console indexes it in idle time
 * (the store's `flowIndexing`), the index of the rows indexed so far — at least `minRows`, a
 * screenful, indexed now if idle time has not got that far — and a fuller one as indexing goes
 * on; keys keep working meanwhile. `total`: every flow; `indexed`: how many idle time has done.
 */
export function useFlowIndex(
	snapshot: Snapshot | undefined,
	minRows: number,
): {readonly index: FlowIndex | undefined; readonly total: number; readonly indexed?: number} {
	const indexing = useAppStore(s =>
		s.flowIndexing !== undefined && s.flowIndexing.snapshot === snapshot
			? s.flowIndexing
			: undefined,
	);
	const complete = snapshot !== undefined && (indexing === undefined || hasFlowIndex(snapshot));
	const rows = indexing?.rows;
	const index = useMemo(
		() =>
			snapshot === undefined
				? undefined
				: complete
					? getFlowIndex(snapshot)
					: flowIndexSoFar(snapshot, Math.max(minRows, rows ?? 0)),
		[snapshot, complete, rows, minRows],
	);
	const total = indexing?.total ?? index?.size ?? 0;
	return rows === undefined ? {index, total} : {index, total, indexed: rows};
}
