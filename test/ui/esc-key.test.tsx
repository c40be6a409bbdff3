import {afterEach, describe, expect, it} from 'vitest';
import {cleanup} from 'ink-testing-library';
import {keys} from '../helpers/render.js';
import {renderConsole} from '../helpers/console.js';
import {selectTop} from '../../src/state/selectors.js';
import {splitEscPrefixed, splitInputEvent} from '../../src/ui/keymap.js';
import {VIP} from '../helpers/incident.js';

afterEach(() => {
	cleanup();
});

const ESC = '\u001B';

describe('splitEscPrefixed', () => {
	it.each([
		[`${ESC}:`, [ESC, ':']],
		[`${ESC}j`, [ESC, 'j']],
		[`${ESC}G`, [ESC, 'G']],
		[`${ESC}\r`, [ESC, '\r']],
		[`${ESC}${ESC}`, [ESC, ESC]],
		[`${ESC}${ESC}[A`, [ESC, `${ESC}[A`]],
	] as const)('%j is Esc then a key', (sequence, expected) => {
		expect(splitEscPrefixed(sequence)).toEqual(expected);
	});

	it.each([ESC, `${ESC}[A`, `${ESC}[6~`, `${ESC}OA`, 'j', ':', ''])('%j is one key', sequence => {
		expect(splitEscPrefixed(sequence)).toBeUndefined();
	});
});

describe('splitInputEvent', () => {
	it.each([
		['vip 10.0.0.100\r', ['vip 10.0.0.100', '\r']],
		['\rj', ['\r', 'j']],
		['a\rb\r', ['a', '\rb\r']],
		[`${ESC}:`, [ESC, ':']],
	] as const)('%j is split into %j', (sequence, expected) => {
		expect(splitInputEvent(sequence)).toEqual(expected);
	});

	it.each(['\r', 'vip 10.0.0.100', `${ESC}[A`, ESC])('%j is one event', sequence => {
		expect(splitInputEvent(sequence)).toBeUndefined();
	});

	it.each([
		[':flows', [':', 'flows']],
		['jj', ['j', 'j']],
		['\u{1F600}x', ['\u{1F600}', 'x']],
		['k\r', ['k', '\r']],
	] as const)('outside text input, %j is split into %j', (sequence, expected) => {
		expect(splitInputEvent(sequence, false)).toEqual(expected);
	});

	it.each(['j', ':', '\u{1F600}', `${ESC}[A`])('outside text input, %j is one key', sequence => {
		expect(splitInputEvent(sequence, false)).toBeUndefined();
	});
});

describe('several keys in one stdin chunk outside text input (tmux send-keys, a paste)', () => {
	it('opens command mode with the first and types the rest into it', async () => {
		// Given the overview
		const ui = renderConsole();
		// When ":flows" and Enter arrive in one chunk
		await ui.press(':flows\r');
		// Then the flows screen is open (the ":" was not lost in a multi-character key)
		await ui.waitForFrame(() => selectTop(ui.store.getState()).view.kind === 'flows');
		expect(ui.store.getState().ui.mode).toBe('normal');
	});
});

describe('text with Enter in one stdin chunk (a paste, tmux send-keys)', () => {
	it('runs the command line, then the key after the Enter', async () => {
		// Given command mode
		const ui = renderConsole();
		await ui.press(':');
		// When the rest of the line, Enter and j arrive in one chunk
		await ui.press(`vip ${VIP}\rj`);
		// Then the VIP table is open and j moved its cursor
		await ui.waitForFrame(() => selectTop(ui.store.getState()).cursor === 1);
		expect(selectTop(ui.store.getState()).view).toEqual({kind: 'vip', vip: VIP});
		expect(ui.store.getState().ui.mode).toBe('normal');
	});
});

describe('Esc followed quickly by a key (one stdin chunk)', () => {
	/** The console on the findings list with the first finding (row 1) opened. */
	const onFindingFromList = async () => {
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('findings');
		await ui.press(keys.enter);
		await ui.waitForFrame(s => s.includes('── VIP 10.0.0.100'));
		await ui.press('j', keys.enter);
		expect(selectTop(ui.store.getState()).view.kind).toBe('finding');
		return ui;
	};

	it('Esc+: goes back and then opens command mode', async () => {
		// Given a finding opened from the findings list
		const ui = await onFindingFromList();
		// When Esc and : arrive in one chunk
		await ui.press(`${ESC}:`);
		// Then back on the findings list, in command mode with an empty line
		await ui.waitForFrame(() => ui.store.getState().ui.mode === 'command');
		expect(selectTop(ui.store.getState()).view.kind).toBe('findings');
		expect(ui.store.getState().ui.input).toBe('');
		// And the command typed next runs
		await ui.type('log');
		await ui.press(keys.enter);
		expect(selectTop(ui.store.getState()).view.kind).toBe('log');
	});

	it('Esc+j goes back and moves the cursor on the screen it went back to', async () => {
		// Given a finding opened from row 1 of the findings list
		const ui = await onFindingFromList();
		// When
		await ui.press(`${ESC}j`);
		// Then the findings list's cursor moved from 1 to 2
		await ui.waitForFrame(() => selectTop(ui.store.getState()).cursor === 2);
		expect(selectTop(ui.store.getState()).view.kind).toBe('findings');
	});

	it('Esc+: while typing a command cancels it and starts a new one', async () => {
		// Given a half-typed command
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('fi');
		expect(ui.store.getState().ui.input).toBe('fi');
		// When
		await ui.press(`${ESC}:`);
		// Then a fresh command line, not "fi:"
		await ui.waitForFrame(() => ui.store.getState().ui.input === '');
		expect(ui.store.getState().ui.mode).toBe('command');
	});

	it('Esc+j while typing a filter cancels it and moves the cursor', async () => {
		// Given the findings list with a half-typed filter
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('findings');
		await ui.press(keys.enter);
		await ui.waitForFrame(s => s.includes('── VIP 10.0.0.100'));
		await ui.press('/');
		await ui.type('crit');
		// When
		await ui.press(`${ESC}j`);
		// Then out of filter mode, the filter not applied, the cursor one row down
		await ui.waitForFrame(() => selectTop(ui.store.getState()).cursor === 1);
		expect(ui.store.getState().ui.mode).toBe('normal');
		expect(selectTop(ui.store.getState())).toMatchObject({view: {kind: 'findings'}, filter: ''});
	});

	it('Esc Esc in one chunk goes back twice; Esc with ↓ is back, then down', async () => {
		// Given finding → capture, opened from the findings list
		const ui = await onFindingFromList();
		await ui.waitForFrame(s => s.includes('Evidence ('));
		await ui.press(keys.enter);
		expect(selectTop(ui.store.getState()).view.kind).toBe('capture');
		// When
		await ui.press(`${ESC}${ESC}`);
		// Then
		await ui.waitForFrame(() => selectTop(ui.store.getState()).view.kind === 'findings');
		expect(ui.store.getState().ui.stack).toHaveLength(2);
		// When Esc and ↓ arrive together on the findings list: back to the overview, ↓ there
		const overviewCursor = ui.store.getState().ui.stack[0]?.cursor ?? 0;
		await ui.press(`${ESC}${keys.down}`);
		await ui.waitForFrame(() => ui.store.getState().ui.stack.length === 1);
		await ui.waitForFrame(() => selectTop(ui.store.getState()).cursor === overviewCursor + 1);
	});

	it('arrow keys are not taken for Esc + key', async () => {
		// Given the findings list
		const ui = renderConsole();
		await ui.press(':');
		await ui.type('findings');
		await ui.press(keys.enter);
		await ui.waitForFrame(s => s.includes('── VIP 10.0.0.100'));
		// When ↓ ↓ ↑
		await ui.press(keys.down, keys.down, keys.up);
		// Then still on the list, cursor 1
		expect(selectTop(ui.store.getState())).toMatchObject({view: {kind: 'findings'}, cursor: 1});
	});
});
