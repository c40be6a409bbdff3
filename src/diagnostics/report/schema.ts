import {z} from 'zod';

/**
 * The JSON output of `dvrscope diagnose --json`, versioned. docs/findings-schema.json is generated
 * from this schema (a test keeps them equal). Bump FINDINGS_SCHEMA_VERSION on any breaking change.
 */
export const FINDINGS_SCHEMA_ID = 'dvrscope.findings';
export const FINDINGS_SCHEMA_VERSION = 1;

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
	docs: z.string().describe('Path of the rule documentation page'),
});

export const ruleResultSchema = z.object({
	ruleId: z.string(),
	title: z.string(),
	status: z.enum(['pass', 'fail', 'skipped', 'error']),
	findings: z.number().int().nonnegative(),
	missing: z.array(z.string()).optional().describe('Facts that were absent (skipped rules)'),
	needs: z.array(z.string()).optional().describe('Captures that would provide them'),
	error: z.string().optional().describe('Crash message (error status)'),
});

export const findingsReportSchema = z.object({
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
	verdict: z.enum(['ok', 'warning', 'critical']),
	exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
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
		$id: 'https://dvrscope.invalid/schemas/findings-v1.json',
		title: 'dvrscope diagnose --json output, schema version 1',
		...(z.toJSONSchema(findingsReportSchema) as Record<string, unknown>),
	};
}
