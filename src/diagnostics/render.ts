import type {Report} from './analyze.js';
import {renderJson} from './report/json.js';
import {renderMarkdown} from './report/markdown.js';
import {renderText} from './report/text.js';

export const REPORT_FORMATS = ['text', 'json', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const isReportFormat = (format: string): format is ReportFormat =>
	(REPORT_FORMATS as readonly string[]).includes(format);

export type RenderOptions = {
	/** The input as the user named it (capture-set path, bundle, `live collection`). */
	readonly path?: string;
	/** Text: ANSI colour. */
	readonly color?: boolean;
	/** Text: every evidence line. */
	readonly verbose?: boolean;
	/** Text: wrap width in columns (default 100). */
	readonly width?: number;
};

/** A report in one of the output formats (text, the versioned JSON schema, Markdown). */
export function render(report: Report, format: ReportFormat, options: RenderOptions = {}): string {
	const {snapshot, diagnosis, version} = report;
	const path = options.path === undefined ? {} : {path: options.path};
	switch (format) {
		case 'json':
			return renderJson(diagnosis, {snapshot, version, ...path});
		case 'markdown':
			return renderMarkdown(diagnosis, {snapshot, ...path});
		case 'text':
			return renderText(diagnosis, {
				color: options.color ?? false,
				snapshot,
				verbose: options.verbose ?? false,
				...path,
				...(options.width === undefined ? {} : {width: options.width}),
			});
	}
}
