import {z} from 'zod';

/**
 * The JSON output of `dvrscope diagnose --json`, versioned. docs/findings-schema.json is generated
 * from this schema (a test keeps them equal). Bump FINDINGS_SCHEMA_VERSION on any breaking change.
 * Version 2: the `incomplete` verdict (exit code 4), `headline`, `coverage`, and per-rule
 * `reasons` / `notApplicable` / `unchecked`.
 */
export const FINDINGS_SCHEMA_ID = 'dvrscope.findings';
export const FINDINGS_SCHEMA_VERSION = 2;

const severity = z.enum(['critical', 'warning', 'info']);

export const evidenceSchema = z.object({
	node: z
		.string()
		.optional()
		.describe('Node the capture was taken on (absent for cloud API captures)'),
	capture: z.string().describe('Capture id in the capture set manifest'),
	lines: z.array(z.number().int().positive()).describe('1-based lines of the capture stdout'),
	excerpt: z.string().describe('The text of those lines'),
	note: z.string().optional().describe('Why the excerpt matters'),
});

const fixStepSchema = z.object({
	node: z.string().optional().describe('Node the command runs on (node steps)'),
	where: z.enum(['cloud', 'node']).describe('node: a shell on that node; cloud: the openstack CLI'),
	command: z.string().describe('One command line, exactly as to run it'),
	note: z.string().optional().describe('What the step does'),
});

const pairSchema = z.object({
	ip: z.string(),
	prefixlen: z.number().int().nonnegative().optional(),
	mac: z.string().optional(),
});

const fixActionSchema = z.union([
	z.object({kind: z.literal('set-aap'), port: z.string(), pairs: z.array(pairSchema)}),
	z.object({
		kind: z.literal('replace-neigh'),
		node: z.string(),
		namespace: z.string(),
		ip: z.string(),
		mac: z.string(),
		dev: z.string(),
	}),
	z.object({
		kind: z.literal('delete-neigh'),
		node: z.string(),
		namespace: z.string(),
		ip: z.string(),
		dev: z.string(),
	}),
]);

export const fixSchema = z
	.object({
		kind: z
			.enum(['fix', 'check-first'])
			.optional()
			.describe(
				'check-first: no command that changes anything is printed; the steps are read-only checks',
			),
		steps: z.array(fixStepSchema),
		actions: z
			.array(fixActionSchema)
			.describe('What the steps do, typed (applied to the model to predict)'),
		basis: z.string().describe('The evidence the fix was derived from (the VIP holder), in words'),
		prediction: z
			.object({
				subject: z.string(),
				critical: z.number().int().nonnegative(),
				warning: z.number().int().nonnegative(),
				clears: z.boolean(),
				remaining: z.array(
					z.object({
						ruleId: z.string(),
						severity,
						message: z.string(),
						nodes: z.array(z.string()),
						isNew: z.boolean(),
						isSelf: z.boolean(),
					}),
				),
				summary: z.string(),
			})
			.optional()
			.describe('The result of applying the actions to the model and running the rules again'),
	})
	.describe('Typed fix (optional; remediation is derived from its steps)');

/** A finding's packet-path proof (issue 22): the same object `dvrscope trace --json` prints. */
const pathProofSchema = z
	.object({
		from: z.object({
			ip: z.string(),
			mac: z.string(),
			node: z.string(),
			tap: z.string(),
			label: z.string(),
		}),
		to: z.string(),
		l2: z.boolean(),
		verdict: z.enum(['holder', 'drift', 'black-hole', 'incomplete']),
		exitCode: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(4)]),
		headline: z.string(),
		hops: z.array(
			z
				.object({
					kind: z.enum([
						'ovs',
						'route',
						'neigh',
						'tunnel',
						'port',
						'ovn-switch',
						'ovn-router',
						'chassis',
					]),
					title: z.string(),
					status: z.enum(['ok', 'drift', 'break', 'unread']),
					detail: z.string(),
				})
				.loose(),
		),
	})
	.loose()
	.describe('Packet-path proof from a client behind the stale entry to the VIP (dvrscope trace)');

export const findingSchema = z.object({
	ruleId: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/),
	severity,
	title: z.string(),
	messageId: z.string(),
	message: z
		.string()
		.describe('Human explanation: what is broken, where, why, what traffic is affected'),
	nodes: z.array(z.string()),
	vip: z.string().optional(),
	router: z.string().optional(),
	data: z.record(z.string(), z.union([z.string(), z.number()])),
	evidence: z.array(evidenceSchema),
	remediation: z
		.array(z.string())
		.optional()
		.describe('Commands for a human to run; dvrscope never runs them'),
	fix: fixSchema.optional(),
	path: pathProofSchema.optional(),
	docs: z.string().describe('Path of the rule documentation page'),
});

export const ruleResultSchema = z.object({
	ruleId: z.string(),
	title: z.string(),
	status: z.enum(['pass', 'fail', 'skipped', 'error']),
	findings: z.number().int().nonnegative(),
	missing: z.array(z.string()).optional().describe('Facts that were absent (skipped rules)'),
	needs: z.array(z.string()).optional().describe('Captures that would provide them'),
	reasons: z
		.array(z.string())
		.optional()
		.describe('What exactly was missing, where and why (skipped rules)'),
	notApplicable: z
		.string()
		.optional()
		.describe('Why the rule does not apply to what was seen (then skipping it is no gap)'),
	unchecked: z
		.array(z.string())
		.optional()
		.describe('Parts of the scope a failing rule could not check'),
	error: z.string().optional().describe('Crash message (error status)'),
});

export const coverageGapSchema = z.object({
	kind: z
		.string()
		.describe(
			'node-unreachable, node-partial, collection-partial, api-not-configured, capture-failed, capture-unreadable, capture-truncated, capture-missing, target-unresolved, rule-skipped, rule-error, rule-partial, backend-out-of-scope …',
		),
	subject: z.string().describe('What is missing: node, capture, rule, `OpenStack API`'),
	reason: z.string(),
	remedy: z.string().optional().describe('What would supply it'),
});

export const findingsReportSchema = z.object({
	verdict: z
		.enum(['ok', 'warning', 'critical', 'incomplete'])
		.describe(
			'critical > incomplete > warning > ok. ok: every applicable check ran on complete data and found nothing at warning or above; incomplete: something applicable could not be checked (see coverage)',
		),
	headline: z
		.string()
		.describe('The verdict line as the text report prints it, naming what is missing'),
	backend: z
		.object({
			name: z
				.enum(['ml2/ovs', 'ml2/ovn', 'tungstenfabric', 'unknown', 'conflicting'])
				.describe('The Neutron backend the capture set shows'),
			summary: z.string().describe('The backend and the evidence for it, in one line'),
			clues: z.array(
				z.object({
					source: z.enum(['OpenStackDeployment', 'agent list', 'node', 'OVN DB']),
					backend: z.enum(['ml2/ovs', 'ml2/ovn', 'tungstenfabric', 'unknown']),
					detail: z.string(),
					node: z.string().optional(),
					capture: z.string().optional(),
				}),
			),
		})
		.optional()
		.describe('Which Neutron backend (spec:features:neutron:backend, agents, nodes) and why'),
	schema: z.literal(FINDINGS_SCHEMA_ID),
	schemaVersion: z.literal(FINDINGS_SCHEMA_VERSION),
	tool: z.object({name: z.literal('dvrscope'), version: z.string()}),
	captureSet: z.object({
		path: z.string().optional(),
		description: z.string().optional(),
		source: z.string(),
		createdAt: z.string(),
		nodes: z.array(z.string()),
		captures: z.number().int().nonnegative(),
	}),
	exitCode: z
		.union([z.literal(0), z.literal(1), z.literal(2), z.literal(4)])
		.describe('0 ok, 1 warning, 2 critical, 4 incomplete'),
	coverage: z.object({
		complete: z.boolean(),
		gaps: z.array(coverageGapSchema),
	}),
	summary: z.object({
		critical: z.number().int().nonnegative(),
		warning: z.number().int().nonnegative(),
		info: z.number().int().nonnegative(),
		rules: z.object({
			pass: z.number().int().nonnegative(),
			fail: z.number().int().nonnegative(),
			skipped: z.number().int().nonnegative(),
			error: z.number().int().nonnegative(),
		}),
	}),
	findings: z.array(findingSchema),
	rules: z.array(ruleResultSchema),
	captureErrors: z.array(
		z.object({
			capture: z.string(),
			node: z.string().optional(),
			message: z.string(),
			warnings: z
				.array(z.object({line: z.number(), message: z.string(), text: z.string().optional()}))
				.optional(),
		}),
	),
});

export type FindingsReport = z.infer<typeof findingsReportSchema>;

/** The JSON Schema (draft 2020-12) published as docs/findings-schema.json. */
export function findingsJsonSchema(): unknown {
	return {
		$id: 'https://dvrscope.invalid/schemas/findings-v2.json',
		title: 'dvrscope diagnose --json output, schema version 2',
		...(z.toJSONSchema(findingsReportSchema) as Record<string, unknown>),
	};
}
