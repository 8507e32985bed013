/**
 * The contract between the manager's session code (server, login, event delivery) and its
 * actions: an action is a named handler of one request that answers with a response, and for
 * list actions (Status, CoreShowChannels, SIPpeers ...) a series of events ended by a
 * `...Complete` event, as Asterisk does. Actions reach the PBX only through the `ManagerDeps`
 * slice they declare, which the runtime fills in (manager/ imports no runtime code).
 */

/**
 * Asterisk's manager permission classes (manager.conf `read`/`write`); `all` means every one.
 * An action names the write class it needs; an event the read class a session must have.
 */
export type AmiClass =
  | 'system'
  | 'call'
  | 'log'
  | 'verbose'
  | 'command'
  | 'agent'
  | 'user'
  | 'config'
  | 'dtmf'
  | 'reporting'
  | 'cdr'
  | 'dialplan'
  | 'originate'
  | 'agi'
  | 'security'
  | 'message';

/** One request as received: header names as sent (lookups are case-insensitive). */
export interface AmiRequest {
  /** The Action header's value as sent (`Originate`); actions are matched case-insensitively. */
  readonly action: string;
  readonly actionId: string | undefined;
  /** A header's value, by case-insensitive name; the first when repeated. */
  get(name: string): string | undefined;
  /** Every value of a repeated header (`Variable: A=1` twice). */
  all(name: string): string[];
}

/** Ordered `Key: Value` lines (order matters to some clients, and keys may repeat). */
export type AmiFields = readonly (readonly [string, string])[];

export interface AmiResponse {
  response: 'Success' | 'Error' | 'Goodbye' | 'Follows';
  message?: string;
  /** Extra lines of the response itself (Ping's Ping/Timestamp, Getvar's Variable/Value ...). */
  fields?: AmiFields;
  /** List actions: events sent after the response, each with the request's ActionID. */
  events?: readonly { event: string; fields: AmiFields }[];
  /** Command: the console output, ended on the wire by `--END COMMAND--`. */
  output?: string;
}

/** The session an action runs for (Events changes its mask; Logoff ends it). */
export interface AmiSessionView {
  readonly user: string;
  readonly remote: string;
  /** Whether the user may read events of this class. */
  canRead(cls: AmiClass): boolean;
  /**
   * Whether the user holds this write class besides the action's own (Originate of System or
   * Exec also needs `system`, as Asterisk asks); absent: no extra class is held.
   */
  canWrite?(cls: AmiClass): boolean;
  /** Events: which classes this session hears now (`on`, `off`, or a list). */
  setEventMask(mask: 'on' | 'off' | readonly AmiClass[]): void;
  /** Sends an event to this session later (Originate's async OriginateResponse). */
  sendEvent(event: string, fields: AmiFields): void;
  /** Ends the session after the current response (Logoff). */
  close(): void;
}

export interface AmiAction<Deps = unknown> {
  /** As Asterisk spells it: `Originate`, `CoreShowChannels`. */
  readonly name: string;
  /** The write class a user needs (undefined: any logged-in user, like Ping). */
  readonly privilege: AmiClass | undefined;
  readonly synopsis: string;
  run(request: AmiRequest, session: AmiSessionView, deps: Deps): AmiResponse | Promise<AmiResponse>;
}

/** Every manager event has one read class (Asterisk's EVENT_FLAG_*). */
export const EVENT_CLASS: Readonly<Record<string, AmiClass>> = {
  FullyBooted: 'system',
  Newchannel: 'call',
  Newstate: 'call',
  NewCallerid: 'call',
  Newexten: 'dialplan',
  VarSet: 'dialplan',
  Hangup: 'call',
  DialBegin: 'call',
  DialEnd: 'call',
  BridgeEnter: 'call',
  BridgeLeave: 'call',
  DTMFBegin: 'dtmf',
  DTMFEnd: 'dtmf',
  PeerStatus: 'system',
  Registry: 'system',
  MessageWaiting: 'call',
  Cdr: 'cdr',
  OriginateResponse: 'call',
  Reload: 'system',
};
