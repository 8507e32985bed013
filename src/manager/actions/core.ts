/**
 * The manager's own actions (everything but the call actions in ./call/): Logoff, Ping, Events,
 * ListCommands, Command, Getvar/Setvar, DBGet/DBPut/DBDel, CoreStatus, CoreSettings,
 * CoreShowChannels, Status, Hangup, Reload. Login and Challenge change the session's state and
 * are answered by the session itself; they are listed here so ListCommands shows them.
 * Replies follow Asterisk's manager.c wording, which scripts match on.
 */
import type { Channel } from '../../channels/channel.ts';
import { HANGUP_CAUSES, type HangupCause } from '../../core/hangup-causes.ts';
import type { AstDb } from '../../store/astdb.ts';
import type { AmiAction, AmiClass, AmiFields, AmiRequest, AmiResponse } from '../action.ts';
import type { ActionRegistry } from '../registry.ts';
import { channelFields } from '../events.ts';
import { AMI_VERSION } from '../wire.ts';
import { MANAGER_CLASSES } from '../../config/manager-conf.ts';
import { failure as error, listResponse, success as ok, withHeaders, type RequiredHeader } from './reply.ts';

export interface CoreActionDeps {
  /** The console command registry (`pbx.commands`); printed lines join the output. */
  command(line: string): Promise<{ ok: boolean; output: string }>;
  channels(): readonly Channel[];
  channel(name: string): Channel | undefined;
  /** A variable or function (`CALLERID(num)`) read on a channel, or a global without one. */
  getVariable(channel: Channel | undefined, name: string): string | undefined;
  setVariable(channel: Channel | undefined, name: string, value: string): void;
  db: Pick<AstDb, 'get' | 'put' | 'del'>;
  reload(): Promise<{ ok: boolean; output: string }>;
  /** What CoreStatus and CoreSettings report. */
  info(): { version: string; systemName: string; startedAt: number; reloadedAt: number; cdrEnabled: boolean };
  /** Clock ms (channels' createdAt is on this clock) and wall ms. */
  now(): number;
  wallNow(): number;
  /** For ListCommands. */
  actions: ActionRegistry;
}

type Action = AmiAction<CoreActionDeps>;

const login: Action = { name: 'Login', privilege: undefined, synopsis: 'Login Manager.', run: () => error('Already authenticated') };
const challenge: Action = { name: 'Challenge', privilege: undefined, synopsis: 'Generate Challenge for MD5 Auth.', run: () => error('Must specify AuthType') };

const logoff: Action = {
  name: 'Logoff',
  privilege: undefined,
  synopsis: 'Logoff Manager.',
  run: (_r, session) => {
    session.close();
    return { response: 'Goodbye', message: 'Thanks for all the fish.' };
  },
};

const ping: Action = {
  name: 'Ping',
  privilege: undefined,
  synopsis: 'Keepalive command.',
  run: (_r, _s, d) => ok(undefined, [['Ping', 'Pong'], ['Timestamp', (d.wallNow() / 1000).toFixed(6)]]),
};

const events: Action = {
  name: 'Events',
  privilege: undefined,
  synopsis: 'Control Event Flow.',
  run: (r, session) => {
    const mask = (r.get('EventMask') ?? '').trim().toLowerCase();
    if (mask === '') return error('Missing EventMask');
    if (mask === 'off' || mask === 'no' || mask === 'false' || mask === '0') {
      session.setEventMask('off');
      return ok(undefined, [['Events', 'Off']]);
    }
    if (mask === 'on' || mask === 'yes' || mask === 'true' || mask === '1' || mask === 'all') {
      session.setEventMask('on');
      return ok(undefined, [['Events', 'On']]);
    }
    const classes = mask.split(',').map((c) => c.trim()).filter((c) => c !== '');
    const bad = classes.find((c) => !(MANAGER_CLASSES as readonly string[]).includes(c));
    if (bad !== undefined) return error(`Invalid event class '${bad}'`);
    session.setEventMask(classes as AmiClass[]);
    return ok(undefined, [['Events', classes.length ? 'On' : 'Off']]);
  },
};

const listCommands: Action = {
  name: 'ListCommands',
  privilege: undefined,
  synopsis: 'List available manager commands.',
  run: (_r, _s, d) => ok(undefined, d.actions.list().map((a) => [a.name, `${a.synopsis}  (Priv: ${a.privilege ? `${a.privilege},all` : '<none>'})`])),
};

const command: Action = {
  name: 'Command',
  privilege: 'command',
  synopsis: 'Execute Asterisk CLI Command.',
  // A blank command is missing, but the console gets the line as sent.
  run: withHeaders(
    [['Command', 'No command provided']],
    async (_trimmed, r, _s, d) => {
      const result = await d.command(r.get('Command') ?? '');
      return { response: result.ok ? 'Success' : 'Error', message: 'Command output follows', output: result.output };
    },
    'trimmed',
  ),
};

/**
 * Getvar's and Setvar's `run`: `Variable` is required; `Channel` is optional (without it the
 * variable is a global) but must name a live channel when given.
 */
function onVariable(run: (variable: string, channel: Channel | undefined, r: AmiRequest, d: CoreActionDeps) => AmiResponse): Action['run'] {
  return withHeaders([['Variable', 'No variable specified']], ([variable], r, _s, d) => {
    const name = r.get('Channel');
    if (name === undefined || name === '') return run(variable, undefined, r, d);
    const channel = d.channel(name);
    return channel ? run(variable, channel, r, d) : error('No such channel');
  });
}

const getvar: Action = {
  name: 'Getvar',
  privilege: 'call',
  synopsis: 'Gets a channel variable or function value.',
  run: onVariable((variable, channel, _r, d) => ok(undefined, [['Variable', variable], ['Value', d.getVariable(channel, variable) ?? '']])),
};

const setvar: Action = {
  name: 'Setvar',
  privilege: 'call',
  synopsis: 'Sets a channel variable or function value.',
  run: onVariable((variable, channel, r, d) => {
    d.setVariable(channel, variable, r.get('Value') ?? '');
    return ok('Variable Set');
  }),
};

/** DBGet's and DBDel's words (DBPut's have no full stop, as in manager.c). */
const DB_ENTRY = [
  ['Family', 'No family specified.'],
  ['Key', 'No key specified.'],
] as const satisfies readonly RequiredHeader[];

const dbGet: Action = {
  name: 'DBGet',
  privilege: 'system',
  synopsis: 'Get DB Entry.',
  run: withHeaders(DB_ENTRY, ([family, key], _r, _s, d) => {
    const val = d.db.get(family, key);
    if (val === undefined) return error('Database entry not found');
    return listResponse('Result will follow', 'DBGetResponse', [[['Family', family], ['Key', key], ['Val', val]]], 'DBGetComplete');
  }),
};

const dbPut: Action = {
  name: 'DBPut',
  privilege: 'system',
  synopsis: 'Put DB entry.',
  run: withHeaders(
    [
      ['Family', 'No family specified'],
      ['Key', 'No key specified'],
    ],
    ([family, key], r, _s, d) => {
      try {
        d.db.put(family, key, r.get('Val') ?? '');
      } catch (e) {
        return error(`Failed to update entry: ${e instanceof Error ? e.message : String(e)}`);
      }
      return ok('Updated database successfully');
    },
  ),
};

const dbDel: Action = {
  name: 'DBDel',
  privilege: 'system',
  synopsis: 'Delete DB entry.',
  run: withHeaders(DB_ENTRY, ([family, key], _r, _s, d) => (d.db.del(family, key) ? ok('Key deleted successfully') : error('Database entry not found'))),
};

/** Asterisk's `YYYY-MM-DD` and `HH:MM:SS` (local time of the PBX). */
function dateTime(ms: number): [string, string] {
  const t = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return [`${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`, `${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`];
}

const coreStatus: Action = {
  name: 'CoreStatus',
  privilege: 'system',
  synopsis: 'Show PBX core status variables.',
  run: (_r, _s, d) => {
    const i = d.info();
    const [sd, st] = dateTime(i.startedAt);
    const [rd, rt] = dateTime(i.reloadedAt);
    return ok(undefined, [
      ['CoreStartupDate', sd],
      ['CoreStartupTime', st],
      ['CoreReloadDate', rd],
      ['CoreReloadTime', rt],
      ['CoreCurrentCalls', String(d.channels().length)],
    ]);
  },
};

const coreSettings: Action = {
  name: 'CoreSettings',
  privilege: 'system',
  synopsis: 'Show PBX core settings (version etc).',
  run: (_r, _s, d) => {
    const i = d.info();
    return ok(undefined, [
      ['AMIversion', AMI_VERSION],
      ['AsteriskVersion', i.version],
      ['SystemName', i.systemName],
      ['CoreMaxCalls', '0'],
      ['CoreMaxLoadAvg', '0.000000'],
      ['CoreRunUser', ''],
      ['CoreRunGroup', ''],
      ['CoreMaxFilehandles', '0'],
      ['CoreRealTimeEnabled', 'No'],
      ['CoreCDRenabled', i.cdrEnabled ? 'Yes' : 'No'],
      ['CoreHTTPenabled', 'No'],
    ]);
  },
};

function hms(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

const coreShowChannels: Action = {
  name: 'CoreShowChannels',
  privilege: 'system',
  synopsis: 'List currently active channels.',
  run: (_r, _s, d) => {
    const now = d.now();
    const items = d.channels().map((c): AmiFields => [
      ...channelFields(c),
      ['Application', c.application],
      ['ApplicationData', c.appData],
      ['Duration', hms((now - c.createdAt) / 1000)],
      ['BridgeId', ''],
      ['BridgedChannel', c.bridgedTo ?? ''],
    ]);
    return listResponse('Channels will follow', 'CoreShowChannel', items, 'CoreShowChannelsComplete');
  },
};

const status: Action = {
  name: 'Status',
  privilege: 'system',
  synopsis: 'List channel status.',
  run: (r, _s, d) => {
    const wanted = r.get('Channel');
    const all = d.channels();
    const list = wanted ? all.filter((c) => c.name === wanted) : all;
    if (wanted && list.length === 0) return error('No such channel');
    const now = d.now();
    const items = list.map((c): AmiFields => [
      ...channelFields(c),
      ['Type', c.tech],
      ['DNID', ''],
      ['Application', c.application],
      ['Data', c.appData],
      ['Nativeformats', `(${c.format ?? 'ulaw'})`],
      ['Readformat', c.format ?? 'ulaw'],
      ['Writeformat', c.format ?? 'ulaw'],
      ['TimeToHangup', '0'],
      ['BridgeID', ''],
      ['BridgedChannel', c.bridgedTo ?? ''],
      ['Seconds', String(Math.floor((now - c.createdAt) / 1000))],
    ]);
    // Status alone repeats the count as `Items` (manager.c keeps it for old clients).
    return listResponse('Channel status will follow', 'Status', items, 'StatusComplete', [['Items', String(items.length)]]);
  },
};

const KNOWN_CAUSES = new Set<number>(Object.values(HANGUP_CAUSES));

const hangup: Action = {
  name: 'Hangup',
  privilege: 'system',
  synopsis: 'Hangup channel.',
  run: withHeaders([['Channel', 'No channel specified']], ([name], r, _s, d) => {
    const rawCause = r.get('Cause');
    const n = rawCause === undefined || rawCause === '' ? HANGUP_CAUSES.NORMAL_CLEARING : Number(rawCause);
    const cause = (KNOWN_CAUSES.has(n) ? n : HANGUP_CAUSES.NORMAL_CLEARING) as HangupCause;
    // `/regex/` hangs up every matching channel, as Asterisk 13+ does.
    const re = /^\/(.*)\/$/.exec(name);
    const targets = re ? d.channels().filter((c) => safeRegex(re[1])?.test(c.name)) : [d.channel(name)].filter((c): c is Channel => c !== undefined);
    if (targets.length === 0) return error('No such channel');
    for (const c of targets) c.hangup(cause);
    return ok('Channel Hungup');
  }),
};

function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

const reload: Action = {
  name: 'Reload',
  privilege: 'config',
  synopsis: 'Send a reload event.',
  run: async (_r, _s, d) => {
    const r = await d.reload();
    return r.ok ? ok('Module Reloaded') : error(r.output.split('\n').slice(0, 3).join(' '));
  },
};

export const CORE_ACTIONS: readonly Action[] = [
  login,
  challenge,
  logoff,
  ping,
  events,
  listCommands,
  command,
  getvar,
  setvar,
  dbGet,
  dbPut,
  dbDel,
  coreStatus,
  coreSettings,
  coreShowChannels,
  status,
  hangup,
  reload,
];
