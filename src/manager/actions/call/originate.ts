/**
 * Originate (Asterisk's action_originate): call a channel (`SIP/2000`, `DAHDI/1`,
 * `SIP/trunk/5551234`) and, once it answers, run it from `Exten`/`Context`/`Priority` or run one
 * `Application(Data)` on it. Without `Async` the response waits for the outcome; with it the
 * response comes at once and an `OriginateResponse` event to this session tells the outcome.
 * Applications that reach a shell (System, Exec ...) or data naming SHELL/EVAL need the
 * `system` write class as well, as Asterisk asks.
 */
import type { AmiAction, AmiFields, AmiRequest, AmiSessionView } from '../../action.ts';
import { failure, success } from '../reply.ts';
import type { CallActionDeps, OriginateOutcome, OriginateRequest, OriginateTarget } from './types.ts';
import { parseCallerId, parsePriority, parseVariables } from './parse.ts';

/** Asterisk's default Timeout (ms). */
export const DEFAULT_ORIGINATE_TIMEOUT_MS = 30_000;

export const originateAction: AmiAction<CallActionDeps> = {
  name: 'Originate',
  privilege: 'originate',
  synopsis: 'Originate a call',
  run(request, session, deps) {
    const parsed = parseOriginate(request, session, deps);
    if ('error' in parsed) return failure(parsed.error);
    const call = deps.originate(parsed);
    if (isTrue(request.get('Async'))) {
      void call
        .catch((): OriginateOutcome => ({ answered: false, reason: 0 }))
        .then((outcome) => session.sendEvent('OriginateResponse', originateResponseFields(request, parsed, outcome)));
      return success('Originate successfully queued');
    }
    return call.then(
      (outcome) => (outcome.answered ? success('Originate successfully queued') : failure('Originate failed')),
      () => failure('Originate failed'),
    );
  },
};

/** Asterisk's ast_true. */
function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true|y|t|1|on)$/i.test(v.trim());
}

/** Request -> what to place, or Asterisk's error message. */
export function parseOriginate(request: AmiRequest, session: AmiSessionView, deps: CallActionDeps): OriginateRequest | { error: string } {
  const channel = request.get('Channel')?.trim() ?? '';
  if (channel === '') return { error: 'Channel not specified' };
  if (!/^[^/]+\/.+/.test(channel)) return { error: 'Invalid channel' };
  const timeoutText = request.get('Timeout')?.trim();
  let timeoutMs = DEFAULT_ORIGINATE_TIMEOUT_MS;
  if (timeoutText !== undefined && timeoutText !== '') {
    if (!/^\d+$/.test(timeoutText)) return { error: 'Invalid timeout' };
    timeoutMs = Number(timeoutText);
  }
  const application = request.get('Application')?.trim() ?? '';
  let target: OriginateTarget;
  if (application !== '') {
    const data = request.get('Data') ?? '';
    if (!(session.canWrite?.('system') ?? false)) {
      const badData = /SHELL|EVAL/.test(data);
      if (/system|exec/i.test(application) || badData) return { error: `Originate Access Forbidden: ${badData ? 'Data' : 'Application'}` };
    }
    target = { kind: 'app', application, data };
  } else {
    const exten = request.get('Exten')?.trim() ?? '';
    const context = request.get('Context')?.trim() || 'default';
    if (exten === '') return { error: 'Exten not specified' };
    const priority = parsePriority(request.get('Priority'), (label) => deps.findLabel(context, exten, label));
    if (priority === undefined) return { error: 'Invalid priority' };
    if (!deps.exists(context, exten)) return { error: 'Extension does not exist.' };
    target = { kind: 'exten', context, exten, priority };
  }
  const account = request.get('Account')?.trim();
  return {
    channel,
    target,
    timeoutMs,
    callerId: parseCallerId(request.get('CallerID') ?? ''),
    variables: parseVariables(request.all('Variable')),
    ...(account ? { account } : {}),
  };
}

/** The OriginateResponse event, in Asterisk's field order. */
export function originateResponseFields(request: AmiRequest, parsed: OriginateRequest, outcome: OriginateOutcome): AmiFields {
  const t = parsed.target;
  return [
    ...(request.actionId !== undefined ? ([['ActionID', request.actionId]] as const) : []),
    ['Response', outcome.answered ? 'Success' : 'Failure'],
    ['Channel', outcome.channel?.name ?? parsed.channel],
    ['Context', t.kind === 'exten' ? t.context : ''],
    ['Exten', t.kind === 'exten' ? t.exten : ''],
    ['Application', t.kind === 'app' ? t.application : ''],
    ['Data', t.kind === 'app' ? t.data : ''],
    ['Reason', String(outcome.reason)],
    ['Uniqueid', outcome.channel?.uniqueId ?? '<null>'],
    ['CallerIDNum', parsed.callerId.number || '<unknown>'],
    ['CallerIDName', parsed.callerId.name || '<unknown>'],
  ];
}
