/**
 * The call-record applications of Asterisk 1.8: ForkCDR (end the record here and go on in a new
 * one from now), NoCDR (no record for this call), ResetCDR (restart the record's times, `w`
 * writes it first) and SetAMAFlags (OMIT, BILLING, DOCUMENTATION). They work on the channel's
 * record through FunctionEnv.cdr; without records they do nothing.
 */
import type { AppContext, AppResult, DialplanApplication, DialplanCdr } from '../types.ts';

const NEXT: AppResult = { kind: 'next' };

type CdrAppText = Pick<DialplanApplication, 'name' | 'synopsis' | 'syntax' | 'description'>;

/** An application that acts on the channel's record, if it has one, and always goes on. */
function recordApplication(text: CdrAppText, act: (record: DialplanCdr, arg: string, ctx: AppContext) => void): DialplanApplication {
  return {
    ...text,
    async run(ctx) {
      const record = ctx.functions.cdr?.(ctx.channel);
      if (record) act(record, ctx.args[0] ?? '', ctx);
      return NEXT;
    },
  };
}

export function cdrApplications(): DialplanApplication[] {
  return [
    recordApplication(
      {
        name: 'ForkCDR',
        synopsis: 'Forks the Call Data Record.',
        syntax: 'ForkCDR([options])',
        description:
          'Keeps the current record (it ends with the call, or now with option e) and continues in a new record that starts now (answered now when the channel is up). Option v keeps the CDR variables in the new record.',
      },
      (record, options) => record.fork(options),
    ),
    recordApplication(
      {
        name: 'NoCDR',
        synopsis: 'Tell Asterisk to not maintain a CDR for the current call',
        syntax: 'NoCDR()',
        description: 'No call detail record is written for this call (ResetCDR(e) enables it again).',
      },
      (record) => record.disable(),
    ),
    recordApplication(
      {
        name: 'ResetCDR',
        synopsis: 'Resets the Call Data Record.',
        syntax: 'ResetCDR([options])',
        description:
          'Restarts the record from now (answered now when the channel is up). Options: w writes the record as it was first; v keeps the CDR variables; e enables records again after NoCDR.',
      },
      (record, options) => record.reset(options),
    ),
    recordApplication(
      {
        name: 'SetAMAFlags',
        synopsis: 'Set the AMA Flags',
        syntax: 'SetAMAFlags([flag])',
        description: 'Sets the record\'s AMA flags: OMIT, BILLING or DOCUMENTATION (default when empty).',
      },
      (record, flag, ctx) => {
        const text = flag.trim();
        // The record checks the name (cdr/record.ts parseAmaFlags): a bad one is a warning.
        const refused = record.set('amaflags', text === '' ? 'default' : text);
        if (refused) ctx.log('warning', `SetAMAFlags: ${refused}`);
      },
    ),
  ];
}
