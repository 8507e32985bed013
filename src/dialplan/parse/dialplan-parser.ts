/**
 * extensions.conf -> Dialplan (types.ts), with pbx_config's reading rules and every problem
 * reported as `file:line: reason` (ConfigError, code DIALPLAN_INVALID):
 *
 *   [general]   static, writeprotect, autofallthrough (default yes), clearglobalvars, maxsteps (ours)
 *   [globals]   NAME=value, kept raw and in order
 *   [name]      a context (`[macro-x]` too); sections of the same name merge, as in Asterisk
 *     exten => NAME[/CID],PRIORITY,App(args)   priorities: N, n, next, s/same, hint, a label
 *     same  => PRIORITY,App(args)                of the same extension, `(label)`, `+N`
 *     include => ctx[,times,weekdays,mdays,months[,tz]]   (or the 1.4 `ctx|times|...`)
 *     ignorepat => 9
 *     switch/lswitch/eswitch =>                  warned about and ignored (not supported)
 *
 * The conf dialect itself (comments, `\;`, #include, templates) is src/config/conf-parser.ts.
 * `n` counts from the previous priority line of the same context section and `same =>` repeats the
 * previous extension, both reset at each section header, exactly as pbx_config. Where Asterisk
 * only logs a warning and drops or mangles a line (priority collisions, `n` on the first line,
 * unbalanced parentheses, duplicate labels) we report an error: the dialplan would silently
 * differ from what the file says. A dialplan is returned only when there are no errors.
 */
import { ConfigError, PbxError } from '../../core/errors.ts';
import { parseConfFile, parseConfText, type ConfEntry, type ConfFile, type ConfLister, type ConfReader, type ConfSection } from '../../config/conf-parser.ts';
import { didYouMean } from '../../config/diagnostics.ts';
import { parseBool } from '../../config/values.ts';
import { compileName, extensionKey } from '../match/pattern.ts';
import { parseTimeSpec } from '../timespec.ts';
import type { Context, Dialplan, DialplanGeneral, Extension, Include, Priority, SourceRef, TimeSpec } from '../types.ts';
import { parseAppCall } from './app-call.ts';
import { parsePriorityField, splitExtenValue, type PriorityField } from './exten-line.ts';

export interface DialplanParseOptions {
  /** Known application names (case-insensitive as the caller decides); unknown ones are errors. */
  knownApps?: (name: string) => boolean;
  /** A close known name for an unknown one, for "(did you mean 'Playback'?)". */
  suggestApp?: (name: string) => string | undefined;
  /** Text of an error for an application that exists but needs a later feature. */
  unavailableApp?: (name: string) => string | undefined;
  /** Include depth limit for #include (conf-parser's default 16). */
  maxIncludeDepth?: number;
}

export interface DialplanReader {
  read: ConfReader;
  list?: ConfLister;
}

export interface DialplanParseResult {
  /** Present only when `errors` is empty. */
  dialplan?: Dialplan;
  errors: ConfigError[];
  warnings: ConfigError[];
}

export const DEFAULT_GENERAL: Readonly<DialplanGeneral> = {
  static: false,
  writeProtect: false,
  autoFallthrough: true,
  clearGlobalVars: false,
};

const CODE = 'DIALPLAN_INVALID';

/** Parse extensions.conf `file` (and what it #includes) read through `reader`. */
export function parseDialplan(file: string, reader: DialplanReader, options: DialplanParseOptions = {}): DialplanParseResult {
  const conf = parseConfFile(file, { read: reader.read, list: reader.list, maxDepth: options.maxIncludeDepth });
  return finish(conf.conf, conf.errors, conf.warnings, options);
}

/** Parse extensions.conf text already in memory (named `file` in messages and for #include). */
export function parseDialplanText(file: string, text: string, reader?: DialplanReader, options: DialplanParseOptions = {}): DialplanParseResult {
  const conf = parseConfText(file, text, { read: reader?.read, list: reader?.list, maxDepth: options.maxIncludeDepth });
  return finish(conf.conf, conf.errors, conf.warnings, options);
}

/**
 * Build a dialplan from conf sections already read (e.g. the user's extensions.conf sections
 * followed by generated ones: give a ConfFile whose `sections`/`files` are the concatenation,
 * and the problems those reads reported, which are merged into the result).
 */
export function dialplanFromConf(
  conf: ConfFile,
  options: DialplanParseOptions = {},
  confProblems: { errors: readonly ConfigError[]; warnings: readonly ConfigError[] } = { errors: [], warnings: [] },
): DialplanParseResult {
  return finish(conf, confProblems.errors, confProblems.warnings, options);
}

function finish(conf: ConfFile, confErrors: readonly ConfigError[], confWarnings: readonly ConfigError[], options: DialplanParseOptions): DialplanParseResult {
  const b = new DialplanBuilder(options);
  for (const e of confErrors) b.errors.push(e.code === 'CONFIG_INVALID' ? new ConfigError(e.file, e.line, e.reason, CODE) : e);
  for (const w of confWarnings) b.warnings.push(new ConfigError(w.file, w.line, w.reason, CODE));
  const sections = conf.sections.filter((s) => !s.templateOnly);
  // [general] and [globals] first wherever they are written: pbx_config reads them before any
  // context, and extension names may use the globals.
  for (const section of sections) if (isSettings(section)) b.settings(section);
  for (const section of sections) if (!isSettings(section)) b.context(section);
  const dialplan = b.build();
  const order = (f: string): number => {
    const i = conf.files.indexOf(f);
    return i < 0 ? conf.files.length : i;
  };
  const sort = (list: ConfigError[]): ConfigError[] => list.sort((x, y) => order(x.file) - order(y.file) || x.line - y.line);
  const errors = sort(b.errors);
  const warnings = sort(b.warnings);
  return errors.length === 0 ? { dialplan, errors, warnings } : { errors, warnings };
}

interface ExtensionBuild {
  extension: Extension;
  byPriority: Map<number, Priority>;
  byLabel: Map<string, Priority>;
}

interface ContextBuild {
  context: Context;
  extensions: Map<string, ExtensionBuild>;
  includeTexts: Set<string>;
}

const GENERAL_KEYS = ['static', 'writeprotect', 'autofallthrough', 'clearglobalvars', 'maxsteps', 'extenpatternmatchnew', 'userscontext', 'priorityjumping'];

class DialplanBuilder {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];
  private readonly general: DialplanGeneral = { ...DEFAULT_GENERAL };
  private readonly globals: Dialplan['globals'] = [];
  /** [globals] values as substituted so far (later ones may use earlier ones). */
  private readonly globalValues = new Map<string, string>();
  private readonly contexts = new Map<string, ContextBuild>();
  /** Per section: the previous line's extension (`same =>`) and priority (`n`). */
  private lastExtension: string | undefined;
  private lastPriority: number | 'hint' | undefined;

  constructor(private readonly options: DialplanParseOptions) {}

  private error(at: SourceRef, reason: string): void {
    this.errors.push(new ConfigError(at.file, at.line, reason, CODE));
  }

  private warn(at: SourceRef, reason: string): void {
    this.warnings.push(new ConfigError(at.file, at.line, reason, CODE));
  }

  settings(s: ConfSection): void {
    if (s.name.toLowerCase() === 'general') {
      for (const e of s.entries) this.generalEntry(e);
      return;
    }
    for (const e of s.entries) {
      this.globals.push({ name: e.key, value: e.value, source: { file: e.file, line: e.line } });
      this.globalValues.set(e.key, this.substituteGlobals(e.value, undefined));
    }
  }

  /**
   * `${NAME}` of [globals] in extension names, include and ignorepat values, as pbx_config
   * substitutes them at load time (there is no channel then). Other expressions stay as written.
   */
  private substituteGlobals(text: string, at: SourceRef | undefined): string {
    if (!text.includes('${')) return text;
    return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (ref: string, name: string) => {
      const v = this.globalValues.get(name);
      if (v !== undefined) return v;
      // Inside [globals] an unknown name may be a built-in the runtime fills in: keep it.
      if (!at) return ref;
      this.warn(at, `'\${${name}}' is not set in [globals]; it reads as empty here`);
      return '';
    });
  }

  context(s: ConfSection): void {
    let ctx = this.contexts.get(s.name);
    if (!ctx) {
      ctx = {
        context: { name: s.name, extensions: [], includes: [], ignorePatterns: [], source: { file: s.file, line: s.line } },
        extensions: new Map(),
        includeTexts: new Set(),
      };
      this.contexts.set(s.name, ctx);
    }
    this.lastExtension = undefined;
    this.lastPriority = undefined;
    for (const e of s.entries) this.contextEntry(ctx, e);
  }

  private generalEntry(e: ConfEntry): void {
    const at = { file: e.file, line: e.line };
    const key = e.key.toLowerCase();
    const flag = (): boolean | undefined => {
      const v = parseBool(e.value);
      if (!v.ok) this.error(at, `${e.key} = '${e.value}': ${v.why}`);
      return v.ok ? v.value : undefined;
    };
    switch (key) {
      case 'static': {
        const v = flag();
        if (v !== undefined) this.general.static = v;
        return;
      }
      case 'writeprotect': {
        const v = flag();
        if (v !== undefined) this.general.writeProtect = v;
        return;
      }
      case 'autofallthrough': {
        const v = flag();
        if (v !== undefined) this.general.autoFallthrough = v;
        return;
      }
      case 'clearglobalvars': {
        const v = flag();
        if (v !== undefined) this.general.clearGlobalVars = v;
        return;
      }
      case 'maxsteps': {
        // Ours (Asterisk has none): the runaway-loop bound, priorities run without waiting.
        const n = Number(e.value.trim());
        if (!/^\d+$/.test(e.value.trim()) || n < 10 || n > 10_000_000) this.error(at, `maxsteps = '${e.value}': a whole number from 10 to 10000000`);
        else this.general.maxSteps = n;
        return;
      }
      case 'extenpatternmatchnew':
        if (flag() === true) this.warn(at, `extenpatternmatchnew = yes is not supported; extensions are matched in the default (extenpatternmatchnew = no) order`);
        return;
      case 'userscontext':
        return; // users.conf is not read; the key is harmless
      case 'priorityjumping':
        this.warn(at, `priorityjumping is obsolete (removed in Asterisk 1.6) and ignored`);
        return;
      default:
        this.warn(at, `unknown [general] setting '${e.key}'${didYouMean(key, GENERAL_KEYS)}; ignored`);
    }
  }

  private contextEntry(ctx: ContextBuild, e: ConfEntry): void {
    const at = { file: e.file, line: e.line };
    const key = e.key.toLowerCase();
    switch (key) {
      case 'exten':
      case 'same':
        this.priorityLine(ctx, e, key === 'same');
        return;
      case 'include':
        this.include(ctx, this.substituteGlobals(e.value, at), at);
        return;
      case 'ignorepat': {
        const pattern = this.substituteGlobals(e.value, at).trim();
        if (pattern === '') this.error(at, `ignorepat => needs a pattern`);
        else ctx.context.ignorePatterns.push(pattern);
        return;
      }
      case 'switch':
      case 'lswitch':
      case 'eswitch':
        this.warn(at, `${e.key} => is not supported (no alternative switches); '${e.value}' is ignored`);
        return;
      default:
        this.warn(at, `unknown directive '${e.key}' in context '${ctx.context.name}'${didYouMean(key, ['exten', 'same', 'include', 'ignorepat', 'switch'])}; ignored`);
    }
  }

  private include(ctx: ContextBuild, value: string, at: SourceRef): void {
    const text = value.trim();
    // Asterisk splits at the first '|' if there is one, else at the first ','.
    let sep = text.indexOf('|');
    if (sep < 0) sep = text.indexOf(',');
    const name = (sep < 0 ? text : text.slice(0, sep)).trim();
    const timeText = sep < 0 ? undefined : text.slice(sep + 1).trim();
    if (name === '') {
      this.error(at, `include => needs a context name`);
      return;
    }
    let time: TimeSpec | undefined;
    if (timeText !== undefined) {
      try {
        time = parseTimeSpec(timeText);
      } catch (err) {
        if (!(err instanceof PbxError)) throw err;
        this.error(at, `bad time in include of '${name}': ${err.message}`);
        return;
      }
    }
    const key = `${name}\u0000${timeText ?? ''}`;
    if (ctx.includeTexts.has(key)) {
      this.warn(at, `context '${name}' is already included in '${ctx.context.name}'; ignored`);
      return;
    }
    ctx.includeTexts.add(key);
    const include: Include = { context: name, source: at };
    if (time) include.time = time;
    ctx.context.includes.push(include);
  }

  private priorityLine(ctx: ContextBuild, e: ConfEntry, isSame: boolean): void {
    const at = { file: e.file, line: e.line };
    if (isSame && this.lastExtension === undefined) {
      this.error(at, `'same =>' has no previous 'exten =>' in context '${ctx.context.name}' to continue`);
      return;
    }
    const fields = splitExtenValue(e.value, isSame ? this.lastExtension : undefined);
    if (typeof fields === 'string') {
      this.error(at, fields);
      return;
    }
    if (!isSame) {
      fields.name = this.substituteGlobals(fields.name, at);
      if (fields.callerId !== undefined) fields.callerId = this.substituteGlobals(fields.callerId, at);
    }
    if (!isSame) this.lastExtension = fields.callerId === undefined ? fields.name : `${fields.name}/${fields.callerId}`;
    if (fields.name === '') {
      this.error(at, `missing extension name in '${e.value}'`);
      return;
    }
    if (!this.checkName(fields.name, 'extension', at)) return;
    if (fields.callerId !== undefined && fields.callerId !== '' && !this.checkName(fields.callerId, 'caller ID match', at)) return;

    const pf = parsePriorityField(fields.priority);
    if (typeof pf === 'string') {
      this.error(at, pf);
      return;
    }
    const ext = this.extension(ctx, fields.name, fields.callerId, at);
    if (pf.ref.kind === 'hint') {
      this.lastPriority = 'hint';
      if (ext.extension.hint) {
        const h = ext.extension.hint.source;
        this.error(at, `extension '${displayName(ext.extension)}' in context '${ctx.context.name}' already has a hint (${h.file}:${h.line})`);
        return;
      }
      if (fields.appText === '') {
        this.error(at, `hint for extension '${fields.name}' names no device`);
        return;
      }
      ext.extension.hint = { value: fields.appText, source: at };
      return;
    }
    const number = this.resolvePriority(pf, ext, at);
    if (number === undefined) return;
    this.lastPriority = number;

    const parsed = parseAppCall(fields.appText);
    for (const w of parsed.warnings) this.warn(at, w);
    for (const err of parsed.errors) this.error(at, err);
    if (!parsed.call) return;
    this.checkApp(parsed.call.app, at);

    const existing = ext.byPriority.get(number);
    if (existing) {
      const s = existing.source;
      this.error(at, `priority ${number} of extension '${displayName(ext.extension)}' in context '${ctx.context.name}' is already defined at ${s.file}:${s.line}`);
      return;
    }
    const priority: Priority = { priority: number, app: parsed.call.app, appData: parsed.call.data, source: at };
    if (pf.label !== undefined) {
      const other = ext.byLabel.get(pf.label);
      if (other) {
        this.error(at, `label '${pf.label}' is already used by priority ${other.priority} of extension '${displayName(ext.extension)}' (${other.source.file}:${other.source.line})`);
      } else {
        priority.label = pf.label;
        ext.byLabel.set(pf.label, priority);
      }
    }
    ext.byPriority.set(number, priority);
    ext.extension.priorities.push(priority);
  }

  private resolvePriority(pf: PriorityField, ext: ExtensionBuild, at: SourceRef): number | undefined {
    let n: number;
    const ref = pf.ref;
    if (ref.kind === 'next' || ref.kind === 'same') {
      const word = ref.kind === 'next' ? `'n'` : `'s'`;
      if (this.lastPriority === undefined) {
        this.error(at, `${word} priority needs a previous priority line in this context (it is the first one)`);
        return undefined;
      }
      if (this.lastPriority === 'hint') {
        this.error(at, `${word} priority follows a hint, which has no number to count from; write the number`);
        return undefined;
      }
      n = ref.kind === 'next' ? this.lastPriority + 1 : this.lastPriority;
    } else if (ref.kind === 'number') {
      n = ref.value;
    } else if (ref.kind === 'label') {
      const target = ext.byLabel.get(ref.name);
      if (!target) {
        this.error(at, `invalid priority '${ref.name}' (not a number, n, s, hint or a label defined above for this extension)`);
        return undefined;
      }
      n = target.priority;
    } else {
      return undefined;
    }
    n += pf.offset;
    if (n < 1 || !Number.isSafeInteger(n)) {
      this.error(at, `invalid priority ${n} (priorities start at 1)`);
      return undefined;
    }
    return n;
  }

  /** Pattern sanity: `[` closed, no empty pattern, `.`/`!` last. False when it is an error. */
  private checkName(name: string, what: string, at: SourceRef): boolean {
    if (!name.startsWith('_')) return true;
    if (name === '_') {
      this.error(at, `empty ${what} pattern '_'`);
      return false;
    }
    const compiled = compileName(name);
    if (compiled.tokens.some((t) => t.kind === 'broken')) {
      this.error(at, `${what} pattern '${name}' has '[' without ']'`);
      return false;
    }
    if (name.includes('[]')) this.warn(at, `${what} pattern '${name}' has an empty set '[]', which is ignored`);
    const wild = compiled.tokens.findIndex((t) => t.kind === 'dot' || t.kind === 'bang');
    if (wild >= 0 && wild < compiled.tokens.length - 1) {
      this.warn(at, `in ${what} pattern '${name}', '${compiled.tokens[wild].kind === 'dot' ? '.' : '!'}' matches everything after it; the rest is ignored`);
    }
    if (what === 'extension' && (name === '_.' || name === '_!')) {
      this.warn(at, `the use of '${name}' for an extension is strongly discouraged (it also matches h, i, t...); use '_X${name[1]}' instead`);
    }
    return true;
  }

  private checkApp(app: string, at: SourceRef): void {
    const { knownApps, suggestApp, unavailableApp } = this.options;
    if (knownApps && !knownApps(app)) {
      const hint = suggestApp?.(app);
      this.error(at, `unknown application '${app}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      return;
    }
    const unavailable = unavailableApp?.(app);
    if (unavailable !== undefined) this.error(at, unavailable);
  }

  private extension(ctx: ContextBuild, name: string, callerId: string | undefined, at: SourceRef): ExtensionBuild {
    const key = `${extensionKey(name)}\u0000${callerId === undefined ? '' : `/${extensionKey(callerId)}`}`;
    let ext = ctx.extensions.get(key);
    if (!ext) {
      const extension: Extension = { name, priorities: [], source: at };
      if (callerId !== undefined) extension.callerId = callerId;
      ext = { extension, byPriority: new Map(), byLabel: new Map() };
      ctx.extensions.set(key, ext);
      ctx.context.extensions.push(extension);
    }
    return ext;
  }

  build(): Dialplan {
    const contexts = new Map<string, Context>();
    for (const [name, ctx] of this.contexts) {
      for (const { extension } of ctx.extensions.values()) {
        extension.priorities.sort((a, b) => a.priority - b.priority);
        const first = extension.priorities[0];
        if (first && first.priority !== 1) {
          this.warn(first.source, `extension '${displayName(extension)}' in context '${name}' has no priority 1 (its first is ${first.priority}): calls to it never start, only a Goto to a later priority reaches it`);
        }
      }
      contexts.set(name, ctx.context);
    }
    for (const ctx of this.contexts.values()) {
      for (const inc of ctx.context.includes) {
        if (contexts.has(inc.context)) continue;
        this.warn(inc.source, `context '${ctx.context.name}' includes unknown context '${inc.context}'${didYouMean(inc.context, contexts.keys())}`);
      }
    }
    return { general: this.general, globals: this.globals, contexts };
  }
}

function isSettings(s: ConfSection): boolean {
  const lower = s.name.toLowerCase();
  return lower === 'general' || lower === 'globals';
}

function displayName(e: Extension): string {
  return e.callerId === undefined ? e.name : `${e.name}/${e.callerId}`;
}
