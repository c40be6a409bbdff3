import type {Command} from 'commander';

type BundleOptions = {
	readonly output?: string;
	readonly dryRun?: boolean;
	readonly explain?: boolean;
	readonly pseudonymize?: boolean;
	readonly mappingOut?: string;
	readonly analyze?: boolean;
	readonly force?: boolean;
};

const HELP_AFTER = `
Writes a gzip tar: bundle.json (version, time, nodes, partial flag and reasons, what was skipped),
capture-set/ (every command's argv, exit code, timing, bytes, truncation, failure, and output),
findings.json + findings.md (diagnose), redaction-report.json (what was redacted where, by kind;
never the values).

Structured captures keep only their declared projection (OpenStackDeployment: the Neutron and
node-override fields the rules read; Nodes: name, labels, addresses; other Kubernetes objects:
identity only). Secrets are always redacted, by key (passwords, tokens, keepalived auth_pass,
kubeconfig credentials, Authorization headers) and by shape under any key (URL credentials, PEM
blocks, JWTs, Ceph keys, base64 keys of key length), then every file is scanned again with
secretlint's recommended rules. --dry-run (--explain) prints redaction-report.json (per file: what
the projection dropped, what was redacted by which detector; never a value) and writes nothing. --pseudonymize also replaces IPs, MACs,
host names and UUIDs consistently while keeping network meaning (fa:16:3e / fa:16:3f / VRRP
OUIs, multicast, subnet membership, prefix lengths, hex forms in OVS flows). The private
mapping goes only to --mapping-out (mode 0600), never into the bundle.

An existing bundle can be the input too (e.g. to pseudonymise it before sharing).

Exit codes: 0 written, 3 usage or input error.

Examples:
  dvrscope bundle ./capture-set -o incident.tar.gz
  dvrscope bundle ./capture-set --dry-run | less
  dvrscope bundle incident.tar.gz -o shareable.tar.gz --pseudonymize --mapping-out ~/private/map.json`;

const kib = (n: number): string => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

/** `dvrscope bundle <capture-set> -o X.tar.gz`: bundle an existing capture set (or re-bundle). */
export function register(program: Command): void {
	program
		.command('bundle')
		.description('Write a redacted support bundle (.tar.gz) from a capture set or bundle.')
		.argument(
			'<input>',
			'capture-set directory, archived capture set, bundle, sos report (.tar.xz/.tar.gz or directory), sos collect archive or osctl dump',
		)
		.option('-o, --output <file>', 'bundle to write (.tar.gz); required unless --dry-run')
		.option(
			'--dry-run',
			'write nothing: print redaction-report.json (what projections dropped, what was redacted by which detector)',
		)
		.option('--explain', 'same as --dry-run')
		.option('--pseudonymize', 'replace IPs, MACs, host names and UUIDs (meaning-preserving)')
		.option(
			'--mapping-out <file>',
			'write the private pseudonym mapping here (never in the bundle)',
		)
		.option('--no-analyze', 'do not run diagnose into findings.json / findings.md')
		.option('-f, --force', 'overwrite the output file if it exists')
		.addHelpText('after', HELP_AFTER)
		.action(async (input: string, options: BundleOptions) => {
			const fail = (message: string): void => {
				process.stderr.write(`dvrscope bundle: ${message}\n`);
				process.exitCode = 3;
			};
			const dryRun = options.dryRun === true || options.explain === true;
			if (options.output === undefined && !dryRun) {
				fail('-o/--output <file> is required (or --dry-run to see what the bundle would hold)');
				return;
			}
			const {existsSync} = await import('node:fs');
			if (
				!dryRun &&
				options.output !== undefined &&
				existsSync(options.output) &&
				options.force !== true
			) {
				fail(`${options.output} exists (use --force to overwrite)`);
				return;
			}
			const {openSource, isImportError: isInputError} = await import('../../import/index.js');
			const {writeBundle, BundleWriteError} = await import('../../bundle/write.js');
			let result;
			try {
				const opened = await openSource(input);
				const previous = opened.bundle;
				result = await writeBundle(opened.set, {
					output: options.output ?? 'dry-run.tar.gz',
					...(dryRun ? {dryRun: true} : {}),
					...(previous === undefined
						? {}
						: {
								...(previous.inventory === undefined ? {} : {inventory: previous.inventory}),
								targets: previous.targets,
								skipped: previous.skipped,
								partialReasons: previous.partialReasons,
							}),
					...(options.pseudonymize === true ? {pseudonymize: true} : {}),
					...(options.mappingOut === undefined ? {} : {mappingOut: options.mappingOut}),
					...(options.analyze === false ? {analyze: false as const} : {}),
				});
			} catch (error) {
				if (isInputError(error) || error instanceof BundleWriteError) {
					fail(error.message);
					return;
				}
				throw error;
			}
			if (result.dryRun === true) {
				process.stdout.write(`${JSON.stringify(result.report, null, '\t')}\n`);
				process.stderr.write(
					`dry run: nothing written; ${result.report.projected} capture(s) limited by a projection, ${result.report.total} redaction(s)\n`,
				);
				process.exitCode = 0;
				return;
			}
			const m = result.manifest;
			const kinds = Object.entries(result.report.byKind)
				.map(([kind, count]) => `${kind} ${count}`)
				.join(', ');
			const findings = m.findings.summary;
			const lines = [
				`wrote ${result.output} (${kib(result.bytes)})`,
				`  ${m.captures.total} captures from ${m.nodes.length} node(s); ${m.captures.failed} did not complete, ${m.captures.truncated} truncated`,
				`  redacted: ${result.report.total}${kinds === '' ? '' : ` (${kinds})`}`,
				`  partial: ${m.partial ? `yes — ${m.partialReasons.join('; ')}` : 'no'}`,
				`  findings: ${findings === undefined ? (m.findings.note ?? 'not available') : `${findings['critical'] ?? 0} critical, ${findings['warning'] ?? 0} warning, ${findings['info'] ?? 0} info`}`,
			];
			if (m.pseudonymized)
				lines.push(
					result.mappingOut === undefined
						? '  pseudonymised; no --mapping-out given, so the mapping was discarded'
						: `  pseudonymised; private mapping: ${result.mappingOut} (keep it out of the ticket)`,
				);
			process.stdout.write(`${lines.join('\n')}\n`);
			process.exitCode = 0;
		});
}
