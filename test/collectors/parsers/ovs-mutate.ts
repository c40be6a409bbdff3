import fc from 'fast-check';

/** A real output cut, spliced, re-ordered and sprinkled with noise (OVS-flavoured). */
export function mutatedOvs(texts: readonly string[]): fc.Arbitrary<string> {
	return fc
		.tuple(
			fc.constantFrom(...texts),
			fc.nat(),
			fc.nat(),
			fc.oneof(fc.string({unit: 'binary', maxLength: 40}), ovsNoise),
			fc.constantFrom('cut', 'insert', 'replace', 'dropLines', 'dupLines', 'crlf'),
		)
		.map(([text, a, b, noise, how]) => {
			const i = a % (text.length + 1);
			const j = i + (b % 200);
			switch (how) {
				case 'cut':
					return text.slice(0, i);
				case 'insert':
					return text.slice(0, i) + noise + text.slice(i);
				case 'replace':
					return text.slice(0, i) + noise + text.slice(j);
				case 'dropLines':
					return text
						.split('\n')
						.filter((_l, k) => k % ((a % 5) + 2) !== 0)
						.join('\n');
				case 'dupLines': {
					const lines = text.split('\n');
					return [...lines.slice(0, i % (lines.length + 1)), ...lines].join('\n');
				}
				case 'crlf':
					return text.replaceAll('\n', '\r\n');
			}
		});
}

/** Fragments of OVS syntax glued at random. */
export const ovsNoise: fc.Arbitrary<string> = fc
	.array(
		fc.constantFrom(
			' cookie=0x1, ',
			'duration=1.5s, ',
			'table=',
			'priority=',
			'n_packets=',
			'reset_counts ',
			' actions=',
			'actions=',
			'learn(',
			'resubmit(,',
			')',
			'(',
			'"',
			'\\',
			',',
			'=',
			'->',
			'load:0xa000004->NXM_OF_ARP_SPA[]',
			'set_field:',
			'{',
			'}',
			'[',
			']',
			'Bridge ',
			'Port ',
			'    ',
			'\n',
			'9',
			'LOCAL(',
			'["map",',
			'["set",[]]',
			'fa:16:3e:00:00:01',
		),
		{maxLength: 50},
	)
	.map(parts => parts.join(''));
