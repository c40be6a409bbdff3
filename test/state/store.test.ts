import {describe, expect, it} from 'vitest';
import {cellKey, createAppStore} from '../../src/state/store.js';
import {breadcrumbs, groupFindings, selectTop} from '../../src/state/selectors.js';
import {analyseIncident} from '../helpers/incident.js';
import {diffObservations, observeVips} from '../../src/state/timeline.js';
import type {CaptureMeta} from '../../src/model/capture.js';

const at = '2026-11-26T03:00:00.000Z';
const meta = (id: string, bytes: number, failure?: CaptureMeta['failure']): CaptureMeta => ({
	id,
	scope: 'node',
	node: 'n1',
	argv: ['ovs-ofctl', 'dump-flows', 'br-int'],
	catalogId: 'ovs.flows',
	exitCode: failure === undefined ? 0 : null,
	startedAt: at,
	durationMs: 5,
	stdoutFile: 'f',
	stdoutBytes: bytes,
	stderrBytes: 0,
	...(failure === undefined ? {} : {failure}),
});

describe('collection slice', () => {
	it('folds session events into node × collector cells with bytes, elapsed and the command log', () => {
		// Given a clock we control
		let now = 1000;
		const store = createAppStore({now: () => now});
		const s = () => store.getState();
		// When
		s().applyEvent({
			type: 'collection-started',
			at,
			nodes: [{id: 'n1', roles: ['compute']}],
			concurrency: 4,
		});
		s().applyEvent({type: 'node-started', at, node: 'n1'});
		s().applyEvent({
			type: 'capture-started',
			at,
			node: 'n1',
			captureId: 'a',
			catalogId: 'ovs.flows',
			argv: ['x'],
		});
		s().applyEvent({
			type: 'capture-started',
			at,
			node: 'n1',
			captureId: 'b',
			catalogId: 'ovs.flows',
			argv: ['x'],
		});
		now = 1500;
		s().applyEvent({type: 'capture-done', at, node: 'n1', captureId: 'a', capture: meta('a', 100)});
		// Then still running (b is in flight)
		expect(s().collection.cells[cellKey('n1', 'ovs.flows')]).toMatchObject({
			state: 'running',
			running: 1,
			bytes: 100,
		});
		// When b times out
		now = 2500;
		s().applyEvent({
			type: 'capture-done',
			at,
			node: 'n1',
			captureId: 'b',
			capture: meta('b', 50, {kind: 'timeout', message: '30 s'}),
		});
		// Then
		expect(s().collection.cells[cellKey('n1', 'ovs.flows')]).toMatchObject({
			state: 'timeout',
			running: 0,
			done: 2,
			failed: 1,
			bytes: 150,
			elapsedMs: 1500,
		});
		expect(s().collection.commands.map(c => c.captureId)).toEqual(['a', 'b']);
		expect(s().ui.errors).toHaveLength(1);
		expect(s().ui.errors[0]?.message).toContain('timeout');
		// When the run ends
		s().applyEvent({
			type: 'collection-done',
			at,
			partial: true,
			cancelled: true,
			nodesOk: 1,
			nodesFailed: 0,
			captures: 2,
			durationMs: 1500,
		});
		expect(s().collection.status).toBe('cancelled');
		expect(s().collection.events).toHaveLength(7);
	});

	it('marks a failed node and its running cells, and keeps the error until dismissed', () => {
		const store = createAppStore();
		const s = () => store.getState();
		s().applyEvent({
			type: 'collection-started',
			at,
			nodes: [{id: 'n1', roles: ['compute']}],
			concurrency: 4,
		});
		s().applyEvent({
			type: 'capture-started',
			at,
			node: 'n1',
			captureId: 'a',
			catalogId: 'netns.list',
			argv: ['x'],
		});
		s().applyEvent({
			type: 'node-failed',
			at,
			node: 'n1',
			kind: 'unreachable',
			message: 'no route',
			captures: 0,
		});
		expect(s().collection.nodeProgress['n1']).toMatchObject({
			state: 'failed',
			failure: {kind: 'unreachable'},
		});
		expect(s().collection.cells[cellKey('n1', 'netns.list')]?.state).toBe('failed');
		s().flash('info', 'hello');
		s().clearFlash();
		expect(s().ui.errors).toHaveLength(1);
		s().dismissErrors();
		expect(s().ui.errors).toHaveLength(0);
	});
});

describe('ui slice', () => {
	it('keeps a cursor and filter per stack entry; Esc restores the previous one', () => {
		const store = createAppStore();
		const s = () => store.getState();
		s().pushView({kind: 'findings'});
		s().moveCursor(3, 10);
		s().pushView({kind: 'flows'}, 'table=22');
		expect(selectTop(s())).toMatchObject({view: {kind: 'flows'}, filter: 'table=22', cursor: 0});
		s().moveCursor(100, 5);
		expect(selectTop(s()).cursor).toBe(4);
		s().moveCursor(-100, 5);
		expect(selectTop(s()).cursor).toBe(0);
		expect(breadcrumbs(s().ui.stack)).toEqual(['overview', 'findings', 'flows']);
		s().popView();
		expect(selectTop(s())).toMatchObject({view: {kind: 'findings'}, cursor: 3});
		s().popView();
		s().popView();
		expect(s().ui.stack).toHaveLength(1);
	});

	it('applies a filter as it is typed and clears it on cancel', () => {
		const store = createAppStore({view: {kind: 'flows'}});
		const s = () => store.getState();
		s().startInput('filter');
		s().editInput('arp');
		expect(selectTop(s()).filter).toBe('arp');
		s().cancelInput();
		expect(selectTop(s()).filter).toBe('');
		s().startInput('command');
		s().editInput('log');
		expect(s().commitInput()).toBe('log');
		expect(s().ui.mode).toBe('normal');
	});
});

describe('selectors and timeline', () => {
	it('groups findings by severity then VIP', () => {
		const {diagnosis} = analyseIncident();
		const rows = groupFindings(diagnosis.findings);
		expect(
			rows.map(r => (r.type === 'group' ? `${r.severity}:${r.vip}` : r.finding.ruleId)),
		).toEqual([
			'critical:10.0.0.100',
			'dvr/stale-permanent-arp',
			'warning:10.0.0.100',
			'dvr/vip-at-risk',
		]);
	});

	it('watch diff: baseline, then unchanged qrouter entries listed as "same" and changes flagged', () => {
		const {snapshot, diagnosis} = analyseIncident();
		const obs = observeVips(snapshot, diagnosis.findings);
		const baseline = diffObservations(undefined, obs, 0, at);
		expect(baseline.every(e => e.kind === 'baseline' && !e.changed)).toBe(true);
		const same = diffObservations(obs, obs, 1, at);
		expect(same.filter(e => e.changed)).toEqual([]);
		expect(same.filter(e => e.kind === 'neigh')).toHaveLength(2);
		const moved = new Map(obs);
		const inner = new Map(obs.get('10.0.0.100'));
		inner.set('owner', {kind: 'owner', value: 'owner fa:16:3e:aa:aa:aa'});
		moved.set('10.0.0.100', inner);
		const changed = diffObservations(obs, moved, 2, at).filter(e => e.changed);
		expect(changed).toHaveLength(1);
		expect(changed[0]?.text).toBe('owner fa:16:3e:bb:bb:bb ⇒ owner fa:16:3e:aa:aa:aa');
		// a qrouter entry re-pointed: the new MAC comes first so a narrow terminal still shows it
		const [neighKey, neighObs] = [...inner].find(([, o]) => o.kind === 'neigh') ?? [];
		if (neighKey === undefined || neighObs === undefined) throw new Error('no neigh observation');
		const repointed = new Map(moved);
		const inner2 = new Map(inner);
		inner2.set(neighKey, {...neighObs, value: 'fa:16:3e:cc:cc:cc PERMANENT'});
		repointed.set('10.0.0.100', inner2);
		const neighChange = diffObservations(moved, repointed, 3, at).filter(e => e.changed);
		expect(neighChange).toHaveLength(1);
		expect(neighChange[0]?.text).toBe(
			`now fa:16:3e:cc:cc:cc PERMANENT (was ${neighObs.value}) in ${neighObs.where ?? ''}`,
		);
		expect(neighObs.where).toMatch(/^qrouter-/);
	});
});
