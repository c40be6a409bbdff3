import {describe, expect, it} from 'vitest';
import type {SessionEvent} from '../../src/model/events.js';
import {parseInventory} from '../../src/session/inventory.js';
import {
	collectToCaptureSet,
	CollectionAbortedError,
	LiveCollectError,
} from '../../src/session/live.js';

const many = (count: number) =>
	parseInventory(
		`nodes:\n${Array.from({length: count}, (_, i) => `  - {id: n${i}, transport: local}`).join('\n')}\n`,
		'many.yaml',
	);

describe('collectToCaptureSet', () => {
	it('warns before collecting from more than 50 nodes untargeted, and Ctrl-C in the pause runs nothing', async () => {
		// Given 51 nodes and no target
		const events: SessionEvent[] = [];
		const controller = new AbortController();
		// When the user aborts during the pause
		const pending = collectToCaptureSet(
			{inventory: many(51), openstack: 'none', largeCollectionPauseMs: 60_000},
			event => {
				events.push(event);
				if (event.type === 'log') controller.abort();
			},
			controller.signal,
		);
		// Then nothing was collected and the warning said why
		await expect(pending).rejects.toThrow(CollectionAbortedError);
		expect(events).toEqual([
			expect.objectContaining({
				type: 'log',
				level: 'warning',
				message: expect.stringContaining('51 nodes without a target') as string,
			}),
		]);
	});

	it.each([
		[{openstack: 'none' as const}, /give --inventory FILE or --kube-context/],
		[
			{inventory: many(1), target: {kind: 'vip' as const, ip: '10.0.0.1;reboot'}},
			/--vip "10.0.0.1;reboot" does not match/,
		],
	])('refuses bad input with a usage error (%#)', async (options, message) => {
		await expect(
			collectToCaptureSet(options, () => undefined, new AbortController().signal),
		).rejects.toThrow(LiveCollectError);
		await expect(
			collectToCaptureSet(options, () => undefined, new AbortController().signal),
		).rejects.toThrow(message);
	});
});
