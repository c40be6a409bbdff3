#!/usr/bin/env node
import {installInterruptHandler} from './interrupt.js';
import {Command} from 'commander';
import {version} from '../model/version.js';

/**
 * Exit codes (documented in --help and README): 0 ok, 1 warnings, 2 critical, 3 usage/input
 * error, 4 INCOMPLETE (something applicable could not be checked); 130 Ctrl-C, 124 watch deadline.
 */
installInterruptHandler();

type Register = (program: Command) => void;

/**
 * The commands, in the order --help lists them; `console` is the program's own action and root
 * options (no name of its own). Each module is imported only when it is needed.
 */
const COMMANDS: readonly (readonly [string, () => Promise<{register: Register}>])[] = [
	['parse', () => import('./commands/parse.js')],
	['diagnose', () => import('./commands/diagnose.js')],
	['analyze', () => import('./commands/analyze.js')],
	['bundle', () => import('./commands/bundle.js')],
	['diff', () => import('./commands/diff.js')],
	['', () => import('./commands/console.js')],
	['collect', () => import('./commands/collect.js')],
	['watch', () => import('./commands/watch.js')],
	['trace', () => import('./commands/trace.js')],
];

/**
 * What this command line needs: `dvrscope parse …` only the parse command, `dvrscope --version`
 * nothing; anything else (the console, --help, `help …`, a mistyped command, root options first)
 * every command, so help and usage errors read as they always have.
 */
function needed(args: readonly string[]): typeof COMMANDS {
	const first = args[0];
	if (args.length === 1 && (first === '-V' || first === '--version')) return [];
	const named = COMMANDS.find(([name]) => name !== '' && name === first);
	return named === undefined ? COMMANDS : [named];
}

/**
 * `dvrscope parse ovs-flows …` decodes one dump and exits: V8's optimizing compiler, whose work
 * every thread pays again, is a quarter of the CPU of a half-second parse. Without inlining it
 * compiles the decoder in a fraction of the time for slightly slower code, and without on-stack
 * replacement no loop is compiled twice (whole process on the 200k-flow dump, alternated: CPU
 * −13 to −17 %, wall −10 to −16 %; bench/parse-whole.ts). Set here, before the decoder loads; V8's
 * flags are the process's, so the parse's worker threads have them too. Every other command (the
 * console above all) keeps V8's defaults.
 */
if (process.argv[2] === 'parse' && process.argv.includes('ovs-flows')) {
	const {setFlagsFromString} = await import('node:v8');
	setFlagsFromString('--no-turbo-inlining');
	setFlagsFromString('--no-use-osr');
}

const program = new Command();
program
	.name('dvrscope')
	.description('Troubleshooting console for MOSK / Neutron DVR networking (read-only).')
	.version(version, '-V, --version')
	// Root options (--json, --format of the console) must not swallow a subcommand's own options.
	.enablePositionalOptions()
	// Set before the subcommands are created so they inherit it: usage errors exit 3 everywhere.
	.exitOverride(error => {
		process.exit(error.exitCode === 0 ? 0 : 3);
	});
const modules = await Promise.all(needed(process.argv.slice(2)).map(([, load]) => load()));
for (const {register} of modules) register(program);
await program.parseAsync(process.argv);
