import type {Command} from 'commander';

const FORMATS = ['text', 'json', 'markdown'] as const;

type DiffOptions = {
	readonly json?: boolean;
	readonly format?: string;
	readonly all?: boolean;
};

const HELP_AFTER = `
Inputs are capture-set directories, archived capture sets or bundles (.tar.gz), in any mix.

What it compares (per node present on both sides):
  - neighbour entries in every qrouter-<id> namespace: changed / unchanged / added / removed,
    and, listed on their own, the VIP entries that did NOT change (after a failover, a PERMANENT
    entry that kept the old MAC is the LP#1774459 signature)
  - who holds each VIP, Neutron L3-HA state files and keepalived configured states
  - ARP-responder (br-tun table 21) and ARP-drop flows
  - findings that appeared, were resolved, or persist

Exit codes: 0 diff printed, 3 usage or input error.
Pseudonymised bundles compare only with bundles pseudonymised with the same key.

Examples:
  dvrscope diff before.tar.gz after.tar.gz
  dvrscope diff ./before-set ./after-set --format markdown > failover.md`;

/** `dvrscope diff <before> <after>`: data-plane diff of two capture sets or bundles. */
export function register(program: Command): void {
	program
		.command('diff')
		.description(
			'Data-plane diff of two capture sets or bundles (qrouter neighbours, VIP owners, HA states, ARP flows, findings).',
		)
		.argument('<before>', 'capture-set directory or bundle taken first')
		.argument('<after>', 'capture-set directory or bundle taken later')
		.option('--json', 'JSON output (same as --format json)')
		.option('--format <format>', 'text | json | markdown', 'text')
		.option('--all', 'also list unchanged non-VIP entries and unchanged flows')
		.addHelpText('after', HELP_AFTER)
		.action(async (before: string, after: string, options: DiffOptions) => {
			const fail = (message: string): void => {
				process.stderr.write(`dvrscope diff: ${message}\n`);
				process.exitCode = 3;
			};
			const format = options.json === true ? 'json' : (options.format ?? 'text');
			if (!(FORMATS as readonly string[]).includes(format)) {
				fail(`unknown --format "${format}" (use ${FORMATS.join(', ')})`);
				return;
			}
			const {openInput, isInputError} = await import('../../bundle/read.js');
			const {analyze} = await import('../../diagnostics/analyze.js');
			const diffModule = await import('../../bundle/diff.js');
			const sides = [];
			for (const input of [before, after]) {
				try {
					const opened = await openInput(input);
					const {snapshot, diagnosis} = analyze(opened.set);
					sides.push({label: input, snapshot, diagnosis});
				} catch (error) {
					if (isInputError(error)) {
						fail(error.message);
						return;
					}
					throw error;
				}
			}
			const [b, a] = sides;
			if (b === undefined || a === undefined) return;
			const diff = diffModule.diffSnapshots(b, a);
			const render = {all: options.all === true};
			process.stdout.write(
				format === 'json'
					? diffModule.renderDiffJson(diff)
					: format === 'markdown'
						? diffModule.renderDiffMarkdown(diff, render)
						: diffModule.renderDiffText(diff, render),
			);
			process.exitCode = 0;
		});
}
