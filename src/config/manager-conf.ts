/**
 * manager.conf as Asterisk's manager.c reads it: `[general]` (enabled, port, bindaddr,
 * displayconnects, timestampevents, authtimeout, authlimit) and one section per manager user
 * (secret, deny/permit, read, write). The file is optional, and without it (or with
 * `enabled = no`) the manager does not listen; no user exists until a section defines one.
 *
 * A misspelt supported key or a bad value is an error with file:line; the real Asterisk keys
 * this PBX does not act on (webenabled, httptimeout, eventfilter, writetimeout ...) are warned
 * about and ignored, so an Asterisk user's file still loads.
 */
import { parseConfFile, type ConfFile, type ConfLister, type ConfReader, type ConfSection } from './conf-parser.ts';
import { didYouMean, type Diagnostics, type Origin } from './diagnostics.ts';
import { isIPv4, isIPv6, parseBool, parseInteger, parsePort } from './values.ts';

export const MANAGER_CONF = 'manager.conf';

/** Asterisk's manager permission classes (the manager's AmiClass, spelt here for validation). */
export const MANAGER_CLASSES = [
  'system',
  'call',
  'log',
  'verbose',
  'command',
  'agent',
  'user',
  'config',
  'dtmf',
  'reporting',
  'cdr',
  'dialplan',
  'originate',
  'agi',
  'security',
  'message',
] as const;
export type ManagerClassName = (typeof MANAGER_CLASSES)[number];

/**
 * One deny/permit line: the network as the first address and a prefix length. `v6` rules match
 * only IPv6 sources (IPv4-mapped sources are compared as IPv4).
 */
export interface AclRule {
  sense: 'deny' | 'permit';
  address: string;
  prefix: number;
  v6: boolean;
}

export interface ManagerUser {
  name: string;
  secret: string;
  /** In file order; the last rule that matches decides, and no match permits (Asterisk's ast_apply_ha). */
  acl: AclRule[];
  read: ReadonlySet<ManagerClassName>;
  write: ReadonlySet<ManagerClassName>;
  /** The read line named `dialplan` itself (not through `all`): such users hear VarSet. */
  readsDialplanExplicitly: boolean;
  origin: Origin;
}

export interface ManagerConfig {
  enabled: boolean;
  port: number;
  bindaddr: string;
  displayconnects: boolean;
  timestampevents: boolean;
  /** Seconds an unauthenticated connection may stay before it is closed. */
  authtimeout: number;
  /** Unauthenticated connections at once; more are refused at connect. */
  authlimit: number;
  users: Map<string, ManagerUser>;
  /** Where `enabled` is (for the warning about an enabled manager with no users). */
  origin: Origin;
}

export function defaultManagerConfig(): ManagerConfig {
  return {
    enabled: false,
    port: 5038,
    bindaddr: '127.0.0.1',
    displayconnects: true,
    timestampevents: false,
    authtimeout: 30,
    authlimit: 50,
    users: new Map(),
    origin: { file: MANAGER_CONF, line: 0 },
  };
}

const GENERAL_KEYS = ['enabled', 'port', 'bindaddr', 'displayconnects', 'timestampevents', 'authtimeout', 'authlimit'];
/** Real Asterisk [general] keys with no effect here. */
const GENERAL_IGNORED = new Set([
  'webenabled',
  'httptimeout',
  'tlsenable',
  'tlsbindport',
  'tlsbindaddr',
  'tlscertfile',
  'tlsprivatekey',
  'tlscipher',
  'allowmultiplelogin',
  'channelvars',
  'debug',
  'block-sockets',
  'manager_debug',
  'hidecommands',
]);
const USER_KEYS = ['secret', 'deny', 'permit', 'read', 'write', 'acl'];
const USER_IGNORED = new Set(['eventfilter', 'writetimeout', 'displayconnects', 'allowmultiplelogin', 'setvar', 'hidecommands']);

/** Reads manager.conf through the configuration reader; the defaults (off) when absent. */
export function loadManagerConf(io: { read: ConfReader; list: ConfLister }, diag: Diagnostics): { config: ManagerConfig; files: string[] } {
  const parsed = parseConfFile(MANAGER_CONF, io);
  diag.absorb({ errors: parsed.errors.filter((e) => !(e.file === MANAGER_CONF && e.code === 'CONFIG_MISSING')), warnings: parsed.warnings });
  if (parsed.conf.files.length === 0) return { config: defaultManagerConfig(), files: [] };
  return { config: readManagerConf(parsed.conf, diag), files: parsed.conf.files };
}

export function readManagerConf(conf: ConfFile, diag: Diagnostics): ManagerConfig {
  const m = defaultManagerConfig();
  for (const section of conf.sections) {
    if (section.templateOnly) continue;
    if (section.name.toLowerCase() === 'general') readGeneral(section, m, diag);
    else readUser(section, m, diag);
  }
  if (m.enabled && m.users.size === 0) diag.warn(m.origin, 'the manager is enabled but no user is defined: nobody can log in');
  return m;
}

function readGeneral(section: ConfSection, m: ManagerConfig, diag: Diagnostics): void {
  for (const e of section.entries) {
    const key = e.key.toLowerCase();
    const v = e.value.trim();
    const at: Origin = { file: e.file, line: e.line };
    const bool = (set: (b: boolean) => void): void => {
      const r = parseBool(v);
      if (r.ok) set(r.value);
      else diag.error(at, `${e.key}: ${r.why}`);
    };
    const int = (min: number, max: number, set: (n: number) => void): void => {
      const r = parseInteger(v, min, max);
      if (r.ok) set(r.value);
      else diag.error(at, `${e.key}: ${r.why}`);
    };
    switch (key) {
      case 'enabled':
        m.origin = at;
        bool((b) => (m.enabled = b));
        break;
      case 'port': {
        const r = parsePort(v);
        if (r.ok) m.port = r.value;
        else diag.error(at, `port: ${r.why}`);
        break;
      }
      case 'bindaddr':
        if (isIPv4(v) || isIPv6(v)) m.bindaddr = v;
        else diag.error(at, `bindaddr: '${v}' is not an IP address`);
        break;
      case 'displayconnects':
        bool((b) => (m.displayconnects = b));
        break;
      case 'timestampevents':
        bool((b) => (m.timestampevents = b));
        break;
      case 'authtimeout':
        int(1, 3600, (n) => (m.authtimeout = n));
        break;
      case 'authlimit':
        int(1, 10000, (n) => (m.authlimit = n));
        break;
      default:
        if (GENERAL_IGNORED.has(key)) diag.warn(at, `manager.conf '${e.key}' is not supported here; ignored`);
        else diag.error(at, `unknown manager.conf [general] key '${e.key}'${didYouMean(e.key, GENERAL_KEYS)}`);
    }
  }
}

function readUser(section: ConfSection, m: ManagerConfig, diag: Diagnostics): void {
  const origin: Origin = { file: section.file, line: section.line };
  let secret: string | undefined;
  const acl: AclRule[] = [];
  let read = new Set<ManagerClassName>();
  let write = new Set<ManagerClassName>();
  let readsDialplanExplicitly = false;
  for (const e of section.entries) {
    const key = e.key.toLowerCase();
    const v = e.value.trim();
    const at: Origin = { file: e.file, line: e.line };
    switch (key) {
      case 'secret':
        secret = v;
        break;
      case 'deny':
      case 'permit': {
        const r = parseAclEntry(v);
        if (typeof r === 'string') diag.error(at, `${e.key}: ${r}`);
        else acl.push({ sense: key, ...r });
        break;
      }
      case 'read':
      case 'write': {
        const r = parseClassList(v);
        if (typeof r === 'string') {
          diag.error(at, `${e.key}: ${r}`);
          break;
        }
        if (key === 'read') {
          read = r;
          readsDialplanExplicitly = v.split(',').some((w) => w.trim().toLowerCase() === 'dialplan');
        } else write = r;
        break;
      }
      case 'acl':
        diag.warn(at, `named ACLs (acl.conf) are not supported; use deny/permit lines; ignored`);
        break;
      default:
        if (USER_IGNORED.has(key)) diag.warn(at, `manager.conf '${e.key}' is not supported here; ignored`);
        else diag.error(at, `unknown manager.conf user key '${e.key}' in [${section.name}]${didYouMean(e.key, USER_KEYS)}`);
    }
  }
  if (secret === undefined || secret === '') {
    diag.error(origin, `manager user [${section.name}] has no secret`);
    return;
  }
  m.users.set(section.name, { name: section.name, secret, acl, read, write, readsDialplanExplicitly, origin });
}

/** `read = system,call` / `all` / `none`: the set of classes, or why it is wrong. */
export function parseClassList(v: string): Set<ManagerClassName> | string {
  const out = new Set<ManagerClassName>();
  for (const raw of v.split(',')) {
    const w = raw.trim().toLowerCase();
    if (w === '' || w === 'none') continue;
    if (w === 'all') {
      for (const c of MANAGER_CLASSES) out.add(c);
      continue;
    }
    if (!(MANAGER_CLASSES as readonly string[]).includes(w)) return `unknown class '${raw.trim()}'${didYouMean(w, [...MANAGER_CLASSES, 'all'])}`;
    out.add(w as ManagerClassName);
  }
  return out;
}

/**
 * One deny/permit value as Asterisk writes them: `ADDR`, `ADDR/PREFIX` or `ADDR/NETMASK`
 * (`0.0.0.0/0.0.0.0`, `192.168.1.0/255.255.255.0`), IPv4 or IPv6.
 */
export function parseAclEntry(v: string): Omit<AclRule, 'sense'> | string {
  const [addr, mask] = v.split('/', 2) as [string, string | undefined];
  if (isIPv4(addr)) {
    let prefix = 32;
    if (mask !== undefined) {
      if (/^\d{1,2}$/.test(mask) && Number(mask) <= 32) prefix = Number(mask);
      else if (isIPv4(mask)) {
        const n = mask.split('.').reduce((a, p) => a * 256 + Number(p), 0);
        const bits = n.toString(2).padStart(32, '0');
        if (!/^1*0*$/.test(bits)) return `netmask '${mask}' is not contiguous`;
        prefix = bits.indexOf('0') < 0 ? 32 : bits.indexOf('0');
      } else return `'${mask}' is neither a prefix length (0-32) nor a netmask`;
    }
    return { address: addr, prefix, v6: false };
  }
  if (isIPv6(addr)) {
    let prefix = 128;
    if (mask !== undefined) {
      if (/^\d{1,3}$/.test(mask) && Number(mask) <= 128) prefix = Number(mask);
      else return `'${mask}' is not a prefix length (0-128)`;
    }
    return { address: addr, prefix, v6: true };
  }
  return `'${addr}' is not an IP address`;
}
