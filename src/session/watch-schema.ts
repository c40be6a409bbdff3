import {z} from 'zod';

/**
 * One line of `dvrscope watch --ndjson` (docs/watch.md). docs/watch-ndjson-schema.json is
 * generated from this schema (test/cli/watch.test.ts keeps them equal and validates real output).
 */
const verdict = z.enum(['ok', 'warning', 'critical', 'incomplete']);
const iso = z.string().describe('ISO 8601 time');

export const watchRoundSchema = z.object({
	type: z.literal('round'),
	round: z.number().int().nonnegative().describe('0 is the first (full) round'),
	kind: z.enum(['full', 'probe']).describe('full: a whole collection; probe: only what moves'),
	startedAt: iso,
	durationMs: z.number().nonnegative(),
	execs: z.number().int().nonnegative().describe('remote executions in this round'),
	bytes: z.number().int().nonnegative().describe('bytes read (stdout + stderr) in this round'),
	verdict,
	critical: z.number().int().nonnegative(),
	warning: z.number().int().nonnegative(),
	headline: z.string().describe('the verdict line as diagnose prints it'),
	readAt: z.record(z.string(), iso).describe('per node: when its data was read in this round'),
	unread: z
		.array(z.object({node: z.string(), reason: z.string()}))
		.describe('nodes that could not be read this round (the verdict is then never OK)'),
	dropped: z.number().int().nonnegative().describe('timeline rows dropped so far (bounded memory)'),
});

export const watchRowSchema = z.object({
	type: z
		.enum(['change', 'transition'])
		.describe('transition: the verdict changed; change: any other timeline row'),
	round: z.number().int().nonnegative(),
	at: iso.describe('when the data of this row was read on its node'),
	kind: z.enum(['verdict', 'finding', 'holder', 'entry', 'keepalived', 'node', 'baseline']),
	vip: z.string().optional(),
	node: z.string().optional(),
	namespace: z.string().optional(),
	text: z.string(),
	changed: z.boolean().describe('false for the first round’s baseline rows'),
	level: z.enum(['critical', 'warning', 'incomplete', 'ok', 'info']),
	stale: z
		.boolean()
		.optional()
		.describe('an entry that points at a MAC that does not hold the VIP (old master)'),
	inferred: z
		.boolean()
		.optional()
		.describe('a keepalived flip worked out from a holder change, not read from keepalived'),
});

export const watchEndSchema = z.object({
	type: z.literal('end'),
	outcome: z.enum(['met', 'deadline', 'interrupted']),
	until: z.enum(['healthy', 'critical', 'change']),
	message: z.string(),
	verdict: verdict.optional(),
	round: z.number().int().nonnegative().optional(),
});

export const watchLineSchema = z.discriminatedUnion('type', [
	watchRoundSchema,
	watchRowSchema,
	watchEndSchema,
]);

export function watchJsonSchema(): unknown {
	return {
		$id: 'https://dvrscope.invalid/schemas/watch-ndjson-v1.json',
		title: 'one line of dvrscope watch --ndjson, schema version 1',
		...(z.toJSONSchema(watchLineSchema) as Record<string, unknown>),
	};
}
