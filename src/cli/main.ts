#!/usr/bin/env node
import {installInterruptHandler} from './interrupt.js';
import {Command} from 'commander';
import {version} from '../model/version.js';
import {register as registerParse} from './commands/parse.js';
import {register as registerDiagnose} from './commands/diagnose.js';
import {register as registerAnalyze} from './commands/analyze.js';
import {register as registerBundle} from './commands/bundle.js';
import {register as registerDiff} from './commands/diff.js';
import {register as registerConsole} from './commands/console.js';
import {register as registerCollect} from './commands/collect.js';
import {register as registerWatch} from './commands/watch.js';
import {register as registerTrace} from './commands/trace.js';

/**
 * Exit codes (documented in --help and README): 0 ok, 1 warnings, 2 critical, 3 usage/input
 * error, 4 INCOMPLETE (something applicable could not be checked); 130 Ctrl-C, 124 watch deadline.
 */
installInterruptHandler();
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
registerParse(program);
registerDiagnose(program);
registerAnalyze(program);
registerBundle(program);
registerDiff(program);
registerConsole(program);
registerCollect(program);
registerWatch(program);
registerTrace(program);
await program.parseAsync(process.argv);
