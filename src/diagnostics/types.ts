import type {CaptureId, NodeId, RuleId} from '../model/ids.js';
import type {CloudFacts, FactKey, NodeFacts, Snapshot} from '../model/snapshot.js';

export type Severity = 'critical' | 'warning' | 'info';

/** Lines of one capture that support a finding. `lines` are 1-based lines of the capture's stdout. */
export type Evidence = {
	readonly node?: NodeId;
	readonly capture: CaptureId;
	readonly lines: readonly number[];
	readonly excerpt: string;
	/** Why this excerpt matters, in a few words (`PERMANENT entry for the VIP`). */
	readonly note?: string;
};

export type Finding = {
	readonly ruleId: RuleId;
	readonly severity: Severity;
	readonly title: string;
	readonly messageId: string;
	readonly message: string;
	/** Nodes the finding concerns. */
	readonly nodes: readonly NodeId[];
	/** The VIP (or IP) the finding is about, for grouping. */
	readonly vip?: string;
	readonly router?: string;
	readonly data: Readonly<Record<string, string | number>>;
	readonly evidence: readonly Evidence[];
	/** Commands for a human to run (never run by dvrscope). */
	readonly remediation?: readonly string[];
};

export type RuleDocs = {
	readonly explanation: string;
	readonly remediation: string;
	readonly references?: readonly string[];
};

export type Rule<M extends string = string> = {
	/** `<area>/<kebab-name>`, e.g. `dvr/stale-permanent-arp`. */
	readonly id: RuleId;
	readonly meta: {
		readonly title: string;
		readonly severity: Severity;
		/** Facts the rule needs; when any of them is absent everywhere the rule is `skipped`. */
		readonly requires: readonly FactKey[];
		/** Alternative inputs: the rule is `skipped` when none of these is present anywhere. */
		readonly requiresAny?: readonly FactKey[];
		readonly messages: Readonly<Record<M, string>>;
		readonly docs: RuleDocs;
	};
	check(context: RuleContext<M>): void;
};

export type ReportDescriptor<M extends string> = {
	readonly messageId: M;
	readonly nodes?: readonly NodeId[];
	readonly vip?: string;
	readonly router?: string;
	readonly severity?: Severity;
	readonly data?: Readonly<Record<string, string | number>>;
	readonly evidence?: readonly Evidence[];
	readonly remediation?: readonly string[];
};

export type RuleContext<M extends string> = {
	readonly snapshot: Snapshot;
	readonly nodes: readonly NodeId[];
	node(node: NodeId): NodeFacts | undefined;
	readonly cloud: CloudFacts;
	report(descriptor: ReportDescriptor<M>): void;
};

export type RuleOutcome =
	| {readonly ruleId: RuleId; readonly title: string; readonly status: 'pass'}
	| {
			readonly ruleId: RuleId;
			readonly title: string;
			readonly status: 'fail';
			readonly findings: readonly Finding[];
	  }
	| {
			readonly ruleId: RuleId;
			readonly title: string;
			readonly status: 'skipped';
			readonly missing: readonly FactKey[];
			/** The captures (catalog ids / commands) that would provide them. */
			readonly needs: readonly string[];
	  }
	| {
			readonly ruleId: RuleId;
			readonly title: string;
			readonly status: 'error';
			readonly error: string;
	  };

/** Keeps `messageId` literal types (typescript-eslint RuleCreator idea). */
export const defineRule = <M extends string>(rule: Rule<M>): Rule<M> => rule;
