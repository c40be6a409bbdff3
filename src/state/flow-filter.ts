/**
 * The flow filter language of the Flows screen, in the spirit of ovs-flowviz's `--filter`:
 *
 *   arp && arp_tpa=10.0.0.100      match field present / equal (IPs: `=10.0.0.0/24` is containment)
 *   table=22   table>=20   table=ARP_RESPONDER      numbers compare; table names work too
 *   actions~=drop   output=patch-tun   resubmit=22   `~=` is "contains", case-insensitive
 *   node=compute-1   bridge=br-tun   priority>2   n_packets>0
 *   a || b    !a    not a    (a || b) && c        `&&` binds tighter than `||`
 *   10.0.0.100                      any other bare word: free text in the flow line
 *
 * Pure: parses to an AST and compiles to a predicate over indexed rows (see flow-index.ts).
 */

export type FilterOp = '=' | '!=' | '~=' | '<' | '>' | '<=' | '>=';

export type FilterTerm = {
	readonly type: 'term';
	/** Lower-case key; absent for free text. */
	readonly key?: string;
	readonly op?: FilterOp;
	readonly value?: string;
	/** The term as typed, for messages. */
	readonly text: string;
};

export type FilterExpr =
	| FilterTerm
	| {readonly type: 'and'; readonly items: readonly FilterExpr[]}
	| {readonly type: 'or'; readonly items: readonly FilterExpr[]}
	| {readonly type: 'not'; readonly expr: FilterExpr};

export type FilterParse =
	| {readonly ok: true; readonly expr: FilterExpr | undefined}
	| {readonly ok: false; readonly error: string};

type Token =
	{readonly t: '(' | ')' | '&&' | '||' | '!'} | {readonly t: 'word'; readonly text: string};

const OPS: readonly FilterOp[] = ['~=', '!=', '<=', '>=', '=', '<', '>'];

function tokenize(input: string): Token[] | string {
	const tokens: Token[] = [];
	let i = 0;
	while (i < input.length) {
		const c = input[i] ?? '';
		if (c === ' ' || c === '\t') {
			i++;
			continue;
		}
		if (c === '(' || c === ')') {
			tokens.push({t: c});
			i++;
			continue;
		}
		if (input.startsWith('&&', i) || input.startsWith('||', i)) {
			tokens.push({t: input.slice(i, i + 2) as '&&' | '||'});
			i += 2;
			continue;
		}
		if (c === '&' || c === '|') {
			// A half-typed operator: treat as incomplete (ignored when trailing, error otherwise).
			tokens.push({t: c === '&' ? '&&' : '||'});
			i++;
			continue;
		}
		if (c === '!' && input[i + 1] !== '=') {
			tokens.push({t: '!'});
			i++;
			continue;
		}
		let j = i;
		let word = '';
		while (j < input.length) {
			const d = input[j] ?? '';
			if (d === '"') {
				const end = input.indexOf('"', j + 1);
				if (end < 0) return 'unterminated quote';
				word += input.slice(j + 1, end);
				j = end + 1;
				continue;
			}
			if (d === ' ' || d === '\t' || d === '(' || d === ')') break;
			if (input.startsWith('&&', j) || input.startsWith('||', j)) break;
			word += d;
			j++;
		}
		const lower = word.toLowerCase();
		if (lower === 'and') tokens.push({t: '&&'});
		else if (lower === 'or') tokens.push({t: '||'});
		else if (lower === 'not') tokens.push({t: '!'});
		else tokens.push({t: 'word', text: word});
		i = j;
	}
	return tokens;
}

function parseTerm(text: string): FilterTerm {
	const m = /^([A-Za-z_][A-Za-z0-9_.]*)(~=|!=|<=|>=|=|<|>)(.*)$/.exec(text);
	if (m !== null) {
		const op = OPS.find(o => o === m[2]) ?? '=';
		return {type: 'term', key: (m[1] ?? '').toLowerCase(), op, value: m[3] ?? '', text};
	}
	if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text)) return {type: 'term', key: text.toLowerCase(), text};
	// `actions~` / `dl_dst!`: an operator half-typed; the word alone until it is complete.
	const half = /^([A-Za-z_][A-Za-z0-9_.]*)[~!]$/.exec(text)?.[1];
	if (half !== undefined) return {type: 'term', key: half.toLowerCase(), text: half};
	return {type: 'term', value: text, text};
}

/** Parse a filter. Empty input is `{ok: true, expr: undefined}` (everything matches). */
export function parseFilter(input: string): FilterParse {
	const tokens = tokenize(input);
	if (typeof tokens === 'string') return {ok: false, error: tokens};
	// Trailing operators are what someone is in the middle of typing: ignore them.
	while (tokens.length > 0) {
		const last = tokens[tokens.length - 1];
		if (last !== undefined && (last.t === '&&' || last.t === '||' || last.t === '!')) tokens.pop();
		else break;
	}
	if (tokens.length === 0) return {ok: true, expr: undefined};
	let pos = 0;
	const peek = (): Token | undefined => tokens[pos];
	const fail = (message: string): never => {
		throw new SyntaxError(message);
	};
	const primary = (): FilterExpr => {
		const token = peek();
		if (token === undefined) return fail('expression expected at the end');
		if (token.t === '!') {
			pos++;
			return {type: 'not', expr: primary()};
		}
		if (token.t === '(') {
			pos++;
			const inner = or();
			if (peek()?.t !== ')') return fail('missing ")"');
			pos++;
			return inner;
		}
		if (token.t === 'word') {
			pos++;
			return parseTerm(token.text);
		}
		return fail(`unexpected "${token.t}"`);
	};
	const and = (): FilterExpr => {
		const items = [primary()];
		for (;;) {
			const token = peek();
			if (token?.t === '&&') {
				pos++;
				items.push(primary());
			} else if (
				token !== undefined &&
				(token.t === 'word' || token.t === '!' || token.t === '(')
			) {
				// Juxtaposition means AND, as in a search box.
				items.push(primary());
			} else break;
		}
		return items.length === 1 && items[0] !== undefined ? items[0] : {type: 'and', items};
	};
	const or = (): FilterExpr => {
		const items = [and()];
		while (peek()?.t === '||') {
			pos++;
			items.push(and());
		}
		return items.length === 1 && items[0] !== undefined ? items[0] : {type: 'or', items};
	};
	try {
		const expr = or();
		if (pos < tokens.length) return {ok: false, error: `unexpected "${describe(tokens[pos])}"`};
		return {ok: true, expr};
	} catch (error) {
		return {ok: false, error: (error as Error).message};
	}
}

const describe = (token: Token | undefined): string =>
	token === undefined ? 'end' : token.t === 'word' ? token.text : token.t;

/** The AND-chain of an expression (a single term is a chain of one); undefined for OR/NOT roots. */
export function conjuncts(expr: FilterExpr | undefined): readonly FilterExpr[] {
	if (expr === undefined) return [];
	return expr.type === 'and' ? expr.items : [expr];
}

/**
 * True when every row matching `next` is sure to match `prev` — so `next` can be evaluated over
 * `prev`'s result instead of every row (incremental filtering while typing). `asText` tells which
 * bare words search as free text (a word that is no match key or action name): `ta` → `tab`.
 */
export function narrows(
	prev: FilterExpr | undefined,
	next: FilterExpr | undefined,
	asText: (term: FilterTerm) => boolean = () => false,
): boolean {
	if (prev === undefined) return true;
	if (next === undefined) return false;
	const nextTerms = conjuncts(next);
	const needle = (t: FilterTerm): string | undefined =>
		t.key === undefined ? (t.value ?? '') : t.op === undefined && asText(t) ? t.text : undefined;
	return conjuncts(prev).every(p =>
		nextTerms.some(n => {
			if (sameExpr(p, n)) return true;
			if (p.type !== 'term' || n.type !== 'term') return false;
			if (p.op === '~=' && n.op === '~=')
				return (
					p.key === n.key && (n.value ?? '').toLowerCase().includes((p.value ?? '').toLowerCase())
				);
			const a = needle(p);
			const b = needle(n);
			return a !== undefined && b !== undefined && b.toLowerCase().includes(a.toLowerCase());
		}),
	);
}

function sameExpr(a: FilterExpr, b: FilterExpr): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}
