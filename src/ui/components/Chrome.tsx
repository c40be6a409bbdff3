import {Box} from 'ink';
import {T} from './T.js';
import type {ReactNode} from 'react';
import type {Theme} from '../theme.js';
import type {Flash, InputMode, PersistentError, SourceInfo} from '../../state/store.js';
import {bindings, keyLabel, type Binding} from '../keymap.js';
import type {ViewKind} from '../../state/store.js';
import {textWidth, trunc} from '../text.js';

/** `overview › flows`, dropping the oldest crumbs (`… › flows`) so the last one stays whole. */
export function crumbPath(crumbs: readonly string[], room: number): string {
	for (let from = 0; from < crumbs.length; from++) {
		const text = `${from > 0 ? '… › ' : ''}${crumbs.slice(from).join(' › ')}`;
		if (textWidth(text) <= room) return text;
	}
	return trunc(crumbs.at(-1) ?? '', room);
}

/** Line 1: what is loaded, honestly (SAMPLE INCIDENT / LIVE / SAVED) and where it came from. */
/** `ml2/ovn`, `ml2/ovs`, `backend ?` (not determined), `backend in doubt` (conflicting). */
export const backendTag = (backend: string): string =>
	backend === 'unknown' ? 'backend ?' : backend === 'conflicting' ? 'backend in doubt' : backend;

export function Header({
	source,
	createdAt,
	theme,
	width,
	backend,
}: {
	readonly source: SourceInfo | undefined;
	readonly createdAt?: string | undefined;
	/** The Neutron backend of the diagnosis (`ml2/ovn` …), shown next to the source tag. */
	readonly backend?: string | undefined;
	readonly theme: Theme;
	readonly width: number;
}): ReactNode {
	if (source === undefined)
		return (
			<T bold wrap="truncate">
				dvrscope · nothing loaded
			</T>
		);
	const tag =
		source.kind === 'sample'
			? 'SAMPLE INCIDENT'
			: source.kind === 'live'
				? 'LIVE'
				: source.kind === 'bundle'
					? 'BUNDLE'
					: 'SAVED';
	// Where it comes from first (it must survive truncation at 80 columns), then what it is.
	const detail =
		source.kind === 'sample'
			? `${source.location}${source.note === undefined ? '' : ` (${source.note})`} — ${source.description ?? 'built-in sample'}`
			: `${source.location}${createdAt === undefined ? '' : ` · captured ${createdAt.replace('T', ' ').slice(0, 16)}Z`}${source.description === undefined ? '' : ` · ${source.description}`}${source.note === undefined ? '' : ` [${source.note}]`}`;
	return (
		<T wrap="truncate">
			<T bold>dvrscope </T>
			<T bold inverse color={source.kind === 'sample' ? theme.sample : theme.header}>
				{` ${tag} `}
			</T>
			{backend !== undefined ? <T bold>{` ${backendTag(backend)}`}</T> : null}
			<T>
				{' '}
				{trunc(
					detail,
					Math.max(
						10,
						width - tag.length - 12 - (backend === undefined ? 0 : backendTag(backend).length + 1),
					),
				)}
			</T>
		</T>
	);
}

/** Line 2: breadcrumbs (Esc pops) and the session's state on the right. */
export function Crumbs({
	crumbs,
	status,
	theme,
	width,
}: {
	readonly crumbs: readonly string[];
	readonly status: string;
	readonly theme: Theme;
	readonly width: number;
}): ReactNode {
	const full = ` ${status} · read-only`;
	// The current screen's name always shows: the status gives way first, then older crumbs.
	const current = crumbs.at(-1) ?? '';
	const right = trunc(full, Math.max(0, width - textWidth(current) - 2));
	const room = Math.max(1, width - textWidth(right) - 1);
	const left = crumbPath(crumbs, room);
	return (
		<Box width={width} justifyContent="space-between">
			<T bold color={theme.accent} wrap="truncate">
				{left}
			</T>
			<T dimColor wrap="truncate">
				{right}
			</T>
		</Box>
	);
}

/** The errors pane: persistent, newest last, until acknowledged with x (never on a timer). */
export function ErrorsPane({
	errors,
	theme,
	width,
	maxLines,
}: {
	readonly errors: readonly PersistentError[];
	readonly theme: Theme;
	readonly width: number;
	readonly maxLines: number;
}): ReactNode {
	if (errors.length === 0) return null;
	const shown = errors.slice(-maxLines);
	return (
		<Box flexDirection="column">
			<T color={theme.bad} bold wrap="truncate">
				{trunc(
					`── ${errors.length} error(s)${errors.length > shown.length ? `, latest ${shown.length}` : ''} · x acknowledges · full list in :log ──`,
					width,
				)}
			</T>
			{shown.map(e => (
				<T key={e.id} color={theme.bad} wrap="truncate">
					{trunc(`${e.at.slice(11, 19)} ${e.source}: ${e.message}`, width)}
				</T>
			))}
		</Box>
	);
}

/** Bottom line: the input being typed, else the flash, else key hints from the bindings table. */
export function Footer({
	mode,
	input,
	inputSelected = false,
	flash,
	view,
	theme,
	width,
	inputNote,
}: {
	readonly mode: InputMode;
	readonly input: string;
	/** The old filter, selected: the next key replaces it. */
	readonly inputSelected?: boolean;
	readonly flash: Flash | undefined;
	readonly view: ViewKind;
	readonly theme: Theme;
	readonly width: number;
	readonly inputNote?: string | undefined;
}): ReactNode {
	if (mode !== 'normal')
		return (
			<T wrap="truncate">
				<T bold color={theme.accent}>
					{mode === 'command' ? ':' : '/'}
				</T>
				{inputSelected ? (
					<T inverse>{input}</T>
				) : (
					<>
						<T>{input}</T>
						<T inverse> </T>
					</>
				)}
				<T dimColor>
					{'  '}
					{inputNote ??
						(mode === 'command'
							? 'Enter runs · Tab completes · Esc cancels'
							: inputSelected
								? 'typing replaces the old filter · Enter keeps · Esc clears'
								: 'filters as you type · Enter keeps · Esc clears')}
				</T>
			</T>
		);
	if (flash !== undefined)
		return (
			<T
				wrap="truncate"
				color={
					flash.level === 'error'
						? theme.bad
						: flash.level === 'warning'
							? theme.warn
							: theme.accent
				}
				bold
			>
				{flash.text}
			</T>
		);
	const hints = (bindings as readonly Binding[])
		.filter(b => b.bar === true && (b.views === undefined || b.views.includes(view)))
		.map(b => `${keyLabel(b.keys[0] ?? '')} ${b.hint}`)
		.join('  ');
	return (
		<T wrap="truncate" dimColor>
			{trunc(`${hints}  j/k move`, width)}
		</T>
	);
}
