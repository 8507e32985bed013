/**
 * VMCOUNT, VM_INFO and MAILBOX_EXISTS as app_voicemail defines them, reading the configuration
 * in force and the live spool counts through FunctionEnv.voicemail.
 */
import type { DialplanFunction, FunctionEnv } from '../types.ts';
import { splitArgs } from '../expr/args.ts';
import { findBox } from '../../apps/voicemail/deposit.ts';
import { countMessages } from '../../apps/voicemail/lookup.ts';
import { splitMailboxId } from '../../config/voicemail-model.ts';
import { fail } from './util.ts';

export const MAILBOX_EXISTS: DialplanFunction = {
  name: 'MAILBOX_EXISTS',
  synopsis: 'Tell if a mailbox is configured.',
  syntax: 'MAILBOX_EXISTS(mailbox[@context])',
  description: 'Returns 1 when the voicemail box is configured (voicemail.conf or a pbx.conf phone), else 0; the context defaults to default. Deprecated in Asterisk: use VM_INFO(mailbox,exists).',
  read(args, env) {
    const id = args.trim();
    if (id === '') fail('MAILBOX_EXISTS requires an argument');
    const vm = env.voicemail?.();
    const { box, context } = splitMailboxId(id);
    return vm && findBox(vm.config(), box, context) ? '1' : '0';
  },
};

export const VMCOUNT: DialplanFunction = {
  name: 'VMCOUNT',
  synopsis: 'Count the voicemails in a specified mailbox or mailboxes.',
  syntax: 'VMCOUNT(vmbox[@context][&vmbox[@context]...][,folder])',
  description: 'The number of messages in folder (INBOX when not given, counting Urgent too) of the mailboxes, summed; an unknown box counts 0.',
  read(args, env) {
    const [boxes = '', folder = ''] = splitArgs(args, { max: 2 });
    if (boxes.trim() === '') fail('VMCOUNT requires an argument');
    let total = 0;
    for (const id of boxes.split('&')) {
      if (id.trim() === '') continue;
      const { box, context } = splitMailboxId(id.trim());
      total += countMessages(env.voicemail?.(), box, context, folder.trim() || 'INBOX');
    }
    return String(total);
  },
};

const ATTRIBUTES = ['count', 'email', 'exists', 'fullname', 'language', 'locale', 'pager', 'password', 'tz'] as const;

function info(env: FunctionEnv, id: string, attribute: string, folder: string): string {
  const vm = env.voicemail?.();
  const { box, context } = splitMailboxId(id);
  const mailbox = vm ? findBox(vm.config(), box, context) : undefined;
  switch (attribute) {
    case 'exists':
      return mailbox ? '1' : '0';
    case 'count':
      return String(countMessages(vm, box, context, folder || 'INBOX'));
    case 'email':
      return mailbox?.email ?? '';
    case 'fullname':
      return mailbox?.fullName ?? '';
    case 'pager':
      return mailbox?.pager ?? '';
    case 'password':
      // A PIN changed from the phone wins over the configured one, as Asterisk's spool secret.conf does.
      return mailbox ? (vm!.spool.storedPin(context, box) ?? mailbox.pin ?? '') : '';
    case 'tz':
      return mailbox ? (mailbox.options.tz ?? vm!.config().general.tz ?? '') : '';
    case 'language':
    case 'locale':
      return mailbox?.options.other[attribute] ?? '';
    default:
      return '';
  }
}

export const VM_INFO: DialplanFunction = {
  name: 'VM_INFO',
  synopsis: 'Returns the selected attribute from a mailbox.',
  syntax: 'VM_INFO(mailbox[@context],attribute[,folder])',
  description: `Attributes: ${ATTRIBUTES.join(', ')}. count takes a folder (INBOX when not given). An unknown mailbox gives 0 for exists and count and an empty string otherwise.`,
  read(args, env) {
    const [id = '', attribute = '', folder = ''] = splitArgs(args, { max: 3 });
    if (id.trim() === '' || attribute.trim() === '') fail('VM_INFO requires an argument (mailbox[@context],attribute[,folder])');
    const attr = attribute.trim().toLowerCase();
    if (!(ATTRIBUTES as readonly string[]).includes(attr)) fail(`VM_INFO: unknown attribute '${attribute.trim()}'`);
    return info(env, id.trim(), attr, folder.trim());
  },
};
