import {describe, expect, it} from 'vitest';
import {LocalTransport} from '../../src/transport/local.js';

const signal = () => new AbortController().signal;

describe('LocalTransport (real processes via execa)', () => {
	const t = new LocalTransport({id: 'local'});

	it('returns a non-zero exit as data with stdout and stderr', async () => {
		const result = await t.exec(
			{argv: ['sh', '-c', 'echo o; echo e >&2; exit 4']},
			{signal: signal()},
		);
		expect(result).toMatchObject({stdout: 'o\n', stderr: 'e\n', exitCode: 4});
		expect(result.failure).toBeUndefined();
	});

	it('names a missing program as a spawn failure', async () => {
		const result = await t.exec({argv: ['dvrscope-no-such-program']}, {signal: signal()});
		expect(result.failure?.kind).toBe('spawn');
	});

	it('times out', async () => {
		const result = await t.exec({argv: ['sleep', '20'], timeoutMs: 200}, {signal: signal()});
		expect(result.failure?.kind).toBe('timeout');
	});

	it('cancels on abort', async () => {
		const controller = new AbortController();
		const pending = t.exec({argv: ['sleep', '20']}, {signal: controller.signal});
		setTimeout(() => controller.abort(), 100);
		expect((await pending).failure?.kind).toBe('cancelled');
	});
});
