import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {renderConsole} from '../helpers/console.js';

afterEach(() => {
	cleanup();
});

describe('Header: the Neutron backend (issue 15)', () => {
	it.each([
		['ml2/ovn', 'ml2/ovn'],
		['tungstenfabric', 'tungstenfabric'],
		['conflicting', 'backend in doubt'],
	])(
		'Given a diagnosis on %s, then the header names it next to the source tag',
		async (backend, shown) => {
			const ui = renderConsole();
			await ui.waitForFrame(s => s.includes('SAMPLE INCIDENT'));
			const diagnosis = ui.store.getState().diagnosis;
			if (diagnosis === undefined) throw new Error('the sample has no diagnosis');
			ui.store.setState({diagnosis: {...diagnosis, backend: {backend, summary: 'test'}}});
			const frame = await ui.waitForFrame(s => s.includes(`SAMPLE INCIDENT  ${shown}`));
			expect(frame.split('\n')[0]).toContain(shown);
		},
	);
});
