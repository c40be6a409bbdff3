import {Component, type ReactNode} from 'react';
import {Box, Text} from 'ink';

type Props = {
	readonly screen: string;
	readonly children: ReactNode;
	readonly onError?: (screen: string, error: Error) => void;
};
type State = {readonly error?: Error};

/**
 * One per screen (ink's ErrorBoundary idea): a bug in one screen shows this panel instead of
 * killing the app and the collection behind it. Esc still goes back.
 */
export class ScreenErrorBoundary extends Component<Props, State> {
	override state: State = {};

	static getDerivedStateFromError(error: Error): State {
		return {error};
	}

	override componentDidCatch(error: Error): void {
		this.props.onError?.(this.props.screen, error);
	}

	override render(): ReactNode {
		if (this.state.error !== undefined)
			return (
				<Box flexDirection="column" borderStyle="single" paddingX={1}>
					<Text bold>The {this.props.screen} screen failed to render (a dvrscope bug).</Text>
					<Text>{this.state.error.message}</Text>
					<Text dimColor>
						Esc goes back; collection and other screens keep working. Please report this.
					</Text>
				</Box>
			);
		return this.props.children;
	}
}
