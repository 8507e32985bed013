/**
 * Generated extensions.conf texts for the dialplan benchmarks (issue #4). Kept apart from the
 * `*.bench.ts` files so the match, substitution and load benchmarks measure the same shapes of
 * dialplan, and so the generated text can be checked (it must parse without errors) before any
 * figure is taken: a benchmark over a dialplan that failed to load would measure nothing.
 *
 * The text goes through the real parser: the benchmarks measure the model a user's file
 * produces, not a hand-built one.
 */

/** Applications the generated text uses: the parser is given them as the known set, as at load. */
export const BENCH_APPS = ['Answer', 'Dial', 'GotoIf', 'Goto', 'Hangup', 'NoOp', 'Set', 'VoiceMail', 'VoiceMailMain', 'Playback', 'Background', 'WaitExten', 'ParkedCall', 'Gosub', 'Return', 'Congestion', 'Busy'];

const KNOWN = new Set(BENCH_APPS.map((a) => a.toLowerCase()));

/** The parser option a load passes (the registry's `known`): a case-insensitive name lookup. */
export const benchParseOptions = { knownApps: (name: string): boolean => KNOWN.has(name.trim().toLowerCase()) };

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Hand-written patterns of the kinds a small office dialplan has, most to least specific. */
export const NAMED_PATTERNS = [
  '_9NXXXXXX',
  '_91NXXNXXXXXX',
  '_1NXXNXXXXXX',
  '_NXXNXXXXXX',
  '_9011.',
  '_011.',
  '_00.',
  '_[2-4]XX',
  '_ZXXX!',
  '_7[0-4]XX',
  '_6XX.',
  '_X.',
] as const;

/**
 * The 300 patterns of the main context: NAMED_PATTERNS plus generated families under the prefix
 * 5 (`_5abXX`, `_5abNXXXXX`, `_5ab[1-5]X.`, `_5abZXX!`, `_5abXXXXXXXX`), so the list mixes
 * exact-length, class, `.` and `!` patterns of every specificity.
 */
export function mainPatterns(total = 300): string[] {
  const out: string[] = [...NAMED_PATTERNS];
  const families = [(ab: string) => `_5${ab}XX`, (ab: string) => `_5${ab}NXXXXX`, (ab: string) => `_5${ab}[1-5]X.`, (ab: string) => `_5${ab}ZXX!`, (ab: string) => `_5${ab}XXXXXXXX`];
  for (let i = 0; out.length < total; i++) out.push(families[i % families.length](pad(Math.floor(i / families.length), 2)));
  return out;
}

/** First literal extension of the main context; literals are LITERAL_BASE .. LITERAL_BASE+699. */
export const LITERAL_BASE = 2000;

/**
 * The 1,000-extension dialplan: `[bench-main]` with 700 literal extensions (2000-2699, three
 * priorities each: Dial, VoiceMail, Hangup) and 300 patterns, including three contexts reached
 * only by `*`/`#` codes (no main pattern starts with those): features (20 codes and two
 * patterns), voicemail (`*500`-`*519`, `_*8XXXX`) and parking (`#700`-`#720`).
 */
export function matchDialplanText(): string {
  const lines: string[] = ['[general]', 'static=yes', 'writeprotect=no', '', '[globals]', 'TRUNK=SIP/provider', '', '[bench-main]'];
  lines.push('include => bench-features', 'include => bench-voicemail', 'include => bench-parking');
  for (let i = 0; i < 700; i++) {
    const n = LITERAL_BASE + i;
    lines.push(`exten => ${n},1,Dial(SIP/${n},20,tT)`, ' same => n,VoiceMail(${EXTEN}@default,u)', ' same => n,Hangup()');
  }
  for (const p of mainPatterns()) lines.push(`exten => ${p},1,Dial(\${TRUNK}/\${EXTEN},60)`, ' same => n,Congestion()');
  lines.push('', '[bench-features]');
  for (let i = 0; i < 20; i++) lines.push(`exten => *${60 + i},1,NoOp(feature ${i})`, ' same => n,Hangup()');
  lines.push('exten => *97,1,VoiceMailMain(${CALLERID(num)}@default)', 'exten => *98,1,VoiceMailMain(@default)');
  lines.push('exten => _*72X.,1,NoOp(forward to ${EXTEN:3})', 'exten => _**X.,1,NoOp(pickup ${EXTEN:2})');
  lines.push('', '[bench-voicemail]');
  for (let i = 0; i < 20; i++) lines.push(`exten => *${500 + i},1,VoiceMail(${2000 + i}@default,u)`);
  lines.push('exten => _*8XXXX,1,VoiceMail(${EXTEN:2}@default,b)');
  lines.push('', '[bench-parking]');
  for (let i = 0; i <= 20; i++) lines.push(`exten => #${700 + i},1,ParkedCall(${700 + i})`);
  return lines.join('\n') + '\n';
}

/**
 * An extensions.conf of about `targetLines` lines (5,000 by default) shaped like a real office
 * file: comments and blank lines, [general], [globals] with 60 variables, department contexts
 * with `exten`/`same => n` blocks, `n(label)` labels, GotoIf to labels, hints, patterns, timed and
 * plain includes, shared features/outbound contexts and macro-style subroutines. Returns the text
 * and its exact line count.
 */
export function largeConfText(targetLines = 5000): { text: string; lines: number; contexts: number; extensions: number } {
  const lines: string[] = ['; extensions.conf generated for bench/dialplan/load.bench.ts', ';', '[general]', 'static=yes', 'writeprotect=no', 'autofallthrough=yes', 'clearglobalvars=no', '', '[globals]'];
  for (let i = 0; i < 60; i++) lines.push(`GLOBAL_${i}=value-${i}`);
  lines.push('TRUNK=SIP/provider', 'TRUNK_PREFIX=', 'OPERATOR=2000', '');
  // Shared contexts every department includes.
  lines.push('[features]');
  for (let i = 0; i < 20; i++) lines.push(`exten => *${60 + i},1,NoOp(feature ${i})`, ' same => n,Hangup()');
  lines.push('exten => *97,1,VoiceMailMain(${CALLERID(num)}@default)', 'exten => _*72X.,1,NoOp(forward to ${EXTEN:3})', '');
  lines.push('[outbound]');
  lines.push('exten => _9NXXXXXX,1,Dial(${TRUNK}/${EXTEN:1},60)', ' same => n,Congestion()');
  lines.push('exten => _91NXXNXXXXXX,1,Dial(${TRUNK}/${EXTEN:1},60)', ' same => n,Congestion()');
  lines.push('exten => _9011.,1,Dial(${TRUNK}/${EXTEN:1},60)', ' same => n,Congestion()', '');
  lines.push('[after-hours]', 'exten => _X.,1,Playback(after-hours)', ' same => n,VoiceMail(${OPERATOR}@default,u)', ' same => n,Hangup()', '');
  lines.push('[sub-voicemail]', 'exten => s,1,VoiceMail(${ARG1}@default,${IF($["${DIALSTATUS}" = "BUSY"]?b:u)})', ' same => n,Return()', '');
  let contexts = 4;
  let extensions = 20 + 2 + 3 + 1 + 1;
  let dept = 0;
  let ext = 10000;
  while (lines.length < targetLines - 12) {
    lines.push(`; department ${dept}`, `[dept-${dept}]`, 'include => features', 'include => outbound', 'include => after-hours,18:00-08:00,*,*,*');
    contexts++;
    const first = ext;
    // Ten users per department, 10 lines each (hint + 9 priorities).
    for (let u = 0; u < 10 && lines.length < targetLines - 12; u++, ext++) {
      lines.push(
        `exten => ${ext},hint,SIP/${ext}`,
        `exten => ${ext},1,NoOp(Call for ${ext} from \${CALLERID(num)})`,
        ' same => n,Set(CALLERID(name)=${DB(cidname/${CALLERID(num)})})',
        ` same => n,Dial(SIP/${ext},20,tT)`,
        ' same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
        ` same => n,VoiceMail(${ext}@default,u)`,
        ' same => n,Hangup()',
        ` same => n(busy),VoiceMail(${ext}@default,b)`,
        ' same => n,Hangup()',
        '',
      );
      extensions++;
    }
    lines.push(`exten => _${String(ext).slice(0, 3)}XX,1,Goto(dept-${dept},${first},1)`, '');
    extensions++;
    dept++;
  }
  while (lines.length < targetLines) lines.push('; padding to the target line count');
  return { text: lines.join('\n') + '\n', lines: lines.length, contexts, extensions };
}
