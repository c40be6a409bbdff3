/**
 * The one place a command string is built from argv. POSIX single-quote rules: a word made only
 * of safe characters stays bare (`table=0`, `br-int`), anything else is wrapped in single quotes
 * with each embedded `'` written as `'\''`. The result is read by the remote user's login shell
 * (sshd runs `$SHELL -c <string>`), which yields exactly the original words back.
 */

const SAFE_WORD = /^[A-Za-z0-9_./=:,+@%^-]+$/;

/** Quote one word for a POSIX shell. The empty word becomes `''`. */
export function quoteWord(word: string): string {
	if (word.includes('\0')) throw new Error('shellQuote: a word contains a NUL byte');
	if (SAFE_WORD.test(word)) return word;
	return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quote an argv for a POSIX shell: words joined by single spaces, each quoted as needed. */
export function shellQuote(argv: readonly string[]): string {
	if (argv.length === 0) throw new Error('shellQuote: empty argv');
	return argv.map(quoteWord).join(' ');
}
