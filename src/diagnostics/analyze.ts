import {assembleSnapshot} from '../collectors/assemble.js';
import type {CaptureSet} from '../model/capture.js';
import type {Snapshot} from '../model/snapshot.js';
import {version} from '../model/version.js';
import {diagnose, type Diagnosis} from './index.js';
import type {Rule} from './types.js';

/**
 * Everything a reporter or the console needs about one capture set: the assembled snapshot, the
 * diagnosis over it and the dvrscope version that made it. The one output of the pipeline's
 * parse → snapshot → rules stages; every command, the bundle writer and the console build it with
 * `analyze` and print it with `render` (render.ts).
 */
export type Report = {
	readonly set: CaptureSet;
	readonly snapshot: Snapshot;
	readonly diagnosis: Diagnosis;
	/** dvrscope's version (package.json), for the JSON report's `tool`. */
	readonly version: string;
};

export type AnalyzeOptions = {
	/** Rules to run (all registered rules by default). */
	readonly rules?: readonly Rule[];
};

/** Capture set → snapshot → diagnosis (pure). */
export function analyze(set: CaptureSet, options: AnalyzeOptions = {}): Report {
	const snapshot = assembleSnapshot(set);
	const diagnosis = diagnose(snapshot, options.rules);
	return {set, snapshot, diagnosis, version};
}
