/**
 * Parser for the Asterisk configuration dialect (the syntax of sip.conf, extensions.conf, and our
 * pbx.conf):
 *
 *   [section]                 a section; `[name](!)` is a template only, `[name](a,b)` copies in the
 *                             entries of the earlier sections a then b, `[name](+)` appends to the
 *                             existing section of that name
 *   key = value / key => value  an entry; the operator is kept (dialplan lines use `=>`)
 *   ; comment                 to end of line; `\;` is a literal semicolon; `;-- ... --;` is a block
 *                             comment that may span lines (`;---` rulers are plain comments)
 *   #include file            the file's lines as if written here (path relative to the including
 *   #include "file"           file's directory; `*` and `?` globs allowed in the file name);
 *   #tryinclude file          `#tryinclude` is silent when the file does not exist
 *   #exec / #tryexec          refused: running programs from configuration is not allowed
 *
 * Entries are kept in file order, repeated keys included (`allow=ulaw` then `allow=alaw`, many
 * `exten =>`), each with the file and line it came from. Template inheritance is copy-in, like
 * Asterisk's: the inheriting section starts with the templates' entries (first template first),
 * then its own, so a consumer that takes the last value of a key sees own values override.
 *
 * The parser never throws on bad input: it records every problem as a ConfigError and goes on.
 */
import { ConfigError } from '../core/errors.ts';
import { readTextIfExists, isDirectory, listDir, paths } from '../platform/fs.ts';
import { didYouMean } from './diagnostics.ts';

export type ConfOperator = '=' | '=>';

export interface ConfEntry {
  key: string;
  value: string;
  op: ConfOperator;
  file: string;
  line: number;
  /** Set when the entry was copied in from a template section. */
  inheritedFrom?: string;
}

export interface ConfSection {
  name: string;
  /** `[name](!)`: a template, not a real section; consumers skip it. */
  templateOnly: boolean;
  /** Templates this section copied entries from, in order. */
  templates: string[];
  entries: ConfEntry[];
  file: string;
  line: number;
}

export interface ConfFile {
  /** The top-level file name as given. */
  file: string;
  sections: ConfSection[];
  /** Every file read, the top-level one first, then includes in the order they were read. */
  files: string[];
}

/**
 * Reads a file by the path the parser computed (relative to the configuration root unless it is
 * absolute). Returns undefined when the file does not exist; may throw for other failures, which
 * become errors at the #include line.
 */
export type ConfReader = (path: string) => string | undefined;

/** Lists the file names in a directory (for `#include` globs); undefined if there is no such dir. */
export type ConfLister = (dir: string) => string[] | undefined;

export interface ConfReadOptions {
  read?: ConfReader;
  list?: ConfLister;
  /** Include depth limit: a guard against pathological but loop-free include chains. */
  maxDepth?: number;
}

export interface ConfParseResult {
  conf: ConfFile;
  errors: ConfigError[];
  warnings: ConfigError[];
}

/** Reader and lister for a configuration directory on disk (relative paths resolve against `dir`). */
export function diskReader(dir: string): { read: ConfReader; list: ConfLister } {
  const abs = (p: string): string => (paths.isAbsolute(p) ? p : paths.join(dir, p));
  return {
    read: (p) => readTextIfExists(abs(p)),
    list: (d) => (isDirectory(abs(d)) ? listDir(abs(d)) : undefined),
  };
}

/** Reader and lister over an in-memory map of relative file names to contents. */
export function memoryReader(files: Record<string, string>): { read: ConfReader; list: ConfLister } {
  const byPath = new Map<string, string>();
  for (const [name, text] of Object.entries(files)) byPath.set(normalizePath(name), text);
  return {
    read: (p) => byPath.get(normalizePath(p)),
    list: (d) => {
      const dir = normalizePath(d);
      const prefix = dir === '.' ? '' : `${dir}/`;
      const names = [...byPath.keys()]
        .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/'))
        .map((k) => k.slice(prefix.length));
      return names.length > 0 ? names.sort() : undefined;
    },
  };
}

/** Parse `file` (and everything it includes) read through `options.read`. */
export function parseConfFile(file: string, options: ConfReadOptions = {}): ConfParseResult {
  const state = new ParseState(file, options);
  state.includeFile(file, undefined);
  return state.result();
}

/** Parse text already in memory, named `file` for error messages and relative includes. */
export function parseConfText(file: string, text: string, options: ConfReadOptions = {}): ConfParseResult {
  const state = new ParseState(file, options);
  state.parseText(file, text);
  return state.result();
}

/** The sections named `name` that are real sections (templates excluded), in file order. */
export function sectionsNamed(conf: ConfFile, name: string): ConfSection[] {
  return conf.sections.filter((s) => s.name === name && !s.templateOnly);
}

/** POSIX-style normalisation of a relative or absolute path ('a/./b/../c' -> 'a/c'). */
export function normalizePath(p: string): string {
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else if (part === '..' && absolute) continue;
    else out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined === '' ? '.' : joined;
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}

function resolveInclude(fromFile: string, target: string): string {
  return target.startsWith('/') ? normalizePath(target) : normalizePath(`${dirOf(fromFile)}/${target}`);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) {
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const SECTION_RE = /^\[([^\]]*)\]\s*(?:\(([^)]*)\))?\s*$/;
const DIRECTIVE_RE = /^#\s*([A-Za-z]+)\b\s*(.*)$/;

class ParseState {
  private readonly sections: ConfSection[] = [];
  /** Latest section of each name, so template lookups stay O(1) in files with thousands of peers. */
  private readonly latest = new Map<string, ConfSection>();
  private readonly files: string[] = [];
  private readonly errors: ConfigError[] = [];
  private readonly warnings: ConfigError[] = [];
  private readonly stack: string[] = [];
  private current: ConfSection | undefined;
  private orphanReported = false;
  private readonly read: ConfReader;
  private readonly list: ConfLister | undefined;
  private readonly maxDepth: number;

  constructor(
    private readonly top: string,
    options: ConfReadOptions,
  ) {
    this.read = options.read ?? ((p) => readTextIfExists(p));
    this.list = options.list;
    this.maxDepth = options.maxDepth ?? 16;
  }

  result(): ConfParseResult {
    return { conf: { file: this.top, sections: this.sections, files: this.files }, errors: this.errors, warnings: this.warnings };
  }

  private error(file: string, line: number, reason: string): void {
    this.errors.push(new ConfigError(file, line, reason));
  }

  /** Read and parse `path`; `from` is the #include site (undefined for the top-level file). */
  includeFile(path: string, from: { file: string; line: number; optional: boolean } | undefined): void {
    let text: string | undefined;
    try {
      text = this.read(path);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (from) this.error(from.file, from.line, `cannot read included file '${path}': ${why}`);
      else this.errors.push(new ConfigError(path, 0, `cannot read: ${why}`, 'CONFIG_MISSING'));
      return;
    }
    if (text === undefined) {
      if (!from) this.errors.push(new ConfigError(path, 0, `file not found`, 'CONFIG_MISSING'));
      else if (!from.optional) this.error(from.file, from.line, `included file '${path}' not found`);
      return;
    }
    this.parseText(path, text);
  }

  parseText(file: string, text: string): void {
    if (!this.files.includes(file)) this.files.push(file);
    this.stack.push(file);
    // A byte-order mark (Windows Notepad writes one) would otherwise hide the first [section].
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    let blockStart = 0;
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const wasInBlock = blockStart > 0;
      const { text: content, inBlock } = stripComment(lines[i], wasInBlock);
      if (inBlock && !wasInBlock) blockStart = lineNo;
      if (!inBlock) blockStart = 0;
      const line = content.trim();
      if (line === '') continue;
      if (line.startsWith('#')) this.directive(file, lineNo, line);
      else if (line.startsWith('[')) this.sectionHeader(file, lineNo, line);
      else this.entry(file, lineNo, line);
    }
    if (blockStart > 0) this.error(file, blockStart, `block comment ';--' is never closed with '--;'`);
    this.stack.pop();
  }

  private directive(file: string, line: number, text: string): void {
    const m = DIRECTIVE_RE.exec(text);
    const name = m ? m[1].toLowerCase() : '';
    if (name === 'exec' || name === 'tryexec') {
      this.error(file, line, `#${name} is not allowed: configuration files may not run programs`);
      return;
    }
    if (name !== 'include' && name !== 'tryinclude') {
      this.error(file, line, `unknown directive '${text.split(/\s/)[0]}'${didYouMean(`#${name}`, ['#include', '#tryinclude'])}`);
      return;
    }
    let target = (m?.[2] ?? '').trim();
    const quoted = /^"(.*)"$/.exec(target) ?? /^<(.*)>$/.exec(target);
    if (quoted) target = quoted[1].trim();
    if (target === '') {
      this.error(file, line, `#${name} needs a file name`);
      return;
    }
    const optional = name === 'tryinclude';
    const resolved = resolveInclude(file, target);
    const targets = /[*?]/.test(target) ? this.glob(file, line, resolved) : [resolved];
    for (const p of targets) {
      if (this.stack.includes(p)) {
        const chain = [...this.stack.slice(this.stack.indexOf(p)), p].join(' -> ');
        this.error(file, line, `include loop: ${chain}`);
        continue;
      }
      if (this.stack.length >= this.maxDepth) {
        this.error(file, line, `includes nested deeper than ${this.maxDepth} files`);
        continue;
      }
      this.includeFile(p, { file, line, optional });
    }
  }

  private glob(file: string, line: number, pattern: string): string[] {
    const dir = dirOf(pattern);
    const base = pattern.slice(pattern.lastIndexOf('/') + 1);
    if (/[*?]/.test(dir)) {
      this.error(file, line, `wildcards are allowed only in the file name, not in directories`);
      return [];
    }
    const names = this.list?.(dir) ?? [];
    const re = globToRegExp(base);
    const matches = names.filter((n) => re.test(n)).map((n) => normalizePath(`${dir}/${n}`));
    if (matches.length === 0) this.warnings.push(new ConfigError(file, line, `no file matches '${pattern}'`));
    return matches;
  }

  private sectionHeader(file: string, line: number, text: string): void {
    const m = SECTION_RE.exec(text);
    this.current = undefined;
    this.orphanReported = false;
    if (!m) {
      this.error(file, line, `malformed section header '${text}' (expected [name] or [name](options))`);
      this.orphanReported = true;
      return;
    }
    const name = m[1].trim();
    if (name === '') {
      this.error(file, line, `empty section name`);
      this.orphanReported = true;
      return;
    }
    const options = m[2] === undefined ? [] : m[2].split(',').map((o) => o.trim()).filter((o) => o !== '');
    const append = options.includes('+');
    const templateOnly = options.includes('!');
    const templateNames = options.filter((o) => o !== '+' && o !== '!');

    let section: ConfSection | undefined;
    if (append) {
      section = this.findSection(name);
      if (!section) {
        this.error(file, line, `cannot add to [${name}] with (+): no section [${name}] before this line`);
      }
    }
    if (!section) {
      section = { name, templateOnly, templates: [], entries: [], file, line };
      this.sections.push(section);
      this.latest.set(name, section);
    }
    for (const t of templateNames) {
      const tpl = this.findSection(t, section);
      if (!tpl) {
        const known = this.sections.filter((s) => s !== section).map((s) => s.name);
        this.error(file, line, `template '${t}' is not defined above [${name}]${didYouMean(t, known)}`);
        continue;
      }
      section.templates.push(t);
      for (const e of tpl.entries) {
        section.entries.push({ key: e.key, value: e.value, op: e.op, file: e.file, line: e.line, inheritedFrom: e.inheritedFrom ?? t });
      }
    }
    this.current = section;
  }

  /** The latest section named `name`, other than `except` (a section cannot inherit from itself). */
  private findSection(name: string, except?: ConfSection): ConfSection | undefined {
    const latest = this.latest.get(name);
    if (latest !== except) return latest;
    for (let i = this.sections.length - 1; i >= 0; i--) {
      const s = this.sections[i];
      if (s.name === name && s !== except) return s;
    }
    return undefined;
  }

  private entry(file: string, line: number, text: string): void {
    const eq = text.indexOf('=');
    if (eq < 0) {
      this.error(file, line, `expected 'key = value', got '${text}'`);
      return;
    }
    const op: ConfOperator = text[eq + 1] === '>' ? '=>' : '=';
    const key = text.slice(0, eq).trim();
    const value = text.slice(eq + op.length).trim();
    if (key === '') {
      this.error(file, line, `missing key before '${op}'`);
      return;
    }
    if (!this.current) {
      // One report per stretch: a bad header already explains the entries after it, and a file
      // that forgot its header would otherwise yield one identical error per line.
      if (!this.orphanReported) this.error(file, line, `'${key}' is outside any [section]`);
      this.orphanReported = true;
      return;
    }
    this.current.entries.push({ key, value, op, file, line });
  }
}

/**
 * Remove comments from one line. `\;` becomes a literal ';'. `;--` opens a block comment that ends
 * at the next `--;`, possibly on a later line (`inBlock` carries that state between lines).
 */
export function stripComment(line: string, inBlock: boolean): { text: string; inBlock: boolean } {
  if (!inBlock && !line.includes(';')) return { text: line, inBlock };
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (inBlock) {
      const end = line.indexOf('--;', i);
      if (end < 0) return { text: out, inBlock: true };
      i = end + 3;
      inBlock = false;
      continue;
    }
    const c = line[i];
    if (c === '\\' && line[i + 1] === ';') {
      out += ';';
      i += 2;
      continue;
    }
    if (c === ';') {
      // ';--' opens a block but ';---...' (a ruler line, common in Asterisk samples) does not.
      if (line.startsWith(';--', i) && line[i + 3] !== '-') {
        inBlock = true;
        i += 3;
        continue;
      }
      break;
    }
    out += c;
    i++;
  }
  return { text: out, inBlock };
}
