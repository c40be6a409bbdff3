/**
 * The `:ovn` screen (ml2/ovn in place of the qrouter neighbours) on the recorded OVN scenario sets:
 * the virtual VIP port, the SB binding OVN believes, each member's port_security and MAC_Binding,
 * rows the findings quote marked in text; Enter opens the NB/SB line.
 */
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {App} from '../../src/ui/App.js';
import {createAppStore} from '../../src/state/store.js';
import {selectTop} from '../../src/state/selectors.js';
import {themes} from '../../src/ui/theme.js';
import {readCaptureSet} from '../../src/bundle/capture-set.js';
import {analyseIncident} from '../helpers/incident.js';
import {fakeController} from '../helpers/console.js';
import {keys, renderTui} from '../helpers/render.js';

afterEach(() => cleanup());

async function renderScenario(name: string) {
	const set = await readCaptureSet(path.join(import.meta.dirname, '..', 'scenarios', name));
	const {snapshot, diagnosis} = analyseIncident(set);
	const store = createAppStore({
		source: {kind: 'sample', location: name, description: name},
		snapshot,
		diagnosis,
	});
	store.getState().setData(snapshot, diagnosis);
	const ui = renderTui(
		<App
			store={store}
			controller={fakeController()}
			theme={themes.plain}
			size={{columns: 160, rows: 30}}
		/>,
	);
	await ui.press(':');
	await ui.type('ovn');
	await ui.press(keys.enter);
	return {...ui, store};
}

describe('OVN screen', () => {
	it('Given the stale OVN failover set, then the VIP port, the stale SB binding (marked) and each member are listed, and Enter opens the SB line', async () => {
		const ui = await renderScenario('ovn-failover-stale');
		const frame = await ui.waitForFrame(
			s => s.includes('OVN (ml2/ovn)') && s.includes('SB BINDING'),
		);
		expect(frame).toMatch(
			/10\.0\.0\.100 +VIP PORT +vip \(\w+\) +type virtual; virtual-ip 10\.0\.0\.100; virtual-parents vm1 \(\w+\), vm2 \(\w+\)/,
		);
		expect(frame).toMatch(/✗ CRITICAL +10\.0\.0\.100 +SB BINDING +parent vm1 \(\w+\)/);
		expect(frame).toMatch(/MEMBER +vm2 \(\w+\) +port_security allows 10\.0\.0\.100/);
		expect(frame).toMatch(/MAC_BINDING/);
		await ui.press('/');
		await ui.type('SB BINDING');
		await ui.press(keys.enter, keys.enter);
		const top = selectTop(ui.store.getState()).view;
		expect(top).toMatchObject({kind: 'capture'});
		expect(JSON.stringify(top)).toMatch(/ovn\.sb/);
	});

	it('Given an ml2/ovs capture set, then the screen says there is no OVN data', async () => {
		const ui = await renderScenario('lab-failover');
		expect(await ui.waitForFrame(s => s.includes('OVN (ml2/ovn)'))).toContain(
			'No OVN NB and SB read',
		);
	});
});
