/** Fake deps and session for the call actions' unit tests, and a field assertion they share. */
import assert from 'node:assert/strict';
import type { AmiClass, AmiFields, AmiSessionView } from '../../../src/manager/action.ts';
import type { CallActionDeps, OriginateOutcome, OriginateRequest } from '../../../src/manager/actions/call/index.ts';

export interface FakeSession extends AmiSessionView {
  sent: { event: string; fields: AmiFields }[];
}

export function fakeSession(write: readonly AmiClass[] = ['originate', 'call', 'system']): FakeSession {
  const sent: { event: string; fields: AmiFields }[] = [];
  return {
    user: 'admin',
    remote: '127.0.0.1',
    sent,
    canRead: () => true,
    canWrite: (cls) => write.includes(cls),
    setEventMask: () => undefined,
    sendEvent: (event, fields) => sent.push({ event, fields }),
    close: () => undefined,
  };
}

export interface FakeDeps extends CallActionDeps {
  originated: OriginateRequest[];
  redirected: unknown[][];
  /** What the next originate settles with (a promise the test may hold back). */
  outcome: Promise<OriginateOutcome>;
}

export function fakeDeps(over: Partial<CallActionDeps> = {}): FakeDeps {
  const d: FakeDeps = {
    originated: [],
    redirected: [],
    outcome: Promise.resolve({ answered: true, reason: 4, channel: { name: 'SIP/2000-00000001', uniqueId: '1700000000.1' } }),
    originate(req) {
      d.originated.push(req);
      return d.outcome;
    },
    exists: (context, exten) => context === 'default' && ['2000', '2001', '600'].includes(exten),
    findLabel: (_c, _e, label) => (label === 'start' ? 5 : undefined),
    channel: (name) => (name.startsWith('SIP/2000-') || name.startsWith('SIP/2001-') ? { name, callerNumber: '2000' } : undefined),
    redirect(name, to, extra) {
      d.redirected.push([name, to, extra]);
      return true;
    },
    sipPeers: () => [],
    sipPeer: () => undefined,
    sipRegistry: () => [],
    hint: () => undefined,
    deviceState: () => 'UNKNOWN',
    mailbox: () => undefined,
    ...over,
  };
  return d;
}

/** The value of a field (first of that name). */
export function field(fields: AmiFields | undefined, name: string): string | undefined {
  return fields?.find(([k]) => k === name)?.[1];
}

/** Asserts the first value of each named field at once (a mismatch shows them all). */
export function assertFields(fields: AmiFields | undefined, expected: Readonly<Record<string, string | undefined>>): void {
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, field(fields, k)])), expected);
}
