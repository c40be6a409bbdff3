import type {CaptureMeta, FailureKind, NodeInfo} from './capture.js';
import type {NodeId} from './ids.js';

/**
 * What a collection session reports while it runs, in order. The console folds these into its
 * store; headless `dvrscope collect` prints them on stderr. Every event carries `at` (ISO-8601).
 *
 * Order guarantees: `collection-started` first and `collection-done` last; for each node
 * `node-started` comes before any of its captures and exactly one of `node-done` / `node-failed`
 * closes it; every `capture-started` is followed by one `capture-done` with the same `captureId`.
 * A batched execution (one `sh -c` over many bridges or namespaces) is one `capture-started`; the
 * per-item captures cut out of it arrive as `capture-done` events with their own ids just before
 * the batch's own `capture-done`. A node the session never reached (cancelled first) gets only a
 * `node-failed` (kind `cancelled`).
 */
export type SessionEvent =
	| {
			readonly type: 'collection-started';
			readonly at: string;
			readonly nodes: readonly NodeInfo[];
			readonly concurrency: number;
			/** What the collection was narrowed to (`router 3f6c…`), absent when untargeted. */
			readonly target?: string;
	  }
	| {readonly type: 'node-started'; readonly at: string; readonly node: NodeId}
	| {
			readonly type: 'capture-started';
			readonly at: string;
			/** Absent for cloud-scope captures that no node answered (openstack CLI run locally). */
			readonly node?: NodeId;
			readonly captureId: string;
			readonly catalogId: string;
			readonly argv: readonly string[];
	  }
	| {
			readonly type: 'capture-done';
			readonly at: string;
			readonly node?: NodeId;
			readonly captureId: string;
			/** The manifest entry: argv, exit code, duration, stdout/stderr bytes, failure. */
			readonly capture: CaptureMeta;
	  }
	| {
			readonly type: 'node-done';
			readonly at: string;
			readonly node: NodeId;
			readonly captures: number;
			/** Captures of this node that did not run to completion (`failure` set). */
			readonly failedCaptures: number;
			readonly durationMs: number;
	  }
	| {
			readonly type: 'node-failed';
			readonly at: string;
			readonly node: NodeId;
			/** `unreachable`, `auth`, `refused` (host key), `timeout`, `cancelled`, `spawn`. */
			readonly kind: FailureKind;
			readonly message: string;
			/** Captures kept from this node before it failed. */
			readonly captures: number;
	  }
	| {
			readonly type: 'collection-done';
			readonly at: string;
			/** True when any node failed, any capture failed, or the session was cancelled. */
			readonly partial: boolean;
			readonly cancelled: boolean;
			readonly nodesOk: number;
			readonly nodesFailed: number;
			readonly captures: number;
			readonly durationMs: number;
	  }
	| {
			readonly type: 'log';
			readonly at: string;
			readonly level: 'info' | 'warning' | 'error';
			readonly message: string;
			readonly node?: NodeId;
	  };

export type SessionEventType = SessionEvent['type'];

/** Receives events; must not throw (a throwing listener is the caller's bug, not a node failure). */
export type SessionEventListener = (event: SessionEvent) => void;
