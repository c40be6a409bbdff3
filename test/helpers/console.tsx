import {vi} from 'vitest';
import {App} from '../../src/ui/App.js';
import {createAppStore, type AppInit, type AppStore} from '../../src/state/store.js';
import type {SessionActions} from '../../src/ui/context.js';
import {themes} from '../../src/ui/theme.js';
import type {Snapshot} from '../../src/model/snapshot.js';
import type {CaptureSet} from '../../src/model/capture.js';
import type {NodeFacts} from '../../src/model/snapshot.js';
import {ovsFlowsParser} from '../../src/collectors/parsers/ovs-flows.js';
import {ovsOfctlShowParser} from '../../src/collectors/parsers/ovs-ofctl-show.js';
import {analyseIncident, makeIncidentSet} from './incident.js';
import {renderTui} from './render.js';

/** A fake SessionController: every action is a vi.fn() (named as a fake). */
export function fakeController(
	overrides: Partial<SessionActions> = {},
): SessionActions & {[K in keyof SessionActions]: ReturnType<typeof vi.fn>} {
	return {
		recollect: vi.fn(),
		cancel: vi.fn(() => false),
		toggleWatch: vi.fn(),
		exportBundle: vi.fn(),
		isBusy: vi.fn(() => false),
		dispose: vi.fn(),
		...overrides,
	} as never;
}

/**
 * Make sure the snapshot has br-tun flows even while the OVS parsers are not yet in the parser
 * registry: parse the flow captures with the real ovs-flows parser and file them.
 */
export function ensureFlows(snapshot: Snapshot, set: CaptureSet): Snapshot {
	const nodes: Record<string, {node: Snapshot['nodes'][string]['node']; facts: NodeFacts}> = {
		...snapshot.nodes,
	};
	// ofctl-show first so port names are there when flows are indexed.
	const ordered = [...set.captures].sort(
		(a, b) => (a.kind === 'ovs-ofctl-show' ? -1 : 0) - (b.kind === 'ovs-ofctl-show' ? -1 : 0),
	);
	for (const c of ordered) {
		if (c.node === undefined) continue;
		const existing = nodes[c.node];
		if (existing === undefined) continue;
		const bridge = c.params?.bridge ?? 'br-tun';
		if (c.kind === 'ovs-ofctl-show' && existing.facts.ofports?.[bridge] === undefined) {
			nodes[c.node] = {
				...existing,
				facts: {
					...existing.facts,
					ofports: {
						...existing.facts.ofports,
						[bridge]: {
							capture: c.id,
							lineOffset: 0,
							data: ovsOfctlShowParser.parse(c.stdout).facts,
						},
					},
				},
			};
			continue;
		}
		if (c.kind !== 'ovs-flows') continue;
		if (existing.facts.flows?.[bridge] !== undefined) continue;
		nodes[c.node] = {
			...existing,
			facts: {
				...existing.facts,
				flows: {
					...existing.facts.flows,
					[bridge]: {capture: c.id, lineOffset: 0, data: ovsFlowsParser.parse(c.stdout).facts},
				},
			},
		};
	}
	return {...snapshot, nodes};
}

/** The incident loaded in a real store, rendered in the real App with a fake controller. */
export function renderConsole(init: Partial<AppInit> = {}, size = {columns: 100, rows: 30}) {
	const set = makeIncidentSet();
	const analysed = analyseIncident(set);
	const snapshot = ensureFlows(analysed.snapshot, set);
	const store: AppStore = createAppStore({
		source: {
			kind: 'sample',
			location: 'test/helpers/incident.ts',
			description: set.manifest.description ?? '',
		},
		snapshot,
		diagnosis: analysed.diagnosis,
		...init,
	});
	store.getState().setData(snapshot, analysed.diagnosis);
	const controller = fakeController();
	const ui = renderTui(
		<App store={store} controller={controller} theme={themes.plain} size={size} />,
	);
	return {...ui, store, controller, snapshot, set};
}
