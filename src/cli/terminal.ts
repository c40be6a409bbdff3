import type {RenderOptions} from '../diagnostics/render.js';

/** Text-report options for this terminal: colour on a TTY unless NO_COLOR or --no-color. */
export function terminalRenderOptions(options: {
	readonly path: string;
	readonly color?: boolean;
	readonly verbose?: boolean;
}): RenderOptions {
	const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
	return {
		path: options.path,
		color: options.color !== false && !noColor && process.stdout.isTTY,
		verbose: options.verbose === true,
		width: Math.min(process.stdout.columns > 0 ? process.stdout.columns : 100, 120),
	};
}
