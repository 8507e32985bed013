/** voicemail.conf + pbx.conf [phones]/[voicemail] -> VoicemailConfig: defaults, errors at file:line, PIN policy, SMTP. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig, type LoadResult } from '../../../src/config/load.ts';
import type { VoicemailConfig } from '../../../src/config/voicemail-model.ts';
import { findMailbox } from '../../../src/config/voicemail-model.ts';
import { defaultVoicemailGeneral, pinWeakness } from '../../../src/config/voicemail-conf.ts';

const PHONES = '[phones]\n2000 = amber-kettle-42, Alice\n2001 = velvet-harbor-17, Bob\n';

function load(vm: string | undefined, pbx = PHONES): LoadResult {
  return loadConfig({ files: { 'pbx.conf': pbx, ...(vm !== undefined ? { 'voicemail.conf': vm } : {}) } });
}

function ok(vm: string | undefined, pbx = PHONES): { config: VoicemailConfig; warnings: string } {
  const r = load(vm, pbx);
  assert.equal(formatErrors(r.errors), '');
  assert.ok(r.config);
  return { config: r.config.voicemail, warnings: formatErrors(r.warnings) };
}

function errorsOf(vm: string | undefined, pbx = PHONES): string {
  const r = load(vm, pbx);
  assert.equal(r.config, undefined, 'nothing is applied when there is an error');
  return formatErrors(r.errors);
}

describe('voicemail.conf [general]', () => {
  test('without voicemail.conf: Asterisk defaults (our minpassword 4), a box per phone in default', () => {
    const { config, warnings } = ok(undefined);
    assert.deepEqual(config.general, {
      formats: ['wav'],
      serverEmail: 'asterisk',
      attach: true,
      maxMsg: 100,
      maxSecs: 0,
      minSecs: 0,
      maxGreet: 0,
      maxSilence: 0,
      silenceThreshold: 128,
      maxLogins: 3,
      skipMs: 3000,
      review: false,
      operator: false,
      saycid: false,
      envelope: true,
      delete: false,
      emailDateFormat: '%A, %B %d, %Y at %r',
      minPassword: 4,
      maxBoxBytes: 64 * 1024 * 1024,
      maxSpoolBytes: 256 * 1024 * 1024,
      origin: { file: 'voicemail.conf', line: 0 },
    });
    assert.deepEqual(config.zones, new Map());
    assert.deepEqual([...config.contexts.keys()], ['default']);
    const alice = findMailbox(config, '2000');
    assert.deepEqual(alice, {
      context: 'default',
      box: '2000',
      pinLocked: false,
      fullName: 'Alice',
      options: { other: {} },
      fromPbxConf: true,
      origin: { file: 'pbx.conf', line: 2 },
    });
    assert.equal(config.smtp, undefined);
    assert.equal(warnings, '', 'no email anywhere: no mail warning');
  });

  test('every supported key is read; aliases maxmessage/minmessage; \\n and \\t decoded in subject and body', () => {
    const { config } = ok(
      [
        '[general]',
        'format = wav|ulaw|pcm|alaw|sln',
        'serveremail = vm@example.com',
        'fromstring = Office PBX',
        'attach = no',
        'maxmsg = 50',
        'maxmessage = 180',
        'minmessage = 3',
        'maxgreet = 60',
        'maxsilence = 10',
        'silencethreshold = 256',
        'maxlogins = 5',
        'skipms = 5000',
        'review = yes',
        'operator = yes',
        'saycid = yes',
        'envelope = no',
        'delete = yes',
        'emailsubject = [PBX]: New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}',
        'emailbody = Dear ${VM_NAME}:\\n\\n\\tjust wanted to let you know you were just left a ${VM_DUR} long message\\\\n',
        'emaildateformat = %A, %d %B %Y at %H:%M:%S',
        'pagerfromstring = The PBX',
        'pagersubject = New VM',
        'pagerbody = New ${VM_DUR} long msg in box ${VM_MAILBOX}\\nfrom ${VM_CALLERID}',
        'minpassword = 6',
        'tz = central',
        '[zonemessages]',
        "central = America/Chicago|'vm-received' Q 'digits/at' IMp",
      ].join('\n'),
    );
    const g = config.general;
    assert.deepEqual(g.formats, ['wav', 'ulaw', 'alaw', 'sln']);
    assert.equal(g.serverEmail, 'vm@example.com');
    assert.equal(g.fromString, 'Office PBX');
    assert.deepEqual(
      [g.attach, g.maxMsg, g.maxSecs, g.minSecs, g.maxGreet, g.maxSilence, g.silenceThreshold, g.maxLogins, g.skipMs],
      [false, 50, 180, 3, 60, 10, 256, 5, 5000],
    );
    assert.deepEqual([g.review, g.operator, g.saycid, g.envelope, g.delete], [true, true, true, false, true]);
    assert.equal(g.emailSubject, '[PBX]: New message ${VM_MSGNUM} in mailbox ${VM_MAILBOX}');
    assert.equal(g.emailBody, 'Dear ${VM_NAME}:\n\n\tjust wanted to let you know you were just left a ${VM_DUR} long message\\n');
    assert.equal(g.emailDateFormat, '%A, %d %B %Y at %H:%M:%S');
    assert.equal(g.pagerBody, 'New ${VM_DUR} long msg in box ${VM_MAILBOX}\nfrom ${VM_CALLERID}');
    assert.deepEqual([g.pagerFromString, g.pagerSubject, g.minPassword, g.tz], ['The PBX', 'New VM', 6, 'central']);
    assert.deepEqual(config.zones.get('central'), {
      name: 'central',
      timezone: 'America/Chicago',
      format: "'vm-received' Q 'digits/at' IMp",
      origin: { file: 'voicemail.conf', line: 28 },
    });
    assert.deepEqual(g.origin, { file: 'voicemail.conf', line: 1 });
  });

  test('a misspelt key is an error with did-you-mean at file:line; nothing is applied', () => {
    assert.equal(
      errorsOf('[general]\nattahc = yes\nmaxmsgs = 10\nfoo = bar\n'),
      [
        `voicemail.conf:2: unknown key 'attahc' in [general] (did you mean 'attach'?)`,
        `voicemail.conf:3: unknown key 'maxmsgs' in [general] (did you mean 'maxmsg'?)`,
        `voicemail.conf:4: unknown key 'foo' in [general]`,
      ].join('\n'),
    );
  });

  test('bad values are errors: non-number and too-large maxmsg, bad yes/no, minsecs above maxsecs', () => {
    assert.equal(
      errorsOf('[general]\nmaxmsg = lots\nattach = maybe\nmaxlogins = 0\n;\n[general](+)\nmaxmsg = 10000\n'),
      [
        `voicemail.conf:2: invalid maxmsg 'lots': expected a whole number from 1 to 9999`,
        `voicemail.conf:3: invalid attach 'maybe': expected yes or no`,
        `voicemail.conf:4: invalid maxlogins '0': must be from 1 to 100`,
        `voicemail.conf:7: invalid maxmsg '10000': must be from 1 to 9999`,
      ].join('\n'),
    );
    assert.equal(
      errorsOf('[general]\nmaxsecs = 10\nminsecs = 10\n'),
      `voicemail.conf:3: minsecs 10 must be below maxsecs 10: every message would be discarded`,
    );
  });

  test('formats: wav49 and gsm are warned about and replaced by wav; an unknown one is an error', () => {
    const { config, warnings } = ok('[general]\nformat = wav49|gsm|wav\n');
    assert.deepEqual(config.general.formats, ['wav']);
    assert.equal(warnings, `voicemail.conf:2: format 'wav49', 'gsm' not supported, using wav (this PBX writes wav, ulaw, alaw, sln)`);
    assert.deepEqual(ok('[general]\nformat = gsm|ulaw\n').config.general.formats, ['wav', 'ulaw']);
    assert.equal(errorsOf('[general]\nformat = wavv\n'), `voicemail.conf:2: unknown format 'wavv' (did you mean 'wav'?)`);
  });

  test('keys that cannot apply here are warnings, silent when they ask for what we do anyway', () => {
    const { warnings } = ok(
      '[general]\nmailcmd = /usr/sbin/sendmail -t\nexternnotify = /usr/bin/myapp\nodbcstorage = asterisk\nsearchcontexts = yes\nmoveheard = yes\nsearchcontexts = no\nimapserver = localhost\n',
    );
    assert.equal(
      warnings,
      [
        `voicemail.conf:2: 'mailcmd' is not supported, ignored (mail goes through the SMTP smarthost of pbx.conf [voicemail] smtp =)`,
        `voicemail.conf:3: 'externnotify' is not supported, ignored (phones get MWI by SIP NOTIFY)`,
        `voicemail.conf:4: 'odbcstorage' is not supported, ignored (messages are stored in the spool under the data directory)`,
        `voicemail.conf:5: 'searchcontexts' is not supported, ignored (write box@context)`,
        `voicemail.conf:8: 'imapserver' is not supported, ignored (messages are stored in the spool under the data directory)`,
      ].join('\n'),
    );
  });

  test('a misspelt ${VM_...} in the mail text and a key set twice are warnings', () => {
    const { config, warnings } = ok('[general]\nemailsubject = Message from ${VM_CALERID} ${CALLERID(num)}\nmaxmsg = 10\nmaxmsg = 20\n');
    assert.equal(config.general.maxMsg, 20);
    assert.equal(
      warnings,
      [
        `voicemail.conf:2: unknown variable \${VM_CALERID}, it is replaced by nothing (did you mean 'VM_CALLERID'?)`,
        `voicemail.conf:4: maxmsg is set again (first at voicemail.conf:3); this one applies`,
      ].join('\n'),
    );
  });

  test('[zonemessages]: the zone is checked; tz= must name a defined zone', () => {
    assert.equal(
      errorsOf("[general]\ntz = estern\n[zonemessages]\neastern = America/New_York|'vm-received' Q IMp\nmars = Mars/Olympus_Mons|'vm-received' Q\nnoformat = Europe/Paris\n"),
      [
        `voicemail.conf:2: unknown zone 'estern' in tz: [zonemessages] does not define it (did you mean 'eastern'?)`,
        `voicemail.conf:5: zone mars: unknown time zone 'Mars/Olympus_Mons' (expected a name such as Europe/Paris)`,
        `voicemail.conf:6: zone noformat: expected 'Timezone|format', e.g. America/New_York|'vm-received' Q 'digits/at' IMp`,
      ].join('\n'),
    );
  });
});

describe('voicemail.conf contexts', () => {
  test("Asterisk's sample box and per-box options", () => {
    const { config, warnings } = ok(
      [
        '[zonemessages]',
        "eastern = America/New_York|'vm-received' Q 'digits/at' IMp",
        '[default]',
        '1234 => 4242,Example Mailbox,root@localhost',
        '4200 => -9855,Mark Spencer,markster@example.net,mypager@example.net,attach=no|saycid=yes|tz=eastern|delete=yes|sayduration=yes',
      ].join('\n'),
    );
    const sample = findMailbox(config, '1234@default');
    assert.deepEqual(sample, {
      context: 'default',
      box: '1234',
      pin: '4242',
      pinLocked: false,
      fullName: 'Example Mailbox',
      email: 'root@localhost',
      options: { other: {} },
      fromPbxConf: false,
      origin: { file: 'voicemail.conf', line: 4 },
    });
    const mark = findMailbox(config, '4200');
    assert.equal(mark?.pin, '9855');
    assert.equal(mark?.pinLocked, true, 'a leading - means the user may not change the PIN');
    assert.equal(mark?.pager, 'mypager@example.net');
    assert.deepEqual(mark?.options, { attach: false, saycid: true, tz: 'eastern', delete: true, other: { sayduration: 'yes' } });
    assert.match(warnings, /mail notification is off/);
  });

  test('includes and templates: a context from an included file, boxes copied in from a template', () => {
    const r = loadConfig({
      files: {
        'pbx.conf': '',
        'voicemail.conf': '[shared](!)\n9000 => 582913,Shared Box\n[sales](shared)\n#include vm/sales.conf\n',
        'vm/sales.conf': '3000 => 739184,Sales Desk\n',
      },
    });
    assert.equal(formatErrors(r.errors), '');
    const box = findMailbox(r.config!.voicemail, '3000@sales');
    assert.deepEqual([box?.fullName, box?.origin], ['Sales Desk', { file: 'vm/sales.conf', line: 1 }]);
    assert.deepEqual(findMailbox(r.config!.voicemail, '9000@sales')?.origin, { file: 'voicemail.conf', line: 2 });
    assert.equal(r.config!.voicemail.contexts.has('shared'), false, 'a template is not a context');
    assert.deepEqual(r.config!.sources, ['pbx.conf', 'voicemail.conf', 'vm/sales.conf']);
  });

  test('bad boxes: unknown option, bad yes/no, unknown zone in tz=, bad email, duplicate box', () => {
    assert.equal(
      errorsOf(
        [
          '[zonemessages]',
          "eastern = America/New_York|'vm-received' Q",
          '[default]',
          '1 => 739184,A,,,atach=yes',
          '2 => 739184,B,,,attach=perhaps',
          '3 => 739184,C,,,tz=western',
          '4 => 739184,D,not-an-address',
          '5 => 739184,E',
          '5 => 739184,E again',
        ].join('\n'),
      ),
      [
        `voicemail.conf:4: mailbox 1@default: unknown option 'atach' (did you mean 'attach'?)`,
        `voicemail.conf:5: mailbox 2@default: invalid attach=perhaps: expected yes or no`,
        `voicemail.conf:6: mailbox 3@default: unknown zone 'western' in tz=: [zonemessages] does not define it (did you mean 'eastern'?)`,
        `voicemail.conf:7: mailbox 4@default: 'not-an-address' is not an email address`,
        `voicemail.conf:9: duplicate mailbox 5@default (first at voicemail.conf:8)`,
      ].join('\n'),
    );
  });

  test('a voicemail.conf box replaces the phone-derived box of the same number in default', () => {
    const { config } = ok('[default]\n2000 => 739184,Alice Smith,alice@example.com\n[other]\n2001 => 739184,Not Bob\n');
    const alice = findMailbox(config, '2000');
    assert.deepEqual([alice?.fromPbxConf, alice?.fullName, alice?.pin], [false, 'Alice Smith', '739184']);
    const bob = findMailbox(config, '2001@default');
    assert.deepEqual([bob?.fromPbxConf, bob?.fullName], [true, 'Bob'], 'another context does not replace it');
    assert.equal(findMailbox(config, '2001@other')?.fullName, 'Not Bob');
    assert.deepEqual([...config.contexts.get('default')!.keys()], ['2000', '2001'], 'the order of the phones is kept');
  });
});

describe('PIN policy', () => {
  // [pin, box, why it is guessable or undefined]
  const rows: [string, string, string | undefined][] = [
    ['739184', '2000', undefined],
    ['4242', '1234', undefined],
    ['123', '2000', 'fewer than 4 digits'],
    ['12a4', '2000', 'not only digits'],
    ['0000', '2000', 'one repeated digit'],
    ['99999999', '2000', 'one repeated digit'],
    ['1234', '2000', 'a run of consecutive digits'],
    ['4321', '2000', 'a run of consecutive digits'],
    ['7890', '2000', 'a run of consecutive digits'],
    ['2000', '2000', 'the mailbox number'],
    ['20002', '2000', undefined],
  ];
  for (const [pin, box, why] of rows) {
    test(`PIN ${pin} for box ${box}: ${why ?? 'accepted'}`, () => {
      assert.equal(pinWeakness(pin, box, defaultVoicemailGeneral().minPassword), why);
    });
  }

  test('pbx.conf [voicemail] sets a phone box PIN; a guessable one is an error at file:line', () => {
    const pbx = `${PHONES}[voicemail]\n2000 = 739184\n`;
    assert.equal(findMailbox(ok(undefined, pbx).config, '2000')?.pin, '739184');
    assert.equal(findMailbox(ok(undefined, pbx).config, '2001')?.pin, undefined, 'no PIN unless pbx.conf sets one');
    assert.equal(
      errorsOf(undefined, `${PHONES}[voicemail]\n2000 = 1234\n2001 = 2001\n2002 = 739184\n`),
      [
        `pbx.conf:5: voicemail PIN for 2000 is guessable (a run of consecutive digits); use at least 4 digits that are not a run, a repeat or the extension`,
        `pbx.conf:6: voicemail PIN for 2001 is guessable (the mailbox number); use at least 4 digits that are not a run, a repeat or the extension`,
        `pbx.conf:7: [voicemail] 2002: there is no phone 2002 in [phones] or [analog] (did you mean '2000'?)`,
      ].join('\n'),
    );
  });

  test('minpassword from voicemail.conf applies to pbx.conf PINs', () => {
    assert.equal(
      errorsOf('[general]\nminpassword = 8\n', `${PHONES}[voicemail]\n2000 = 739184\n`),
      `pbx.conf:5: voicemail PIN for 2000 is guessable (fewer than 8 digits); use at least 8 digits that are not a run, a repeat or the extension`,
    );
  });

  test('a guessable voicemail.conf PIN is a warning at file:line; a pbx.conf PIN for a replaced box is ignored', () => {
    const { warnings } = ok('[default]\n1234 => 1111,Example\n2000 => 739184,Alice\n', `${PHONES}[voicemail]\n2000 = 582913\n`);
    assert.equal(
      warnings,
      [
        `pbx.conf:5: PIN for 2000 is ignored: voicemail.conf:3 defines mailbox 2000@default with its own PIN`,
        `voicemail.conf:2: mailbox 1234@default has a guessable PIN (one repeated digit): remote login is possible with a guessable PIN`,
      ].join('\n'),
    );
  });
});

describe('pbx.conf phones email and [voicemail] SMTP', () => {
  test('a third field on a phone line is the box email; a name may still hold a comma', () => {
    const { config } = ok(undefined, '[phones]\n2000 = amber-kettle-42, Joe Bloggs, joe@example.com\n2001 = velvet-harbor-17, "Bloggs, Jane"\n');
    assert.deepEqual([findMailbox(config, '2000')?.fullName, findMailbox(config, '2000')?.email], ['Joe Bloggs', 'joe@example.com']);
    assert.deepEqual([findMailbox(config, '2001')?.fullName, findMailbox(config, '2001')?.email], ['Bloggs, Jane', undefined]);
    const noName = ok(undefined, '[phones]\n2000 = amber-kettle-42, joe@example.com\n').config;
    assert.deepEqual([findMailbox(noName, '2000')?.fullName, findMailbox(noName, '2000')?.email], ['', 'joe@example.com']);
    assert.equal(
      errorsOf(undefined, '[phones]\n2000 = amber-kettle-42, Joe, joe@@example\n'),
      `pbx.conf:2: phone 2000: 'joe@@example' is not an email address (expected '2000 = secret, Name, user@example.com')`,
    );
  });

  test('boxes with an email but no smtp: one warning', () => {
    const { warnings } = ok('[default]\n1234 => 739184,X,x@example.com\n', '[phones]\n2000 = amber-kettle-42, Joe, joe@example.com\n');
    assert.equal(warnings, `pbx.conf:2: mail notification is off: pbx.conf [voicemail] has no smtp (2 mailboxes have an email address)`);
  });

  test('smtp host[:port], security defaults (465 is tls, auth requires STARTTLS), user and password', () => {
    const smtp = (lines: string): VoicemailConfig['smtp'] => ok(undefined, `${PHONES}[voicemail]\n${lines}`).config.smtp;
    assert.deepEqual(smtp('smtp = mail.example.com\n'), { host: 'mail.example.com', port: 25, security: 'starttls' });
    assert.deepEqual(smtp('smtp = mail.example.com:465\n'), { host: 'mail.example.com', port: 465, security: 'tls' });
    assert.deepEqual(smtp('smtp = 127.0.0.1:2525\nsmtpsecurity = none\n'), { host: '127.0.0.1', port: 2525, security: 'none' });
    assert.deepEqual(smtp('smtp = mail.example.com:587\nsmtpuser = pbx\nsmtppassword = s3cret\n'), {
      host: 'mail.example.com',
      port: 587,
      security: 'require',
      user: 'pbx',
      password: 's3cret',
    });
  });

  test('serveremail and fromstring in pbx.conf apply unless voicemail.conf [general] sets them', () => {
    const pbx = `${PHONES}[voicemail]\nserveremail = pbx@example.com\nfromstring = Office\n`;
    assert.deepEqual([ok(undefined, pbx).config.general.serverEmail, ok(undefined, pbx).config.general.fromString], ['pbx@example.com', 'Office']);
    const both = ok('[general]\nserveremail = vm@example.com\n', pbx);
    assert.equal(both.config.general.serverEmail, 'vm@example.com');
    assert.equal(both.config.general.fromString, 'Office');
    assert.equal(both.warnings, `pbx.conf:5: serveremail is ignored: voicemail.conf:2 sets it in voicemail.conf [general]`);
  });

  test('bad [voicemail] keys and values are errors with did-you-mean', () => {
    assert.equal(
      errorsOf(undefined, `${PHONES}[voicemail]\nsmtpp = mail.example.com\nsmtp = mail..example.com\nsmtpsecurity = startls\nsmtpuser = pbx\nemail = yes\n`),
      [
        `pbx.conf:5: unknown key 'smtpp' in [voicemail] (did you mean 'smtp'?)`,
        `pbx.conf:6: invalid smtp 'mail..example.com': 'mail..example.com' is not a valid host name or address (expected host[:port], e.g. mail.example.com:587)`,
        `pbx.conf:7: invalid smtpsecurity 'startls': expected starttls, require, tls, none (did you mean 'starttls'?)`,
        `pbx.conf:8: smtpuser needs smtppassword`,
        `pbx.conf:9: unknown key 'email' in [voicemail] (expected an extension's PIN such as 2000 = 739184, or smtp, smtpsecurity, smtpuser, smtppassword, serveremail, fromstring, maxboxmb, maxspoolmb)`,
      ].join('\n'),
    );
  });
});

test('pbx.conf [voicemail] maxboxmb / maxspoolmb set the byte caps; a bad value is an error at its line', () => {
  const good = loadConfig({ files: { 'pbx.conf': '[phones]\n2000 = first-long-secret, Alice\n\n[voicemail]\nmaxboxmb = 8\nmaxspoolmb = 100\n' } });
  assert.ok(good.config, JSON.stringify(good.errors));
  assert.equal(good.config.voicemail.general.maxBoxBytes, 8 * 1024 * 1024);
  assert.equal(good.config.voicemail.general.maxSpoolBytes, 100 * 1024 * 1024);
  const bad = loadConfig({ files: { 'pbx.conf': '[phones]\n2000 = first-long-secret, Alice\n\n[voicemail]\nmaxboxmb = lots\n' } });
  assert.equal(bad.config, undefined);
  assert.match(formatErrors(bad.errors), /^pbx\.conf:5: invalid maxboxmb 'lots': expected a whole number from 1 to 65536 \(MiB\)$/m);
});
