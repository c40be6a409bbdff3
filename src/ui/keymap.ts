import type {Key} from 'ink';
import type {NodeId} from '../model/ids.js';
import type {ViewKind, ViewRef} from '../state/store.js';

/**
 * Keys are data (gemini `Command` + k9s `KeyAction`): this one table drives input handling, the
 * key-hint bar and the `?` help screen, so help can never drift from behaviour.
 */
export type Command =
	| 'cursor.down'
	| 'cursor.up'
	| 'cursor.pageDown'
	| 'cursor.pageUp'
	| 'cursor.top'
	| 'cursor.bottom'
	| 'view.open'
	| 'view.back'
	| 'view.vip'
	| 'view.path'
	| 'filter.start'
	| 'command.start'
	| 'help.open'
	| 'collect.rerun'
	| 'watch.toggle'
	| 'bundle.export'
	| 'errors.dismiss'
	| 'fix.jump'
	| 'fix.copy'
	| 'fix.copyAll'
	| 'fix.scrollLeft'
	| 'fix.scrollRight'
	| 'input.clear'
	| 'input.cancel'
	| 'app.quit'
	| 'app.interrupt';

/** Key names: a printable character, or an Ink key flag (`downArrow`, `return`…), or `ctrl+c`. */
export type KeyName = string;

export type Binding = {
	readonly command: Command;
	readonly keys: readonly KeyName[];
	/** One-word hint for the bottom bar. */
	readonly hint: string;
	/** A sentence for `?`. */
	readonly help: string;
	/** Views where the key does something; absent = everywhere. */
	readonly views?: readonly ViewKind[];
	/** Shown in the hint bar (the rest only in `?`). */
	readonly bar?: boolean;
	/** `input`: the key while typing a filter or a command line (App handles it, not screens). */
	readonly mode?: 'input';
};

const LISTS: readonly ViewKind[] = [
	'overview',
	'findings',
	'finding',
	'capture',
	'vips',
	'vip',
	'flows',
	'neigh',
	'namespaces',
	'keepalived',
	'ovn',
	'path',
	'log',
	'watch',
	'help',
];

export const bindings = [
	{command: 'cursor.down', keys: ['j', 'downArrow'], hint: 'down', help: 'Move down', views: LISTS},
	{command: 'cursor.up', keys: ['k', 'upArrow'], hint: 'up', help: 'Move up', views: LISTS},
	{
		command: 'cursor.pageDown',
		keys: ['pageDown', 'ctrl+d', ' '],
		hint: 'page',
		help: 'Page down',
		views: LISTS,
	},
	{
		command: 'cursor.pageUp',
		keys: ['pageUp', 'ctrl+u'],
		hint: 'page up',
		help: 'Page up (in a list; while typing, Ctrl-U clears the line instead)',
		views: LISTS,
	},
	{
		command: 'cursor.top',
		keys: ['g', 'home'],
		hint: 'top',
		help: 'Go to the first row',
		views: LISTS,
	},
	{
		command: 'cursor.bottom',
		keys: ['G', 'end'],
		hint: 'bottom',
		help: 'Go to the last row',
		views: LISTS,
	},
	{
		command: 'view.open',
		keys: ['return', 'rightArrow'],
		hint: 'open',
		help: 'Open the selected row (finding → detail → evidence in its capture)',
		bar: true,
	},
	{
		command: 'view.back',
		keys: ['escape', 'leftArrow'],
		hint: 'back',
		help: 'Clear the filter, else back to the previous screen (from any : screen at most two presses reach the overview)',
		bar: true,
	},
	{
		command: 'view.vip',
		keys: ['v'],
		hint: 'VIP',
		help: "Open the VIP reconciliation table for the selected finding's VIP",
		views: ['overview', 'findings', 'finding'],
		bar: true,
	},
	{
		command: 'view.path',
		keys: ['t'],
		hint: 'path',
		help: 'Open the packet-path proof (client → VIP, hop by hop) of the selected finding or VIP: the hop that contradicts the holder is marked; Esc goes back',
		views: ['overview', 'findings', 'finding', 'vips', 'vip'],
		bar: true,
	},
	{
		command: 'filter.start',
		keys: ['/'],
		hint: 'filter',
		help: 'Filter the list (flows: `arp && arp_tpa=10.0.0.100`, `table=22`, `actions~=drop`, `||`, `!`)',
		bar: true,
	},
	{
		command: 'command.start',
		keys: [':'],
		hint: 'cmd',
		help: 'Command mode: :vip IP, :node NAME, :flows [filter], :findings, :log, :neigh, :ns, :keepalived, :ovn, :watch — a command replaces the screen (Esc: overview)',
		bar: true,
	},
	{command: 'help.open', keys: ['?'], hint: 'help', help: 'This help', bar: true},
	{
		command: 'collect.rerun',
		keys: ['r'],
		hint: 'recollect',
		help: 'Re-collect (live) or reload the capture set from disk',
	},
	{
		command: 'watch.toggle',
		keys: ['w'],
		hint: 'watch',
		help: 'Watch: re-collect every N s (saved data: re-read from disk) and show the per-VIP timeline of changes',
	},
	{
		command: 'bundle.export',
		keys: ['e'],
		hint: 'export',
		help: 'Export a support bundle of what is loaded',
	},
	{
		command: 'errors.dismiss',
		keys: ['x'],
		hint: 'ack errors',
		help: 'Acknowledge (clear) the errors pane',
	},
	{
		command: 'fix.jump',
		keys: ['f'],
		hint: 'fix',
		help: "Jump to the finding's Fix: its commands, one line each, under the node they run on",
		views: ['overview', 'findings', 'finding'],
		bar: true,
	},
	{
		command: 'fix.copy',
		keys: ['y'],
		hint: 'copy',
		help: 'Copy the selected fix command (in the Path view: the dvrscope trace command) to the terminal clipboard (OSC 52); also saved to a file whose path is shown',
		views: ['finding', 'path'],
		bar: true,
	},
	{
		command: 'fix.copyAll',
		keys: ['Y'],
		hint: 'copy all',
		help: 'Copy all fix commands as a script, one "# on <node>" header per block (OSC 52 + file)',
		views: ['finding'],
	},
	{
		command: 'fix.scrollLeft',
		keys: ['h'],
		hint: 'scroll ←',
		help: 'Scroll a fix command that is wider than the screen to the left',
		views: ['finding'],
	},
	{
		command: 'fix.scrollRight',
		keys: ['l'],
		hint: 'scroll →',
		help: 'Scroll a fix command that is wider than the screen to the right',
		views: ['finding'],
	},
	{command: 'app.quit', keys: ['q'], hint: 'quit', help: 'Quit', bar: true},
	{
		command: 'app.interrupt',
		keys: ['ctrl+c'],
		hint: 'cancel',
		help: 'Cancel a running collection (partial results kept); press again, or when idle, to quit',
	},
	{
		command: 'input.clear',
		keys: ['ctrl+u'],
		hint: 'clear',
		help: 'While typing a filter or command: clear the line (the old filter opens selected: typing replaces it)',
		mode: 'input',
	},
	{
		command: 'input.cancel',
		keys: ['escape'],
		hint: 'cancel',
		help: 'While typing: leave the prompt (a filter being typed is cleared)',
		mode: 'input',
	},
] as const satisfies readonly Binding[];

const KEY_FLAGS = [
	'upArrow',
	'downArrow',
	'leftArrow',
	'rightArrow',
	'pageDown',
	'pageUp',
	'home',
	'end',
	'return',
	'escape',
	'tab',
	'backspace',
	'delete',
] as const;

/** The canonical name of a key press (`j`, `downArrow`, `ctrl+c`, `alt+x`), or undefined. */
export function keyName(input: string, key: Partial<Key>): KeyName | undefined {
	for (const flag of KEY_FLAGS) if (key[flag] === true) return flag;
	if (key.ctrl === true && input.length === 1) return `ctrl+${input.toLowerCase()}`;
	if (key.meta === true && input.length === 1) return `alt+${input}`;
	if (input === '\u0003') return 'ctrl+c';
	if (input.length === 1) return input;
	return undefined;
}

/** Which command a key press means in a view (pure; unit-tested). */
export function matchCommand(
	input: string,
	key: Partial<Key>,
	view?: ViewKind,
): Command | undefined {
	const name = keyName(input, key);
	if (name === undefined) return undefined;
	for (const binding of bindings as readonly Binding[]) {
		if (binding.mode === 'input' || !binding.keys.includes(name)) continue;
		if (view !== undefined && binding.views !== undefined && !binding.views.includes(view))
			continue;
		return binding.command;
	}
	return undefined;
}

const ESC = '\u001B';

/** Key names bound with Alt (`alt+x`); none today, so every ESC-prefixed key is Esc + key. */
const ALT_KEYS: ReadonlySet<string> = new Set(
	(bindings as readonly Binding[]).flatMap(b => b.keys.filter(k => k.startsWith('alt+'))),
);

/**
 * One input event that is really two key presses: Esc followed quickly by a key reaches Ink in
 * one stdin chunk (a fast typist, tmux's escape-time, a slow link), and Ink reports it as one
 * Alt+key event (`\u001B:` even loses the ESC: it arrives as a plain `:`). Returns the two
 * sequences to handle in order, or undefined when the event is one key: a lone Esc, a CSI/SS3
 * sequence (`\u001B[A`, `\u001BOA` are arrows), or an Alt+key that the bindings table binds.
 * `\u001B\u001B[A` is Esc then ↑ (ESC + a whole sequence).
 */
export function splitEscPrefixed(sequence: string): readonly [string, string] | undefined {
	if (sequence.length < 2 || !sequence.startsWith(ESC)) return undefined;
	const rest = sequence.slice(1);
	if (rest.startsWith(ESC)) return [ESC, rest];
	const single = rest.length === 1 || (rest.length === 2 && (rest.codePointAt(0) ?? 0) > 0xff_ff);
	if (!single) return undefined;
	if (ALT_KEYS.has(`alt+${rest}`)) return undefined;
	return [ESC, rest];
}

/**
 * One input event that holds more than one key press, split into the first and the rest (the
 * rest may split again): Esc + key ({@link splitEscPrefixed}), text with Enter in it — a paste,
 * or keys sent in one write (`tmux send-keys ':vip 10.0.0.100' Enter`) — which Ink hands over
 * as one string whose `\r` is not reported as Enter, and, outside text input (`typing` false),
 * several characters at once: each is a key there (`:flows` is `:` then the command's text).
 * While typing, text stays whole: a pasted filter is one edit, not one frame per character.
 */
export function splitInputEvent(
	sequence: string,
	typing = true,
): readonly [string, string] | undefined {
	if (sequence.startsWith(ESC)) return splitEscPrefixed(sequence);
	const enter = sequence.indexOf('\r');
	if (!typing && enter !== 0) {
		const first = String.fromCodePoint(sequence.codePointAt(0) ?? 0);
		if (sequence.length > first.length) return [first, sequence.slice(first.length)];
		return undefined;
	}
	if (enter < 0 || sequence.length === 1) return undefined;
	return enter === 0
		? ['\r', sequence.slice(1)]
		: [sequence.slice(0, enter), sequence.slice(enter)];
}

/** Readable key label for help: `j/↓`, `Enter`, `Ctrl-C`. */
export function keyLabel(name: KeyName): string {
	const labels: Record<string, string> = {
		downArrow: '↓',
		upArrow: '↑',
		leftArrow: '←',
		rightArrow: '→',
		return: 'Enter',
		escape: 'Esc',
		pageDown: 'PgDn',
		pageUp: 'PgUp',
		home: 'Home',
		end: 'End',
		' ': 'Space',
		'ctrl+c': 'Ctrl-C',
		'ctrl+d': 'Ctrl-D',
		'ctrl+u': 'Ctrl-U',
		Y: 'Y (shift-y)',
	};
	return labels[name] ?? name;
}

// ─── command mode (`:`) ─────────────────────────────────────────────────────

export type CommandLineResult =
	| {readonly type: 'view'; readonly view: ViewRef; readonly filter?: string}
	| {readonly type: 'node'; readonly node: NodeId}
	| {readonly type: 'command'; readonly command: Command}
	| {readonly type: 'error'; readonly message: string};

export type Alias = {
	readonly names: readonly string[];
	readonly args: string;
	readonly help: string;
	readonly run: (arg: string) => CommandLineResult;
};

const nodeArg = (arg: string): {node?: NodeId} => (arg === '' ? {} : {node: arg});

/** `:` aliases, as data (shown in `?`). */
export const aliases: readonly Alias[] = [
	{
		names: ['vip', 'vips'],
		args: '[IP]',
		help: 'VIP reconciliation table (no IP: list of VIPs)',
		run: arg => ({type: 'view', view: arg === '' ? {kind: 'vips'} : {kind: 'vip', vip: arg}}),
	},
	{
		names: ['node'],
		args: 'NAME',
		help: 'Scope the node browsers (neighbours, namespaces, flows, keepalived) to one node',
		run: arg =>
			arg === '' ? {type: 'error', message: ':node needs a node name'} : {type: 'node', node: arg},
	},
	{
		names: ['flows', 'flow', 'fl', 'of'],
		args: '[FILTER]',
		help: 'OpenFlow browser, optionally with a filter (:flows table=21)',
		run: arg => ({type: 'view', view: {kind: 'flows'}, ...(arg === '' ? {} : {filter: arg})}),
	},
	{
		names: ['findings', 'find', 'fi'],
		args: '',
		help: 'Findings by severity, grouped by VIP',
		run: () => ({type: 'view', view: {kind: 'findings'}}),
	},
	{
		names: ['log', 'cmd', 'commands'],
		args: '',
		help: 'Command log: every command that ran (node, argv, exit, duration)',
		run: () => ({type: 'view', view: {kind: 'log'}}),
	},
	{
		names: ['neigh', 'neighbours', 'neighbors', 'arp'],
		args: '[NODE]',
		help: 'Neighbour (ARP) entries per namespace',
		run: arg => ({type: 'view', view: {kind: 'neigh', ...nodeArg(arg)}}),
	},
	{
		names: ['ns', 'namespaces', 'netns'],
		args: '[NODE]',
		help: 'Network namespaces per node',
		run: arg => ({type: 'view', view: {kind: 'namespaces', ...nodeArg(arg)}}),
	},
	{
		names: ['keepalived', 'ka', 'vrrp'],
		args: '[NODE]',
		help: 'keepalived / L3-HA state per router',
		run: arg => ({type: 'view', view: {kind: 'keepalived', ...nodeArg(arg)}}),
	},
	{
		names: ['ovn'],
		args: '',
		help: 'ml2/ovn: virtual ports, their bindings, port security and MAC_Binding per VIP (in place of qrouter neighbours)',
		run: () => ({type: 'view', view: {kind: 'ovn'}}),
	},
	{
		names: ['watch', 'timeline', 'tl'],
		args: '',
		help: 'Watch timeline (per-VIP changes between rounds)',
		run: () => ({type: 'view', view: {kind: 'watch'}}),
	},
	{
		names: ['overview', 'home', 'o'],
		args: '',
		help: 'Overview: progress grid, findings summary, errors',
		run: () => ({type: 'view', view: {kind: 'overview'}}),
	},
	{
		names: ['help', 'h'],
		args: '',
		help: 'Keys and commands',
		run: () => ({type: 'view', view: {kind: 'help'}}),
	},
	{
		names: ['q', 'quit', 'exit'],
		args: '',
		help: 'Quit',
		run: () => ({type: 'command', command: 'app.quit'}),
	},
	{
		names: ['collect', 'recollect', 'reload'],
		args: '',
		help: 'Re-collect / reload',
		run: () => ({type: 'command', command: 'collect.rerun'}),
	},
	{
		names: ['export', 'bundle'],
		args: '',
		help: 'Export a support bundle',
		run: () => ({type: 'command', command: 'bundle.export'}),
	},
];

/** Parse a `:` command line (without the colon). */
export function parseCommandLine(text: string): CommandLineResult {
	const trimmed = text.trim().replace(/^:/, '');
	if (trimmed === '') return {type: 'error', message: 'empty command (try :help)'};
	const space = trimmed.search(/\s/);
	const name = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
	const arg = space < 0 ? '' : trimmed.slice(space + 1).trim();
	const alias = aliases.find(a => a.names.includes(name));
	if (alias === undefined)
		return {
			type: 'error',
			message: `unknown command ":${name}" — try :vip, :node, :flows, :findings, :log, :neigh, :ns, :keepalived, :ovn (? for help)`,
		};
	return alias.run(arg);
}

/** Completion for command mode: alias names that start with what was typed. */
export function completeCommand(text: string): string | undefined {
	const t = text.trim().toLowerCase();
	if (t === '' || t.includes(' ')) return undefined;
	for (const alias of aliases) for (const name of alias.names) if (name.startsWith(t)) return name;
	return undefined;
}
