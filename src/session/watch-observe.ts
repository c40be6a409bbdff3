/**
 * What watch compares between rounds, and the timeline rows of a round: verdict and finding
 * transitions, holder changes, qrouter entries that changed or went STALE (same value, now wrong),
 * keepalived / L3-HA flips per member (read from L3-HA state files, or *inferred* from a holder
 * change when keepalived runs where dvrscope cannot see it, e.g. inside a tenant's guest). Pure.
 */
import type {NodeId} from '../model/ids.js';
import type {Snapshot} from '../model/snapshot.js';
import type {WatchLevel, WatchRow, WatchVerdict} from '../model/watch.js';
import type {Diagnosis} from '../diagnostics/index.js';
import {getModel, OWNER_SOURCE_TEXT, type Vip} from '../diagnostics/model.js';
import {normalizeMac} from '../diagnostics/net.js';

export type HolderObs = {
	readonly mac: string;
	/** Who carries that MAC (`port vm1-port (…)`), or the MAC again when nobody is known. */
	readonly who: string;
	readonly source: string;
	readonly detail: string;
	readonly node?: NodeId;
	/** True when the VIP was seen on an interface or in an L3-HA state file (not worked out). */
	readonly direct: boolean;
};

export type EntryObs = {
	readonly node: NodeId;
	readonly namespace: string;
	readonly mac?: string;
	readonly states: string;
	readonly who?: string;
};

export type VipObs = {
	readonly holder?: HolderObs;
	/** qrouter entries for the VIP on every node carrying its routers, by `node|namespace`. */
	readonly entries: ReadonlyMap<string, EntryObs>;
};

export type FindingObs = {
	readonly severity: string;
	readonly ruleId: string;
	readonly title: string;
	readonly vip?: string;
};

export type Observations = {
	readonly verdict: WatchVerdict;
	readonly critical: number;
	readonly warning: number;
	readonly headline: string;
	readonly findings: ReadonlyMap<string, FindingObs>;
	readonly vips: ReadonlyMap<string, VipObs>;
	/** L3-HA router states by `node|router`. */
	readonly ha: ReadonlyMap<
		string,
		{readonly node: NodeId; readonly router: string; readonly state: string}
	>;
	/** Nodes not read this round → why. */
	readonly unread: ReadonlyMap<NodeId, string>;
};

const findingKey = (f: {
	ruleId: string;
	vip?: string;
	router?: string;
	nodes: readonly string[];
	messageId: string;
}): string =>
	// not the nodes: a finding whose node list changes (a node not read) is the same finding
	[f.ruleId, f.messageId, f.vip ?? '', f.router ?? ''].join('|');

/** A member's short name for a timeline row: its port name (or id), amphora, or node label. */
function memberName(vip: Vip, mac: string): string | undefined {
	const names = vip.carriers
		.filter(c => normalizeMac(c.mac) === mac)
		.map(c =>
			c.amphora !== undefined
				? `amphora ${c.amphora.id.slice(0, 8)}`
				: c.port.name !== undefined && c.port.name !== ''
					? c.port.name
					: c.port.id.slice(0, 8),
		);
	if (names.length === 0)
		for (const p of vip.vipPorts)
			if (normalizeMac(p.mac) === mac) names.push(`VIP port ${p.name ?? p.id.slice(0, 8)}`);
	if (names.length === 0)
		names.push(...vip.nodeCarriers.filter(c => normalizeMac(c.mac) === mac).map(c => c.label));
	return names.length > 0 ? names.join('/') : undefined;
}

function holderOf(vip: Vip): HolderObs | undefined {
	const owner = vip.owner;
	if (owner === undefined || owner.configuredOnly) return undefined;
	const mac = normalizeMac(owner.mac);
	return {
		mac,
		who: memberName(vip, mac) ?? mac,
		source: OWNER_SOURCE_TEXT[owner.source],
		detail: owner.observation.detail,
		...(owner.observation.node === undefined ? {} : {node: owner.observation.node}),
		direct: owner.source === 'interface' || owner.source === 'ha-state',
	};
}

/** Observe a round's snapshot and diagnosis. */
export function observe(
	snapshot: Snapshot,
	diagnosis: Pick<Diagnosis, 'verdict' | 'summary' | 'findings'> & {readonly headline: string},
	unread: ReadonlyMap<NodeId, string>,
): Observations {
	const model = getModel(snapshot);
	const vips = new Map<string, VipObs>();
	for (const vip of model.vips) {
		const entries = new Map<string, EntryObs>();
		for (const router of vip.routers)
			for (const node of router.qrouterNodes) {
				const namespace = `qrouter-${router.id}`;
				const found = model.neigh(node, namespace).find(o => o.entry.dst === vip.ip);
				const mac =
					found?.entry.lladdr === undefined ? undefined : normalizeMac(found.entry.lladdr);
				const who = mac === undefined ? undefined : memberName(vip, mac);
				entries.set(`${node}|${namespace}`, {
					node,
					namespace,
					...(mac === undefined ? {} : {mac}),
					states: found === undefined ? 'no entry' : found.entry.states.join(','),
					...(who === undefined ? {} : {who}),
				});
			}
		const holder = holderOf(vip);
		vips.set(vip.ip, {...(holder === undefined ? {} : {holder}), entries});
	}
	const ha = new Map<string, {node: NodeId; router: string; state: string}>();
	for (const router of model.haRouters)
		for (const s of router.states)
			ha.set(`${s.node}|${router.router}`, {node: s.node, router: router.router, state: s.state});
	const findings = new Map<string, FindingObs>();
	for (const f of diagnosis.findings)
		if (f.severity !== 'info')
			findings.set(findingKey(f), {
				severity: f.severity,
				ruleId: f.ruleId,
				title: f.title,
				...(f.vip === undefined ? {} : {vip: f.vip}),
			});
	return {
		verdict: diagnosis.verdict,
		critical: diagnosis.summary.critical,
		warning: diagnosis.summary.warning,
		headline: diagnosis.headline,
		findings,
		vips,
		ha,
		unread,
	};
}

/** What the diff needs besides the two observations. */
export type DiffContext = {
	readonly round: number;
	/** When the round's data was read on a node (falls back to `roundAt`). */
	readonly readAt: (node: NodeId | undefined) => string;
	/** The round's time (verdict and finding rows). */
	readonly roundAt: string;
	/** Since when each VIP is held by its current holder (kept by the caller across rounds). */
	readonly holderSince: Map<string, {readonly mac: string; readonly at: string}>;
};

const hhmmss = (iso: string): string => iso.slice(11, 19);
const VERDICT_LEVEL: Readonly<Record<WatchVerdict, WatchLevel>> = {
	ok: 'ok',
	warning: 'warning',
	critical: 'critical',
	incomplete: 'incomplete',
};
const short = (who: string | undefined, mac: string | undefined): string =>
	mac === undefined ? 'no MAC' : who === undefined || who === mac ? mac : `${who} ${mac}`;

/** A row for each finding of `these` that is not in `those`: it appeared, or it cleared. */
function findingRows(
	these: ReadonlyMap<string, FindingObs>,
	those: ReadonlyMap<string, FindingObs>,
	how: 'appeared' | 'cleared',
	base: {readonly round: number; readonly at: string},
): WatchRow[] {
	return [...these]
		.filter(([key]) => !those.has(key))
		.map(([, f]) => ({
			...base,
			kind: 'finding' as const,
			...(f.vip === undefined ? {} : {vip: f.vip}),
			text: `finding ${how}: ${f.severity.toUpperCase()} ${f.ruleId} — ${f.title}`,
			changed: true,
			level: how === 'cleared' ? 'ok' : f.severity === 'critical' ? 'critical' : 'warning',
		}));
}

function verdictRows(
	prev: Observations | undefined,
	next: Observations,
	ctx: DiffContext,
): WatchRow[] {
	const rows: WatchRow[] = [];
	const base = {round: ctx.round, at: ctx.roundAt};
	const counts = `${next.critical} critical, ${next.warning} warning`;
	if (prev === undefined)
		rows.push({
			...base,
			kind: 'baseline',
			text: `verdict ${next.verdict.toUpperCase()} (${counts}) — ${next.headline}`,
			changed: false,
			level: VERDICT_LEVEL[next.verdict],
		});
	else if (prev.verdict !== next.verdict)
		rows.push({
			...base,
			kind: 'verdict',
			text: `verdict ${prev.verdict.toUpperCase()} → ${next.verdict.toUpperCase()} (${counts}) — ${next.headline}`,
			changed: true,
			level: VERDICT_LEVEL[next.verdict],
		});
	for (const [node, why] of next.unread)
		if (prev === undefined || !prev.unread.has(node))
			rows.push({
				...base,
				kind: 'node',
				node,
				text: `${node} not read: ${why} — its data is from an earlier round; the verdict cannot be OK`,
				changed: true,
				level: 'incomplete',
			});
	for (const node of prev?.unread.keys() ?? [])
		if (!next.unread.has(node))
			rows.push({
				...base,
				at: ctx.readAt(node),
				kind: 'node',
				node,
				text: `${node} read again`,
				changed: true,
				level: 'info',
			});
	if (prev !== undefined)
		rows.push(
			...findingRows(next.findings, prev.findings, 'appeared', base),
			...findingRows(prev.findings, next.findings, 'cleared', base),
		);
	return rows;
}

function holderRows(
	vip: string,
	before: VipObs | undefined,
	now: VipObs,
	ctx: DiffContext,
	first: boolean,
): WatchRow[] {
	const rows: WatchRow[] = [];
	const h = now.holder;
	const old = before?.holder;
	const at = ctx.readAt(h?.node ?? old?.node);
	const base = {round: ctx.round, at, vip};
	if (first) {
		rows.push({
			...base,
			kind: 'baseline',
			text:
				h === undefined
					? 'holder unknown'
					: `held by ${short(h.who, h.mac)} — ${h.source}: ${h.detail}`,
			changed: false,
			level: 'info',
		});
		if (h !== undefined) ctx.holderSince.set(vip, {mac: h.mac, at});
		return rows;
	}
	if (h?.mac === old?.mac) return rows;
	rows.push({
		...base,
		kind: 'holder',
		text: `holder ${old === undefined ? 'unknown' : short(old.who, old.mac)} ⇒ ${h === undefined ? 'unknown' : `${short(h.who, h.mac)} — ${h.source}: ${h.detail}`}`,
		changed: true,
		level: 'warning',
	});
	if (h === undefined) {
		ctx.holderSince.delete(vip);
		return rows;
	}
	ctx.holderSince.set(vip, {mac: h.mac, at});
	// keepalived's own state is read only for L3-HA routers (state files); a tenant's keepalived
	// runs in the guest, so its flip is worked out from the holder change and says so.
	const how = h.direct ? `seen: ${h.detail}` : `inferred from the holder change: ${h.detail}`;
	rows.push({
		...base,
		kind: 'keepalived',
		text: `${h.who} BACKUP→MASTER (${how})`,
		changed: true,
		level: 'info',
		...(h.direct ? {} : {inferred: true}),
	});
	if (old !== undefined)
		rows.push({
			...base,
			kind: 'keepalived',
			text: `${old.who} MASTER→BACKUP/gone (${h.direct ? 'seen' : 'inferred'}: no longer holds the VIP)`,
			changed: true,
			level: 'info',
			...(h.direct ? {} : {inferred: true}),
		});
	return rows;
}

function entryRows(
	unread: ReadonlyMap<NodeId, string>,
	vip: string,
	before: VipObs | undefined,
	now: VipObs,
	ctx: DiffContext,
	first: boolean,
): WatchRow[] {
	const rows: WatchRow[] = [];
	const h = now.holder;
	const since = ctx.holderSince.get(vip);
	const holderMoved = !first && before?.holder?.mac !== h?.mac;
	for (const [key, e] of now.entries) {
		const old = before?.entries.get(key);
		const base = {
			round: ctx.round,
			at: ctx.readAt(e.node),
			vip,
			node: e.node,
			namespace: e.namespace,
			kind: 'entry' as const,
		};
		const wrong = h !== undefined && e.mac !== undefined && e.mac !== h.mac;
		const value = `${short(e.who, e.mac)} ${e.states}`;
		const staleText = (): string =>
			`STALE → ${short(e.who, e.mac)} (old master); VIP held by ${short(h?.who, h?.mac)}${since === undefined ? '' : ` since ${hhmmss(since.at)}`}`;
		if (first || old === undefined) {
			rows.push({
				...base,
				text: `${first ? '' : 'appeared: '}${wrong ? staleText() : value}`,
				changed: !first,
				level: wrong ? 'critical' : 'info',
				...(wrong ? {stale: true} : {}),
			});
			continue;
		}
		if (old.mac !== e.mac || old.states !== e.states) {
			rows.push({
				...base,
				text: `now ${value} (was ${short(old.who, old.mac)} ${old.states})${wrong ? ` — still not the holder ${short(h.who, h.mac)}` : ''}`,
				changed: true,
				level: wrong ? 'critical' : 'ok',
				...(wrong ? {stale: true} : {}),
			});
		} else if (holderMoved && wrong) {
			rows.push({...base, text: staleText(), changed: true, level: 'critical', stale: true});
		} else if (holderMoved && !wrong && h !== undefined) {
			rows.push({
				...base,
				text: `${value} — points at the holder again`,
				changed: true,
				level: 'ok',
			});
		}
	}
	for (const [key, e] of before?.entries ?? new Map<string, EntryObs>())
		// an entry of a node not read this round is not gone: it was not seen
		if (!now.entries.has(key) && !unread.has(e.node))
			rows.push({
				round: ctx.round,
				at: ctx.readAt(e.node),
				vip,
				node: e.node,
				namespace: e.namespace,
				kind: 'entry',
				text: `gone: ${short(e.who, e.mac)} ${e.states}`,
				changed: true,
				level: 'warning',
			});
	return rows;
}

function haRows(prev: Observations | undefined, next: Observations, ctx: DiffContext): WatchRow[] {
	const rows: WatchRow[] = [];
	if (prev === undefined) return rows;
	for (const [key, s] of next.ha) {
		const old = prev.ha.get(key);
		if (old?.state === s.state) continue;
		rows.push({
			round: ctx.round,
			at: ctx.readAt(s.node),
			node: s.node,
			kind: 'keepalived',
			text: `L3-HA router ${s.router.slice(0, 8)} on ${s.node}: ${(old?.state ?? 'absent').toUpperCase()}→${s.state.toUpperCase()}`,
			changed: true,
			level: 'info',
		});
	}
	for (const [key, s] of prev.ha)
		if (!next.ha.has(key))
			rows.push({
				round: ctx.round,
				at: ctx.readAt(s.node),
				node: s.node,
				kind: 'keepalived',
				text: `L3-HA router ${s.router.slice(0, 8)} on ${s.node}: ${s.state.toUpperCase()}→gone`,
				changed: true,
				level: 'info',
			});
	return rows;
}

/** The timeline rows of one round (`prev` undefined: the baseline). */
export function diffRound(
	prev: Observations | undefined,
	next: Observations,
	ctx: DiffContext,
): WatchRow[] {
	const rows = verdictRows(prev, next, ctx);
	for (const [vip, now] of next.vips) {
		const before = prev?.vips.get(vip);
		const first = prev === undefined || before === undefined;
		// holder rows first: they record since when the new holder holds the VIP, which STALE rows name
		const holder = holderRows(vip, before, now, ctx, first);
		rows.push(...holder, ...entryRows(next.unread, vip, before, now, ctx, first));
	}
	rows.push(...haRows(prev, next, ctx));
	return rows;
}
