/**
 * Notification mail composition as app_voicemail writes it: addresses, Asterisk's default
 * subject/body, `${VM_*}` substitution (table), attachment per box/general `attach`, pager mail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultVoicemailGeneral } from '../../../src/config/voicemail-conf.ts';
import type { Mailbox, VoicemailGeneral, VoicemailZone } from '../../../src/config/voicemail-model.ts';
import type { StoredMessage } from '../../../src/store/voicemail-types.ts';
import { strftime } from '../../../src/dialplan/functions/strftime.ts';
import { zonedTime } from '../../../src/dialplan/functions/time-zone.ts';
import {
  composeNotifications,
  formatDuration,
  parseCallerId,
  senderAddress,
  substituteVariables,
  type ComposeInput,
} from '../../../src/apps/voicemail/mail-compose.ts';

const formatDate = (ms: number, format: string, zone: string): string => strftime(format, zonedTime(ms, zone), ms);

function mailbox(over: Partial<Mailbox> = {}): Mailbox {
  return {
    context: 'default',
    box: '2000',
    pin: '8204',
    pinLocked: false,
    fullName: 'Alice Smith',
    email: 'alice@example.com',
    options: { other: {} },
    fromPbxConf: false,
    origin: { file: 'voicemail.conf', line: 3 },
    ...over,
  };
}

function message(over: Partial<StoredMessage['info']> = {}, index = 0): StoredMessage {
  return {
    context: 'default',
    box: '2000',
    folder: 'INBOX',
    index,
    basePath: `/data/voicemail/default/2000/INBOX/msg${String(index).padStart(4, '0')}`,
    formats: ['wav'],
    bytes: 1000,
    info: {
      origmailbox: '2000',
      context: 'macro-stdexten',
      macrocontext: 'default',
      exten: 's',
      rdnis: '2000',
      priority: '2',
      callerchan: 'SIP/2001-00000001',
      callerid: '"Bob Jones" <2001>',
      origdate: 'Mon Dec  7 02:03:04 PM UTC 2026',
      // 2026-12-07 14:03:04 UTC
      origtime: '1796652184',
      category: '',
      msg_id: '1796652184-00000000',
      flag: '',
      duration: '75',
      ...over,
    },
  };
}

const zones = new Map<string, VoicemailZone>([['central', { name: 'central', timezone: 'America/Chicago', format: "'vm-received' Q 'digits/at' IMp", origin: { file: 'voicemail.conf', line: 2 } }]]);

function input(over: Partial<ComposeInput> = {}, general: Partial<VoicemailGeneral> = {}): ComposeInput {
  return { general: { ...defaultVoicemailGeneral(), ...general }, zones, mailbox: mailbox(), message: message(), hostname: 'pbx.lan', formatDate, ...over };
}

test('default mail: From "Asterisk PBX" <asterisk@host>, To "Full Name" <email>, Asterisk subject and body, WAV attached', () => {
  const [mail, ...rest] = composeNotifications(input({}, { tz: 'central' }));
  assert.equal(rest.length, 0);
  assert.deepEqual(mail.from, { name: 'Asterisk PBX', address: 'asterisk@pbx.lan' });
  assert.deepEqual(mail.to, { name: 'Alice Smith', address: 'alice@example.com' });
  assert.equal(mail.subject, '[PBX]: New message 1 in mailbox 2000');
  assert.equal(
    mail.text,
    'Dear Alice Smith:\n\n\tjust wanted to let you know you were just left a 1:15 long message (number 1)\n' +
      'in mailbox 2000 from "Bob Jones" <2001>, on Monday, December 07, 2026 at 08:03:04 AM, so you might\n' +
      'want to check it when you get a chance.  Thanks!\n\n\t\t\t\t--Asterisk\n',
  );
  assert.equal(mail.date, 1796652184000);
  assert.deepEqual(mail.attachment, { path: '/data/voicemail/default/2000/INBOX/msg0000.wav', filename: 'msg0000.wav', contentType: 'audio/x-wav' });
});

test('emailsubject / emailbody with every VM_ variable, fromstring and a full serveremail', () => {
  const general = {
    serverEmail: 'voicemail@example.org',
    fromString: 'Office PBX',
    emailSubject: 'VM ${VM_MSGNUM} for ${VM_NAME} (${VM_MAILBOX}) from ${VM_CIDNAME}',
    emailBody: '${VM_CALLERID}|${VM_CIDNAME}|${VM_CIDNUM}|${VM_DUR}|${VM_MSGNUM}|${VM_MAILBOX}|${VM_CATEGORY}|${VM_DATE}|${UNSET}|end',
    emailDateFormat: '%Y-%m-%d %H:%M',
  };
  const [mail] = composeNotifications(input({ message: message({ category: 'sales' }, 4) }, general));
  assert.deepEqual(mail.from, { name: 'Office PBX', address: 'voicemail@example.org' });
  assert.equal(mail.subject, 'VM 5 for Alice Smith (2000) from Bob Jones');
  // No tz: the system zone; compare with the same formatter rather than assuming the host's zone.
  const date = formatDate(1796652184000, '%Y-%m-%d %H:%M', '');
  assert.equal(mail.text, `"Bob Jones" <2001>|Bob Jones|2001|1:15|5|2000|sales|${date}||end`);
});

test('caller ID variants: number only, name only, none (Asterisk: "an unknown caller"); category default', () => {
  const table: [string, string, string, string][] = [
    ['"Bob" <2001>', '"Bob" <2001>', 'Bob', '2001'],
    ['<2001>', '2001', 'an unknown caller', '2001'],
    ['2001', '2001', 'an unknown caller', '2001'],
    ['Reception', 'Reception', 'Reception', 'an unknown caller'],
    ['', 'an unknown caller', 'an unknown caller', 'an unknown caller'],
  ];
  for (const [callerid, merged, name, num] of table) {
    const [mail] = composeNotifications(input({ message: message({ callerid }) }, { emailBody: '${VM_CALLERID}/${VM_CIDNAME}/${VM_CIDNUM}/${VM_CATEGORY}' }));
    assert.equal(mail.text, `${merged}/${name}/${num}/no category`, callerid);
  }
});

test('helpers: durations m:ss, caller ID parsing, serveremail domain, substitution', () => {
  assert.deepEqual(
    [0, 7, 59, 60, 75, 600, 3725].map(formatDuration),
    ['0:00', '0:07', '0:59', '1:00', '1:15', '10:00', '62:05'],
  );
  assert.deepEqual(parseCallerId('"A, B" <+4930>'), { name: 'A, B', num: '+4930' });
  assert.deepEqual(parseCallerId('Alice <2000>'), { name: 'Alice', num: '2000' });
  assert.equal(senderAddress('asterisk', 'box'), 'asterisk@box');
  assert.equal(senderAddress('vm@example.com', 'box'), 'vm@example.com');
  assert.equal(substituteVariables('a${X}b${Y}c$X{X}', { X: '1' }), 'a1bc$X{X}');
});

test('attach: the box option overrides [general]; no wav stored: no attachment', () => {
  const off = composeNotifications(input({}, { attach: false }))[0];
  assert.equal(off.attachment, undefined);
  const boxOn = composeNotifications(input({ mailbox: mailbox({ options: { attach: true, other: {} } }) }, { attach: false }))[0];
  assert.equal(boxOn.attachment?.filename, 'msg0000.wav');
  const boxOff = composeNotifications(input({ mailbox: mailbox({ options: { attach: false, other: {} } }) }))[0];
  assert.equal(boxOff.attachment, undefined);
  const noWav = composeNotifications(input({ message: { ...message(), formats: ['ulaw'] } }))[0];
  assert.equal(noWav.attachment, undefined);
});

test('pager address: a short second mail without attachment; no email and no pager: nothing', () => {
  const mails = composeNotifications(input({ mailbox: mailbox({ pager: '5551234@sms.example.com' }) }, { pagerFromString: 'PBX pager' }));
  assert.equal(mails.length, 2);
  const pager = mails[1];
  assert.equal(pager.kind, 'pager');
  assert.deepEqual(pager.from, { name: 'PBX pager', address: 'asterisk@pbx.lan' });
  assert.deepEqual(pager.to, { name: 'Alice Smith', address: '5551234@sms.example.com' });
  assert.equal(pager.subject, 'New VM');
  assert.match(pager.text, /^New 1:15 long msg in box 2000\nfrom "Bob Jones" <2001>, on /);
  assert.equal(pager.attachment, undefined);
  assert.deepEqual(composeNotifications(input({ mailbox: mailbox({ email: undefined }) })), []);
});
