/**
 * The login of VoiceMailMain and VMAuthenticate (Asterisk's vm_authenticate): the box number
 * unless given (`vm-login`; an empty answer takes the caller ID number, as Asterisk does; the
 * `p` prefix is put in front of what was typed), then the PIN (`vm-password`). A wrong answer
 * plays `vm-incorrect` (box given) or `vm-incorrect-mailbox` (box typed, asked again); after
 * `maxlogins` failures `vm-goodbye` and the caller is let go.
 *
 * Unlike Asterisk, a box without a PIN is never opened by an empty answer: only with `s`
 * (skip the PIN) on a box the dialplan names, because pbx.conf-derived boxes may have none
 * (voicemail-model.ts). An unknown box still asks for a PIN so that a prober cannot tell which
 * boxes exist. Every failure counts against the caller's source in the LoginGuard; a locked-out
 * source hears `vm-goodbye` without being asked anything.
 */
import type { Mailbox, VoicemailConfig } from '../../config/voicemail-model.ts';
import type { MenuIo } from './main-io.ts';
import { readString } from './main-io.ts';
import type { VoicemailRuntime } from './runtime.ts';

export interface LoginRequest {
  /** Box named by the dialplan (then only the PIN is asked). */
  box?: string;
  /** Voicemail context named by the dialplan (otherwise `default`, then any context). */
  context?: string;
  /** `p`: what the caller types is appended to this (the given box) to form the box number. */
  prefix?: string;
  /** `s`: no PIN check for the box the dialplan names. */
  skipPin: boolean;
  /** VMAuthenticate `s`: no `vm-login` prompt before the box number. */
  skipIntro?: boolean;
  /** The caller ID number (used when the caller enters no box number). */
  callerNumber?: string;
  /** Who is trying: the LoginGuard's key (`SIP/2000`, an address ...). */
  source: string;
}

export type LoginResult = { kind: 'ok'; mailbox: Mailbox } | { kind: 'failed' } | { kind: 'hangup' };

const MAX_BOX_DIGITS = 80;
const MAX_PIN_DIGITS = 80;

/** A box by number: in the named context, else `default`, else the first context that has it (find_user). */
export function findBox(config: VoicemailConfig, box: string, context: string | undefined): Mailbox | undefined {
  if (context) return config.contexts.get(context)?.get(box);
  const inDefault = config.contexts.get('default')?.get(box);
  if (inDefault) return inDefault;
  for (const boxes of config.contexts.values()) {
    const found = boxes.get(box);
    if (found) return found;
  }
  return undefined;
}

/** The PIN in force: one changed from the phone (the spool's) wins over the configured one. */
export function currentPin(runtime: VoicemailRuntime, mailbox: Mailbox): string | undefined {
  const stored = runtime.spool.storedPin(mailbox.context, mailbox.box);
  return stored !== undefined && stored !== '' ? stored : mailbox.pin;
}

export async function authenticate(io: MenuIo, runtime: VoicemailRuntime, req: LoginRequest): Promise<LoginResult> {
  const config = runtime.config();
  const maxLogins = config.general.maxLogins > 0 ? config.general.maxLogins : 3;
  const guard = runtime.logins;
  const given = req.box !== undefined && req.box !== '' && req.prefix === undefined ? req.box : undefined;

  if (!guard.allowed(req.source)) {
    io.log('notice', `VoiceMailMain: ${req.source} is locked out after too many wrong PINs`);
    return (await io.playAll(['vm-goodbye'])) === 'hangup' ? { kind: 'hangup' } : { kind: 'failed' };
  }
  if (given !== undefined && req.skipPin) {
    const mailbox = findBox(config, given, req.context);
    if (mailbox) return { kind: 'ok', mailbox };
    io.log('warning', `VoiceMailMain: mailbox ${given}${req.context ? `@${req.context}` : ''} does not exist`);
  }

  let failures = 0;
  for (;;) {
    let box = given;
    if (box === undefined) {
      const prompts = failures > 0 ? ['vm-incorrect-mailbox'] : req.skipIntro ? [] : ['vm-login'];
      const typed = await readString(io, prompts, MAX_BOX_DIGITS);
      if (typed.end === 'hangup') return { kind: 'hangup' };
      box = typed.digits !== '' ? (req.prefix ?? '') + typed.digits : req.callerNumber;
      if (box === undefined || box === '') {
        io.log('verbose', 'VoiceMailMain: no mailbox entered');
        return { kind: 'failed' };
      }
    }
    const mailbox = findBox(config, box, req.context);
    const entered = await readString(io, ['vm-password'], MAX_PIN_DIGITS);
    if (entered.end === 'hangup') return { kind: 'hangup' };
    const pin = mailbox ? currentPin(runtime, mailbox) : undefined;
    // A box without a PIN never matches, not even an empty answer.
    if (mailbox && pin !== undefined && pin !== '' && entered.digits === pin) {
      guard.succeeded(req.source);
      return { kind: 'ok', mailbox };
    }
    failures++;
    guard.failed(req.source);
    io.log('notice', `VoiceMailMain: wrong PIN for mailbox ${box}${req.context ? `@${req.context}` : ''} from ${req.source} (${failures}/${maxLogins})`);
    if (failures >= maxLogins || !guard.allowed(req.source)) {
      const end = await io.playAll(['vm-incorrect', 'vm-goodbye']);
      return end === 'hangup' ? { kind: 'hangup' } : { kind: 'failed' };
    }
    if (given !== undefined) {
      const r = await io.playAll(['vm-incorrect']);
      if (r === 'hangup') return { kind: 'hangup' };
    }
  }
}
