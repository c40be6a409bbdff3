import type {CaptureId, NodeId, RuleId} from '../model/ids.js';
import type {CloudFacts, FactKey, NodeFacts, Snapshot} from '../model/snapshot.js';
import type {Backend} from './backend.js';

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
	/** Commands for a human to run (never run by dvrscope); derived from `fix.steps` when there is a fix. */
	readonly remediation?: readonly string[];
	/** The typed fix (contract B): steps to print, the actions they take, and the predicted result. */
	readonly fix?: Fix;
	/**
	 * The packet-path proof of this finding (issue 22): from a client behind the stale entry to the
	 * VIP, hop by hop — present when the capture set holds its trace reads (a live diagnose runs
	 * them; a saved set or bundle replays them).
	 */
	readonly path?: PathProof;
};

/** One command for a human to run: ONE line, no `# on node` comment (the node is its own field). */
export type FixStep = {
	readonly node?: NodeId;
	readonly where: 'cloud' | 'node';
	readonly command: string;
	readonly note?: string;
};

/** An allowed address pair as Neutron stores it (`ip` with `/prefixlen` when given, own `mac`). */
export type AddressPairSpec = {
	readonly ip: string;
	readonly prefixlen?: number;
	readonly mac?: string;
};

/** What a step does to the cloud, typed, so dvrscope can apply it to the model and predict. */
export type FixAction =
	| {
			/** `openstack port set --no-allowed-address --allowed-address … <port>`: Neutron re-sends the port's entries. */
			readonly kind: 'set-aap';
			readonly port: string;
			readonly pairs: readonly AddressPairSpec[];
	  }
	| {
			/** `ip neigh replace <ip> lladdr <mac> dev <dev> nud permanent` in a namespace on a node. */
			readonly kind: 'replace-neigh';
			readonly node: NodeId;
			readonly namespace: string;
			readonly ip: string;
			readonly mac: string;
			readonly dev: string;
	  }
	| {
			/** `ip neigh del <ip> dev <dev>` in a namespace on a node. */
			readonly kind: 'delete-neigh';
			readonly node: NodeId;
			readonly namespace: string;
			readonly ip: string;
			readonly dev: string;
	  };

/** A finding dvrscope predicts after the fix is applied to the model. */
export type PredictedFinding = {
	readonly ruleId: RuleId;
	readonly severity: Severity;
	readonly message: string;
	readonly nodes: readonly NodeId[];
	/** Not among the findings before the fix (the fix would cause it). */
	readonly isNew: boolean;
	/** The finding the fix is for, still there. */
	readonly isSelf: boolean;
};

/** The result of applying a fix's actions to the model and running the rules again. */
export type FixPrediction = {
	/** The IP (VIP) the prediction looks at. */
	readonly subject: string;
	readonly critical: number;
	readonly warning: number;
	/** True when the finding is gone and no new finding appears on the subject. */
	readonly clears: boolean;
	/** Findings left on the subject after the fix, new or old. */
	readonly remaining: readonly PredictedFinding[];
	/** One line: `after this: 0 critical, 0 warning on VIP 10.0.0.100`. */
	readonly summary: string;
};

/**
 * A typed fix. `kind` absent or `'fix'`: the steps change the cloud (and `actions` say how);
 * `'check-first'`: dvrscope prints no command that changes anything, because the holder is unknown
 * or contested or the computed fix did not predict a recovery — the steps are read-only checks.
 */
export type Fix = {
	readonly kind?: 'fix' | 'check-first';
	readonly steps: readonly FixStep[];
	readonly actions: readonly FixAction[];
	/** The evidence the target was derived from, in words (the VIP's observed holder). */
	readonly basis: string;
	readonly prediction?: FixPrediction;
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
		/**
		 * The facts the rule needs per VIP / router / node in its scope (after `requires` is met).
		 * The engine checks each one on that node / namespace / bridge: a need that is absent,
		 * unreadable, failed or truncated makes the rule `skipped` with the reason (never `pass`),
		 * or, when it found something anyway, a `fail` that lists what it could not check.
		 */
		readonly needs?: (context: RuleContext<string>) => readonly Need[];
		/**
		 * Why the rule does not apply to what was seen (`not a MOSK deployment`), or undefined when it
		 * applies. A skipped rule that does not apply is no coverage gap.
		 */
		readonly notApplicable?: (snapshot: Snapshot) => string | undefined;
		/**
		 * Neutron backends the rule means something on (absent: any ml2 backend). On a capture set
		 * whose backend is known and not listed the rule is skipped as not applicable, never run.
		 */
		readonly backends?: readonly Backend[];
		readonly messages: Readonly<Record<M, string>>;
		readonly docs: RuleDocs;
	};
	check(context: RuleContext<M>): void;
};

/**
 * One input a rule needs for one thing in its scope: `node.neigh` of `qrouter-<id>` on cmp-2 for
 * VIP 10.0.0.100. `unmet` is set by the rule when the fact is there but does not answer the
 * question (no holder seen for the VIP); the engine decides the rest from the snapshot.
 */
export type Need = {
	/** What it is needed for: `VIP 10.0.0.100`, `router 4d7928a0`, `node cmp-1`. */
	readonly for: string;
	readonly fact: FactKey;
	readonly node?: NodeId;
	/** Namespace, bridge or router key inside the fact (`qrouter-<id>`, `br-tun`). */
	readonly key?: string;
	readonly unmet?: string;
	/** What would supply it, when FACT_SOURCES[fact] is not precise enough. */
	readonly remedy?: string;
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
	/** Typed fix; the engine derives `remediation` from its steps when `remediation` is not given. */
	readonly fix?: Fix;
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
			/** Parts of the rule's scope it could not check (inputs missing there). */
			readonly unchecked?: readonly string[];
	  }
	| {
			readonly ruleId: RuleId;
			readonly title: string;
			readonly status: 'skipped';
			readonly missing: readonly FactKey[];
			/** The captures (catalog ids / commands) that would provide them. */
			readonly needs: readonly string[];
			/** What exactly is missing, for what (`cmp-2: ip neigh in qrouter-4d79… for VIP …: capture unreadable`). */
			readonly reasons?: readonly string[];
			/** Set when the rule does not apply to what was seen: then skipping it is no gap. */
			readonly notApplicable?: string;
	  }
	| {
			readonly ruleId: RuleId;
			readonly title: string;
			readonly status: 'error';
			readonly error: string;
	  };

/** Keeps `messageId` literal types (typescript-eslint RuleCreator idea). */
export const defineRule = <M extends string>(rule: Rule<M>): Rule<M> => rule;

// ─── packet-path proof (issue 22, src/diagnostics/path.ts) ─────────────────

export type PathHolder =
	| {readonly known: true; readonly mac: string; readonly label: string; readonly basis: string}
	| {readonly known: false; readonly reason: string};

/** OVN hops (issue 22, the OVN path): `ovn-switch` a logical switch's pipeline, `ovn-router` a logical router stage, `chassis` where the output port is bound. */
export type HopKind =
	'ovs' | 'route' | 'neigh' | 'tunnel' | 'port' | 'ovn-switch' | 'ovn-router' | 'chassis';
/** `unread`: the hop's data is not in the capture set (or could not be read). */
export type HopStatus = 'ok' | 'drift' | 'break' | 'unread';

/** A read-only catalog command that reads one hop. */
export type PathCommand = {
	readonly node: NodeId;
	readonly catalogId: string;
	readonly argv: readonly string[];
	/** The argv as one shell line, for people. */
	readonly command: string;
};

export type PathHop = {
	readonly kind: HopKind;
	readonly node?: NodeId;
	readonly title: string;
	readonly status: HopStatus;
	readonly detail: string;
	readonly evidence: readonly Evidence[];
	/** The command that reads this hop (run, or to run when `unread`). */
	readonly command?: PathCommand;
	/** This hop contradicts the VIP's holder (the router entry or the landing port). */
	readonly contradictsHolder?: true;
};

export type PathVerdict = 'holder' | 'drift' | 'black-hole' | 'incomplete';

export type PathProof = {
	readonly from: {
		readonly ip: string;
		readonly mac: string;
		readonly node: NodeId;
		readonly tap: string;
		readonly label: string;
	};
	readonly to: string;
	/** The client is on the destination's subnet: no router hop. */
	readonly l2: boolean;
	readonly holder: PathHolder;
	readonly hops: readonly PathHop[];
	readonly landing?: {
		readonly node: NodeId;
		readonly port: string;
		readonly mac?: string;
		readonly label: string;
	};
	readonly verdict: PathVerdict;
	/** 0 ends on the holder, 1 … with drift on the way, 2 black hole, 4 incomplete. */
	readonly exitCode: 0 | 1 | 2 | 4;
	readonly headline: string;
	/** Commands of unread hops: what a live run executes next (one round). */
	readonly requests: readonly PathCommand[];
};
