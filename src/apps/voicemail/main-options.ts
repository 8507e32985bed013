/**
 * VoiceMailMain's mailbox options (`0`, Asterisk's vm_options): 1 unavailable greeting, 2 busy
 * greeting, 3 name, 4 temporary greeting (record, or remove one that is active), 5 new PIN,
 * `*` back. A greeting is recorded after its prompt and a beep until `#`, then reviewed
 * (record-review.ts: 1 accept, 2 listen, 3 re-record), and replaces the old one whole when
 * accepted (the spool commits it); a hangup or no answer to the review keeps nothing.
 */
import type { Mailbox, VoicemailFormat } from '../../config/voicemail-model.ts';
import type { GreetingKind, GreetingRecording } from '../../store/voicemail-types.ts';
import type { MenuIo } from './main-io.ts';
import { readString } from './main-io.ts';
import { GreetingTape, recordWithReview } from './record-review.ts';
import type { VoicemailRuntime } from './runtime.ts';

const MENU_WAIT_MS = 6_000;
/** A greeting shorter than this is a slip of the finger, not a recording (Asterisk's "too short"). */
const MIN_GREETING_MS = 500;
/** Our cap when maxgreet is 0 (unlimited in Asterisk): a greeting is never longer in practice. */
const DEFAULT_MAX_GREETING_MS = 120_000;

type End = 'back' | 'hangup';

/** Why a new PIN is refused (guessable, too short ...), or undefined; the configuration's rule. */
export type PinRule = (pin: string, box: string, minLength: number) => string | undefined;

async function recordGreeting(io: MenuIo, runtime: VoicemailRuntime, mailbox: Mailbox, kind: GreetingKind, prompt: string): Promise<End> {
  const config = runtime.config();
  const r = await io.play([prompt, 'beep']);
  if (r.kind === 'hangup') return 'hangup';
  const formats: VoicemailFormat[] = config.general.formats.length > 0 ? [...config.general.formats] : ['wav'];
  const maxMs = config.general.maxGreet > 0 ? config.general.maxGreet * 1000 : DEFAULT_MAX_GREETING_MS;
  let rec: GreetingRecording;
  try {
    rec = runtime.spool.startGreeting(mailbox.context, mailbox.box, kind, formats);
  } catch (e) {
    // A spool that cannot take the file (full, read-only) must not end the caller's session.
    io.log('warning', `VoiceMailMain: cannot record the ${kind} greeting of ${mailbox.box}@${mailbox.context}: ${e instanceof Error ? e.message : String(e)}`);
    return (await io.play(['vm-sorry'])).kind === 'hangup' ? 'hangup' : 'back';
  }
  // Always reviewed, as Asterisk does for the owner's recordings: 1 keeps, 2 plays, 3 records again.
  const tape = new GreetingTape(rec, formats[0]!);
  let takes = 0;
  let lastMs = 0;
  const review = await recordWithReview({
    io,
    caller: false,
    review: true,
    operator: false,
    urgent: false,
    rerecordPrompts: [prompt, 'beep'],
    record: async () => {
      if (takes++ > 0) tape.rewind(formats);
      const got = await io.record(tape, formats, maxMs);
      lastMs = got.ms;
      return { end: got.end === 'hangup' ? 'hangup' : 'done', keep: got.ms >= MIN_GREETING_MS };
    },
    samples: () => tape.samples(),
  });
  if (review.end !== 'accepted') {
    // A hangup, or no key for every round of the menu: the old greeting stays (Asterisk deletes the take).
    rec.discard();
    return review.end === 'hangup' ? 'hangup' : 'back';
  }
  try {
    rec.commit();
  } catch (e) {
    io.log('warning', `VoiceMailMain: the ${kind} greeting of ${mailbox.box}@${mailbox.context} was not saved: ${e instanceof Error ? e.message : String(e)}`);
    return (await io.play(['vm-sorry'])).kind === 'hangup' ? 'hangup' : 'back';
  }
  io.log('verbose', `VoiceMailMain: ${kind} greeting of ${mailbox.box}@${mailbox.context} recorded (${Math.round(lastMs / 1000)} s)`);
  return (await io.play(['vm-msgsaved'])).kind === 'hangup' ? 'hangup' : 'back';
}

async function temporaryGreeting(io: MenuIo, runtime: VoicemailRuntime, mailbox: Mailbox): Promise<End> {
  if (!runtime.spool.greeting(mailbox.context, mailbox.box, 'temp')) return recordGreeting(io, runtime, mailbox, 'temp', 'vm-rec-temp');
  let r = await io.play(['vm-tempgreeting2']);
  if (r.kind === 'done') r = await io.waitKey(MENU_WAIT_MS);
  if (r.kind === 'hangup') return 'hangup';
  if (r.kind !== 'digit') return 'back';
  if (r.digit === '1') return recordGreeting(io, runtime, mailbox, 'temp', 'vm-rec-temp');
  if (r.digit === '2') {
    runtime.spool.removeGreeting(mailbox.context, mailbox.box, 'temp');
    return (await io.play(['vm-tempremoved'])).kind === 'hangup' ? 'hangup' : 'back';
  }
  return 'back';
}

/** New PIN twice (vm_newpassword); a guessable one is refused and asked again. */
async function changePin(io: MenuIo, runtime: VoicemailRuntime, mailbox: Mailbox, pinProblem: PinRule): Promise<End> {
  if (mailbox.pinLocked) return (await io.play(['vm-sorry'])).kind === 'hangup' ? 'hangup' : 'back';
  const min = runtime.config().general.minPassword;
  for (let tries = 0; tries < 3; tries++) {
    const first = await readString(io, ['vm-newpassword'], 80);
    if (first.end === 'hangup') return 'hangup';
    if (first.digits === '') return 'back';
    const problem = pinProblem(first.digits, mailbox.box, min);
    if (problem) {
      io.log('notice', `VoiceMailMain: new PIN for ${mailbox.box}@${mailbox.context} refused: ${problem}`);
      if ((await io.play(['vm-invalid-password'])).kind === 'hangup') return 'hangup';
      continue;
    }
    const again = await readString(io, ['vm-reenterpassword'], 80);
    if (again.end === 'hangup') return 'hangup';
    if (again.digits !== first.digits) {
      if ((await io.play(['vm-mismatch'])).kind === 'hangup') return 'hangup';
      continue;
    }
    runtime.spool.setStoredPin(mailbox.context, mailbox.box, first.digits);
    io.log('notice', `VoiceMailMain: PIN of ${mailbox.box}@${mailbox.context} changed from the phone`);
    return (await io.play(['vm-passchanged'])).kind === 'hangup' ? 'hangup' : 'back';
  }
  return 'back';
}

export async function mailboxOptions(io: MenuIo, runtime: VoicemailRuntime, mailbox: Mailbox, pinProblem: PinRule): Promise<End> {
  for (let timeouts = 0; timeouts < 3; ) {
    const prompts = runtime.spool.greeting(mailbox.context, mailbox.box, 'temp') ? ['vm-tempgreetactive', 'vm-options'] : ['vm-options'];
    let r = await io.play(prompts);
    if (r.kind === 'done') r = await io.waitKey(MENU_WAIT_MS);
    if (r.kind === 'hangup') return 'hangup';
    if (r.kind !== 'digit') {
      timeouts++;
      continue;
    }
    timeouts = 0;
    let end: End | undefined;
    switch (r.digit) {
      case '1':
        end = await recordGreeting(io, runtime, mailbox, 'unavail', 'vm-rec-unv');
        break;
      case '2':
        end = await recordGreeting(io, runtime, mailbox, 'busy', 'vm-rec-busy');
        break;
      case '3':
        end = await recordGreeting(io, runtime, mailbox, 'greet', 'vm-rec-name');
        break;
      case '4':
        end = await temporaryGreeting(io, runtime, mailbox);
        break;
      case '5':
        end = await changePin(io, runtime, mailbox, pinProblem);
        break;
      case '*':
      case '#':
        return 'back';
      default:
        break;
    }
    if (end === 'hangup') return 'hangup';
  }
  return 'back';
}
