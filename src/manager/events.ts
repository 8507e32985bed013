/**
 * The bus's events (core/events.ts) as manager events, with the field names Asterisk 13 and
 * later send: a channel is described by the same block everywhere (Channel, ChannelState,
 * ChannelStateDesc, CallerIDNum ... Linkedid), the destination of a Dial by that block with
 * `Dest` before each name, and a bridge by its Bridge* fields. Values a channel lacks are sent
 * as Asterisk sends them (`<unknown>` for an empty caller ID).
 */
import type { EventChannel, PbxEvent } from '../core/events.ts';
import type { AmiFields } from './action.ts';

/** Asterisk's AST_STATE_* numbers. */
const STATE_NUMBER: Record<EventChannel['state'], number> = { Down: 0, Ring: 4, Ringing: 5, Up: 6, Busy: 7 };

/** Q.850 cause texts as Asterisk's ast_cause2str writes them. */
const CAUSE_TEXT: Record<number, string> = {
  0: 'Unknown',
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'User alerting, no answer',
  20: 'Subscriber absent',
  21: 'Call Rejected',
  34: 'Circuit/channel congestion',
  58: 'Bearer capability not available',
  127: 'Interworking, unspecified',
};

export function causeText(cause: number): string {
  return CAUSE_TEXT[cause] ?? 'Unknown';
}

export function channelStateNumber(state: EventChannel['state']): number {
  return STATE_NUMBER[state];
}

const unknown = (v: string | undefined): string => (v === undefined || v === '' ? '<unknown>' : v);

/** The channel block; `prefix` is `Dest` for a Dial's destination. */
export function channelFields(ch: EventChannel, prefix = ''): [string, string][] {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(STATE_NUMBER[ch.state])],
    [`${prefix}ChannelStateDesc`, ch.state],
    [`${prefix}CallerIDNum`, unknown(ch.callerId.number)],
    [`${prefix}CallerIDName`, unknown(ch.callerId.name)],
    [`${prefix}ConnectedLineNum`, '<unknown>'],
    [`${prefix}ConnectedLineName`, '<unknown>'],
    [`${prefix}Language`, ch.language ?? 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority ?? 1)],
    [`${prefix}Uniqueid`, ch.uniqueId],
    [`${prefix}Linkedid`, ch.uniqueId],
  ];
}

export interface AmiEvent {
  event: string;
  fields: AmiFields;
}

/** The manager event for a bus event. */
export function toAmiEvent(e: PbxEvent): AmiEvent {
  switch (e.type) {
    case 'Newchannel':
    case 'Newstate':
      return { event: e.type, fields: channelFields(e.channel) };
    case 'NewCallerid':
      return { event: e.type, fields: [...channelFields(e.channel), ['CID-CallingPres', presentation(e.channel.callerId.presentation)]] };
    case 'Newexten': {
      const f = channelFields(e.channel);
      setField(f, 'Context', e.context);
      setField(f, 'Exten', e.exten);
      setField(f, 'Priority', String(e.priority));
      return { event: e.type, fields: [...f, ['Extension', e.exten], ['Application', e.application], ['AppData', e.appData]] };
    }
    case 'VarSet':
      return { event: e.type, fields: [...channelFields(e.channel), ['Variable', e.variable], ['Value', e.value]] };
    case 'Hangup':
      return { event: e.type, fields: [...channelFields(e.channel), ['Cause', String(e.cause)], ['Cause-txt', causeText(e.cause)]] };
    case 'DialBegin':
      return { event: e.type, fields: [...channelFields(e.caller), ...channelFields(e.destination, 'Dest'), ['DialString', e.dialString.slice(e.dialString.indexOf('/') + 1)]] };
    case 'DialEnd':
      return { event: e.type, fields: [...channelFields(e.caller), ...channelFields(e.destination, 'Dest'), ['DialStatus', e.dialStatus]] };
    case 'BridgeEnter':
    case 'BridgeLeave':
      return {
        event: e.type,
        fields: [
          ['BridgeUniqueid', e.bridgeId],
          ['BridgeType', e.bridgeType],
          ['BridgeTechnology', 'simple_bridge'],
          ['BridgeCreator', '<unknown>'],
          ['BridgeName', '<unknown>'],
          ['BridgeNumChannels', String(e.numChannels)],
          ['BridgeVideoSourceMode', 'none'],
          ...channelFields(e.channel),
        ],
      };
    case 'DTMFBegin':
      return { event: e.type, fields: [...channelFields(e.channel), ['Digit', e.digit], ['Direction', e.direction]] };
    case 'DTMFEnd':
      return { event: e.type, fields: [...channelFields(e.channel), ['Digit', e.digit], ['DurationMs', String(e.durationMs)], ['Direction', e.direction]] };
    case 'PeerStatus': {
      const f: [string, string][] = [['ChannelType', 'SIP'], ['Peer', e.peer], ['PeerStatus', e.status]];
      if (e.address !== undefined) f.push(['Address', e.address]);
      if (e.cause !== undefined) f.push(['Cause', e.cause]);
      if (e.timeMs !== undefined) f.push(['Time', String(e.timeMs)]);
      return { event: e.type, fields: f };
    }
    case 'Registry': {
      const f: [string, string][] = [['ChannelType', 'SIP'], ['Username', e.username], ['Domain', e.domain], ['Status', e.status]];
      if (e.cause !== undefined) f.push(['Cause', e.cause]);
      return { event: e.type, fields: f };
    }
    case 'MessageWaiting':
      return { event: e.type, fields: [['Mailbox', e.mailbox], ['Waiting', e.waiting ? '1' : '0'], ['New', String(e.newMessages)], ['Old', String(e.oldMessages)]] };
    case 'Cdr':
      return { event: e.type, fields: Object.entries(e.fields) };
    case 'FullyBooted':
      return { event: e.type, fields: [['Status', e.status]] };
  }
}

function setField(f: [string, string][], name: string, value: string): void {
  const i = f.findIndex(([k]) => k === name);
  if (i >= 0) f[i] = [name, value];
}

/** Asterisk's `CID-CallingPres: 0 (Presentation Allowed, Not Screened)`. */
function presentation(p: string | undefined): string {
  switch (p) {
    case undefined:
    case 'allowed_not_screened':
      return '0 (Presentation Allowed, Not Screened)';
    case 'allowed_passed_screen':
      return '1 (Presentation Allowed, Passed Screen)';
    case 'allowed_failed_screen':
      return '2 (Presentation Allowed, Failed Screen)';
    case 'allowed':
      return '3 (Presentation Allowed, Network Number)';
    case 'prohib_not_screened':
      return '32 (Presentation Prohibited, Not Screened)';
    case 'prohib_passed_screen':
      return '33 (Presentation Prohibited, Passed Screen)';
    case 'prohib_failed_screen':
      return '34 (Presentation Prohibited, Failed Screen)';
    case 'prohib':
      return '35 (Presentation Prohibited, Network Number)';
    case 'unavailable':
      return '67 (Number Unavailable)';
    default:
      return `0 (${p})`;
  }
}
