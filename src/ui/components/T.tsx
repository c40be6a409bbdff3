import {Text, type TextProps} from 'ink';
import type {ReactNode} from 'react';

/** Ink Text that accepts `color={undefined}` (the no-colour theme) under exactOptionalPropertyTypes. */
export function T({
	color,
	...rest
}: Omit<TextProps, 'color'> & {readonly color?: string | undefined}): ReactNode {
	return <Text {...rest} {...(color === undefined ? {} : {color})} />;
}
