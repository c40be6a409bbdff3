import type {Command} from 'commander';
import {API_DATA_HELP, repeatable, type DiagnoseOptions} from './diagnose.js';

const HELP_AFTER = `
The same rules, output formats and exit codes as \`dvrscope diagnose\`, on a support bundle
(.tar.gz written by \`collect --bundle\` or \`dvrscope bundle\`), an archived capture set, or a
capture-set directory. The archive is read in memory with size caps; links, absolute paths,
".." and devices inside it are refused.

Exit codes (precedence: critical > incomplete > warning > ok):
  0  OK: every applicable check ran on complete data; nothing at warning or above
  1  warnings (and nothing missing)
  2  critical findings
  3  usage or input error (missing file, corrupt or foreign archive, unsafe entry)
  4  INCOMPLETE: something applicable could not be checked (a partial bundle, a node not read, no
     API data, an unreadable capture); the first line names what is missing

Examples:
  dvrscope analyze incident.tar.gz
  dvrscope analyze incident.tar.gz --format markdown > ticket.md`;

/** `dvrscope analyze <bundle|capture-set>`: diagnose on a bundle (the diagnose code path). */
export function register(program: Command): void {
	program
		.command('analyze')
		.description('Diagnose a support bundle or capture set offline (same output as diagnose).')
		.argument(
			'<inputs...>',
			'bundle (.tar.gz), archived capture set, capture-set directory, sos report (.tar.xz/.tar.gz or directory), sos collect archive, osctl sos dump; several are merged',
		)
		.option('--api-data <file>', API_DATA_HELP, repeatable)
		.option('--json', 'JSON output (same as --format json; versioned schema)')
		.option('--format <format>', 'text | json | markdown', 'text')
		.option('--no-color', 'no ANSI colour in text output (NO_COLOR is honoured too)')
		.option('-v, --verbose', 'text: show every evidence line')
		.addHelpText('after', HELP_AFTER)
		.action(async (inputs: string[], options: DiagnoseOptions) => {
			const usage = (message: string): void => {
				process.stderr.write(`dvrscope analyze: ${message}\n`);
				process.exitCode = 3;
			};
			const {openSource, openSources, isImportError} = await import('../../import/index.js');
			const [input = ''] = inputs;
			let opened;
			try {
				opened =
					inputs.length === 1 && (options.apiData ?? []).length === 0
						? await openSource(input)
						: {...(await openSources(inputs, options.apiData ?? [])), bundle: undefined};
			} catch (error) {
				if (isImportError(error)) {
					usage(error.message);
					return;
				}
				throw error;
			}
			if (opened.bundle?.partial === true) {
				process.stderr.write(
					`dvrscope analyze: note: partial bundle — ${opened.bundle.partialReasons.join('; ') || 'collection incomplete'}\n`,
				);
			}
			if (opened.bundle?.pseudonymized === true) {
				process.stderr.write(
					'dvrscope analyze: note: pseudonymised bundle — names, IPs, MACs and UUIDs are pseudonyms\n',
				);
			}
			const {reportDiagnosis} = await import('./diagnose.js');
			await reportDiagnosis(opened.set, inputs.join(' '), options, usage);
			// the watch timeline the console's `e` wrote, for the post-mortem ("broke …, fixed …")
			const format = options.json === true ? 'json' : (options.format ?? 'text');
			const timeline = 'watchTimeline' in opened ? opened.watchTimeline : undefined;
			if (timeline !== undefined && format === 'markdown') {
				const {watchTimelineMarkdown} = await import('../../diagnostics/report/watch-timeline.js');
				process.stdout.write(`\n${watchTimelineMarkdown(timeline)}`);
			}
		});
}
