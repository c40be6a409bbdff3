import type {CaptureId, NodeId} from './ids.js';
import type {ParserKind} from './facts.js';

/**
 * Why a command produced no usable result. A non-zero exit is NOT a failure: it is data
 * (`exitCode`). Failures are the cases where the command did not run to completion.
 */
export type FailureKind =
	| 'timeout'
	| 'cancelled'
	| 'unreachable'
	| 'auth'
	| 'spawn'
	| 'refused'
	/** The source never ran it: a sos report or osctl dump without this output (the message says why). */
	| 'not-collected';

export type CaptureFailure = {readonly kind: FailureKind; readonly message: string};

/**
 * Context a parser result is filed under, taken from the command's parameters: the network
 * namespace it ran in, the bridge it read, the router whose state file it is, the file path.
 * For `ip -all netns exec …` captures, `inner` names the parser kind each section is read with.
 */
export type CaptureParams = {
	readonly namespace?: string;
	readonly bridge?: string;
	readonly router?: string;
	readonly path?: string;
	readonly inner?: ParserKind;
};

/**
 * What a declared projection (src/collectors/projections.ts) kept of a structured capture: the
 * field patterns kept, the paths dropped (array indices as `[]`, wildcard keys as `*`), and, when
 * the body could not be read and was withheld entirely, why.
 */
export type CaptureProjection = {
	readonly name: string;
	readonly kept: readonly string[];
	readonly dropped: readonly string[];
	readonly withheld?: string;
};

/** Where a capture was taken: on one node, or against the cloud's APIs (openstack CLI, kubectl get). */
export type CaptureScope = 'node' | 'cloud';

/**
 * One command run once on one node (or against the cloud API), as written in a capture set's
 * manifest. The output bodies live in files next to the manifest (see docs/capture-format.md).
 */
export type CaptureMeta = {
	readonly id: CaptureId;
	readonly scope: CaptureScope;
	/** The node the command ran on; for scope `cloud`, the node or pod that answered, if any. */
	readonly node?: NodeId;
	readonly argv: readonly string[];
	/** The parser that reads stdout. Absent: stored for humans (command log), not parsed. */
	readonly kind?: ParserKind;
	readonly params?: CaptureParams;
	/** Catalog entry id that produced it (`ovs.flows`, `netns.neigh` …), when collected by dvrscope. */
	readonly catalogId?: string;
	/** Exit status; `null` when the command did not finish (then `failure` says why). */
	readonly exitCode: number | null;
	/** ISO-8601 start time. */
	readonly startedAt: string;
	readonly durationMs: number;
	readonly failure?: CaptureFailure;
	/** Path of stdout relative to the capture-set directory. */
	readonly stdoutFile: string;
	/** Path of stderr relative to the capture-set directory; absent when stderr was empty. */
	readonly stderrFile?: string;
	readonly stdoutBytes: number;
	readonly stderrBytes: number;
	/** True when the output was cut at the size cap; `stdoutBytes` is then the stored size. */
	readonly truncated?: boolean;
	/** Transport it came through (`ssh`, `kubectl`, `local`, `manual`). */
	readonly via?: string;
	/** Set when a projection limited the stored fields (see {@link CaptureProjection}). */
	readonly projection?: CaptureProjection;
};

/** A capture with its output loaded. */
export type Capture = CaptureMeta & {readonly stdout: string; readonly stderr: string};

/** A node as known to the capture set (from the inventory or discovery). */
export type NodeRole = 'controller' | 'network' | 'compute' | 'gateway' | 'ovn-db' | 'other';

export type NodeInfo = {
	readonly id: NodeId;
	readonly roles: readonly NodeRole[];
	/** How it was reached: `ssh`, `kubectl`, `local`, `manual`. */
	readonly transport?: string;
	/** SSH address or Kubernetes node name, for the record; never a secret. */
	readonly address?: string;
	/** Neutron agent host name when it differs from the node id. */
	readonly neutronHost?: string;
};

export const CAPTURE_SET_FORMAT = 'dvrscope-capture-set';
export const CAPTURE_SET_SCHEMA_VERSION = 1;

/** `manifest.json` of a capture-set directory. */
export type CaptureSetManifest = {
	readonly format: typeof CAPTURE_SET_FORMAT;
	readonly schemaVersion: typeof CAPTURE_SET_SCHEMA_VERSION;
	readonly createdAt: string;
	readonly tool: {readonly name: string; readonly version: string};
	/** Free text: `lab scenario failover`, `collected from inventory prod.yaml` … */
	readonly description?: string;
	/** `live`, `manual`, `lab`, `sample`, `bundle`. */
	readonly source: string;
	readonly nodes: readonly NodeInfo[];
	readonly captures: readonly CaptureMeta[];
	/** True when collection was interrupted or some nodes failed; `problems` says why. */
	readonly partial?: boolean;
	readonly problems?: readonly {
		readonly node?: NodeId;
		readonly kind: string;
		readonly message: string;
	}[];
};

/** A capture set in memory. */
export type CaptureSet = {
	readonly manifest: CaptureSetManifest;
	readonly captures: readonly Capture[];
};
