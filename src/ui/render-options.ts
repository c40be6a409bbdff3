/**
 * Ink's frame-rate cap for the console. Ink throttles rendering to one frame per 1000/maxFps ms
 * (leading and trailing edge): a key pressed within that window of the last frame waits for the
 * window to end. At 60 that added ~10 ms to the median keystroke → frame while filtering 200,000
 * flows (bench/tui); at 120 bursts of collection events still coalesce into one frame per 8 ms.
 */
export const MAX_FPS = 120;
