import {useEffect, useState} from 'react';
import {useStdout} from 'ink';
import type {TermSize} from '../context.js';

/** The terminal's columns × rows, following resizes (Ink only re-lays out; we re-window). */
export function useTerminalSize(fixed?: TermSize): TermSize {
	const {stdout} = useStdout();
	const read = (): TermSize => ({
		columns: fixed?.columns ?? (stdout.columns > 0 ? stdout.columns : 80),
		rows: fixed?.rows ?? (stdout.rows > 0 ? stdout.rows : 24),
	});
	const [size, setSize] = useState(read);
	useEffect(() => {
		if (fixed !== undefined) return undefined;
		const onResize = (): void => {
			setSize(read());
		};
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [stdout, fixed]);
	return fixed ?? size;
}
