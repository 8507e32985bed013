import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig, type LoadResult } from '../../../src/config/load.ts';
import type { PbxConfig } from '../../../src/config/model.ts';

function load(pbx: string, more: Record<string, string> = {}): LoadResult {
  return loadConfig({ files: { 'pbx.conf': pbx, ...more } });
}

function ok(pbx: string, more: Record<string, string> = {}): PbxConfig {
  const r = load(pbx, more);
  assert.equal(formatErrors(r.errors), '');
  assert.ok(r.config);
  return r.config;
}

/** The errors of a pbx.conf as `check` prints them. */
function errorsOf(pbx: string): string {
  const r = load(pbx);
  assert.equal(r.config, undefined, 'no model is handed out when there are errors');
  return formatErrors(r.errors);
}

function warningsOf(pbx: string): string {
  return formatErrors(load(pbx).warnings);
}

describe('pbx.conf [system]', () => {
  test('an empty pbx.conf gives the documented defaults', () => {
    const c = ok('');
    assert.deepEqual(c.system, {
      hostname: 'pbx',
      sip: { host: '0.0.0.0', port: 5060 },
      rtp: { start: 10000, end: 20000 },
      control: '/run/pbx/control.sock',
      data: '/var/lib/pbx',
      country: 'us',
      timezone: 'UTC',
      verbose: 3,
    });
    assert.equal(c.peers.size, 0);
  });

  test('every key is read', () => {
    const c = ok(
      [
        '[system]',
        'hostname = office-pbx',
        'sip = 127.0.0.1:15060',
        'rtp = 30000-30100',
        'control = /tmp/t/control.sock',
        'data = /tmp/t/data',
        'syslog = logs.lan:1514/tcp',
        'country = UK',
        'timezone = Europe/London',
        'lan = 192.168.1.10/24',
        'gateway = 192.168.1.1',
        'dns = 192.168.1.1, 9.9.9.9',
        'admin_password = $6$salt$abcdefghijklmnop',
        'verbose = 5',
      ].join('\n'),
    );
    assert.deepEqual(c.system, {
      hostname: 'office-pbx',
      sip: { host: '127.0.0.1', port: 15060 },
      rtp: { start: 30000, end: 30100 },
      control: '/tmp/t/control.sock',
      data: '/tmp/t/data',
      syslog: { host: 'logs.lan', port: 1514, protocol: 'tcp' },
      country: 'uk',
      timezone: 'Europe/London',
      lan: { mode: 'static', address: '192.168.1.10', prefix: 24, gateway: '192.168.1.1', dns: ['192.168.1.1', '9.9.9.9'] },
      adminPassword: '$6$salt$abcdefghijklmnop',
      verbose: 5,
    });
  });

  test('syslog: port defaults to 514 and protocol to udp; IPv6 in brackets', () => {
    assert.deepEqual(ok('[system]\nsyslog = 10.0.0.5').system.syslog, { host: '10.0.0.5', port: 514, protocol: 'udp' });
    assert.deepEqual(ok('[system]\nsyslog = 10.0.0.5/tcp').system.syslog, { host: '10.0.0.5', port: 514, protocol: 'tcp' });
    assert.deepEqual(ok('[system]\nsyslog = [fd00::5]:601/udp').system.syslog, { host: 'fd00::5', port: 601, protocol: 'udp' });
  });

  test('sip without a port listens on 5060; IPv6 works', () => {
    assert.deepEqual(ok('[system]\nsip = 192.168.1.10').system.sip, { host: '192.168.1.10', port: 5060 });
    assert.deepEqual(ok('[system]\nsip = [::]:5070').system.sip, { host: '::', port: 5070 });
  });

  test('lan = dhcp; relative control/data resolve against the config dir', () => {
    const r = loadConfig({ files: { 'pbx.conf': '[system]\nlan = dhcp\ndns = 1.1.1.1\ncontrol = run/c.sock\ndata = ../state' }, dir: '/cf/conf' });
    assert.ok(r.config);
    assert.deepEqual(r.config.system.lan, { mode: 'dhcp', dns: ['1.1.1.1'] });
    assert.equal(r.config.system.control, '/cf/conf/run/c.sock');
    assert.equal(r.config.system.data, '/cf/state');
  });

  test('gb is accepted for uk; a POSIX TZ string is accepted', () => {
    const c = ok('[system]\ncountry = gb\ntimezone = CET-1CEST,M3.5.0,M10.5.0/3');
    assert.equal(c.system.country, 'uk');
    assert.equal(c.system.timezone, 'CET-1CEST,M3.5.0,M10.5.0/3');
  });

  test('each bad value is an error at its line, all reported at once', () => {
    const pbx = [
      '[system]', // 1
      'sipp = 0.0.0.0:5060', // 2
      'sip = 0.0.0.0:70000', // 3
      'rtp = 20000-10000', // 4
      'syslog = logs.lan:abc', // 5
      'country = usa', // 6
      'verbose = loud', // 7
      'hostname = my_pbx', // 8
      'timezone = Mars/Olympus', // 9
      'control = /tmp/' + 'x'.repeat(120), // 10
    ].join('\n');
    assert.equal(
      errorsOf(pbx),
      [
        `pbx.conf:2: unknown key 'sipp' in [system] (did you mean 'sip'?)`,
        `pbx.conf:3: invalid sip '0.0.0.0:70000': port 70000 is out of range 1-65535`,
        `pbx.conf:4: invalid rtp '20000-10000': start must be lower than end`,
        `pbx.conf:5: invalid syslog 'logs.lan:abc': expected HOST[:PORT][/udp|/tcp] (port 'abc' is not a number)`,
        `pbx.conf:6: unknown country 'usa' (did you mean 'us'?)`,
        `pbx.conf:7: invalid verbose 'loud': expected a whole number from 0 to 10`,
        `pbx.conf:8: invalid hostname 'my_pbx': expected a host name of letters, digits, '-' and '.'`,
        `pbx.conf:9: invalid timezone 'Mars/Olympus': expected a zone name like Europe/Paris, or a POSIX TZ string like CET-1CEST`,
        `pbx.conf:10: invalid control '/tmp/${'x'.repeat(120)}': a unix socket path may be at most 107 bytes`,
      ].join('\n'),
    );
  });

  test('more rtp and syslog mistakes', () => {
    assert.equal(errorsOf('[system]\nrtp = 10000'), `pbx.conf:2: invalid rtp '10000': expected START-END, e.g. 10000-20000`);
    assert.equal(errorsOf('[system]\nrtp = 100-2000'), `pbx.conf:2: invalid rtp '100-2000': start must be 1024 or above (lower ports are reserved)`);
    assert.equal(errorsOf('[system]\nrtp = 10000-70000'), `pbx.conf:2: invalid rtp '10000-70000': port 70000 is out of range 1-65535`);
    assert.equal(errorsOf('[system]\nsyslog = logs.lan/tls'), `pbx.conf:2: invalid syslog 'logs.lan/tls': expected HOST[:PORT][/udp|/tcp] (protocol 'tls' is not supported)`);
    assert.equal(errorsOf('[system]\nsyslog = logs.lan:0'), `pbx.conf:2: invalid syslog 'logs.lan:0': expected HOST[:PORT][/udp|/tcp] (port 0 is out of range 1-65535)`);
  });

  test('an unknown country far from any known one lists the known ones', () => {
    assert.match(errorsOf('[system]\ncountry = zzzz'), /^pbx\.conf:2: unknown country 'zzzz' \(known: ar, at, .*, us, us-old, ve, za\)$/);
  });

  test('duplicate keys, unknown sections, lan/gateway/dns consistency', () => {
    const pbx = [
      '[system]', // 1
      'sip = 0.0.0.0:5060', // 2
      'sip = 0.0.0.0:5070', // 3
      'gateway = 10.0.0.1', // 4
      '[sytem]', // 5
      '[trunk]', // 6
    ].join('\n');
    assert.equal(
      errorsOf(pbx),
      [
        `pbx.conf:3: duplicate key 'sip' in [system] (first at pbx.conf:2)`,
        `pbx.conf:4: gateway needs 'lan = ADDRESS/PREFIX' in [system]`,
        `pbx.conf:5: unknown section [sytem] (did you mean 'system'?)`,
        `pbx.conf:6: [trunk] needs a name: [trunk NAME]`,
      ].join('\n'),
    );
    assert.equal(errorsOf('[system]\nlan = 10.0.0.5'), `pbx.conf:2: invalid lan '10.0.0.5': expected dhcp or ADDRESS/PREFIX, e.g. 192.168.1.10/24`);
    assert.equal(errorsOf('[system]\nlan = 10.0.0.5/33'), `pbx.conf:2: invalid lan '10.0.0.5/33': prefix must be 1-32`);
    assert.equal(errorsOf('[system]\nlan = 10.0.0.5/24\ndns = 1.1.1.1 dns.google'), `pbx.conf:3: invalid dns '1.1.1.1 dns.google': expected IP addresses separated by commas ('dns.google' is not one)`);
  });

  test('warnings do not block: odd rtp start, sip port inside rtp, plain admin password, gateway off-subnet', () => {
    const r = load('[system]\nsip = 0.0.0.0:10002\nrtp = 10001-10100\nadmin_password = hunter2\nlan = 10.0.0.5/24\ngateway = 10.0.1.1\n');
    assert.ok(r.config);
    assert.equal(
      formatErrors(r.warnings, 'warning: '),
      [
        `warning: pbx.conf:3: rtp range starts at an odd port; RTP uses even ports, so 10002 is the first one used`,
        `warning: pbx.conf:3: sip port 10002 is inside the rtp range 10001-10100; RTP cannot use that port`,
        `warning: pbx.conf:4: admin_password should be a password hash (as the setup menu writes it), not the password itself`,
        `warning: pbx.conf:6: gateway 10.0.1.1 is outside the lan subnet 10.0.0.5/24`,
      ].join('\n'),
    );
  });
});

describe('pbx.conf [phones]', () => {
  test('a phone line derives a registering SIP peer with caller ID and mailbox', () => {
    const c = ok('[phones]\n2000 = Tr0ub4dor-x, Joe Bloggs\n2001 => another-long-secret\n');
    const p = c.peers.get('2000');
    assert.ok(p);
    assert.deepEqual(p, {
      name: '2000',
      type: 'friend',
      host: 'dynamic',
      secret: 'Tr0ub4dor-x',
      defaultuser: '2000',
      context: 'phones',
      nat: true,
      qualify: true,
      qualifyFrequency: 60,
      callerid: { name: 'Joe Bloggs', number: '2000' },
      allow: ['ulaw', 'alaw'],
      canreinvite: false,
      mailbox: '2000@default',
      dtmfmode: 'rfc2833',
      insecure: [],
      language: 'en',
      transport: ['udp', 'tcp'],
      acl: [],
      variables: [],
      callgroup: [],
      pickupgroup: [],
      ignored: [],
      origin: { file: 'pbx.conf', line: 2 },
      fromPbxConf: true,
    });
    assert.deepEqual(c.peers.get('2001')?.callerid, { number: '2001' });
    assert.deepEqual(c.phones.get('2000'), {
      extension: '2000',
      secret: 'Tr0ub4dor-x',
      name: 'Joe Bloggs',
      mailbox: '2000@default',
      origin: { file: 'pbx.conf', line: 2 },
    });
  });

  test('the name keeps commas after the first one and loses surrounding quotes', () => {
    const c = ok('[phones]\n2000 = long-enough-secret, "Bloggs, Joe"\n');
    assert.equal(c.phones.get('2000')?.name, 'Bloggs, Joe');
  });

  test('phones split over an include keep their own file and line', () => {
    const c = ok('[phones]\n#include phones-extra.conf\n2000 = s3cret-pass-1\n', { 'phones-extra.conf': '\n2100 = s3cret-pass-2, Extra\n' });
    assert.deepEqual(c.peers.get('2100')?.origin, { file: 'phones-extra.conf', line: 2 });
    assert.deepEqual(c.sources, ['pbx.conf', 'phones-extra.conf']);
  });

  test('missing secret, bad extension, duplicate phone, bad name', () => {
    const pbx = [
      '[phones]', // 1
      '2000 = good-secret-one, Alice', // 2
      '2001 = , Bob', // 3
      '2002 =', // 4
      'joe = good-secret-two', // 5
      '2000 = good-secret-three, Again', // 6
      '2003 = good-secret-four, <Eve>', // 7
    ].join('\n');
    assert.equal(
      errorsOf(pbx),
      [
        `pbx.conf:3: phone 2001 has no secret (expected '2001 = secret, Name')`,
        `pbx.conf:4: phone 2002 has no secret (expected '2002 = secret, Name')`,
        `pbx.conf:5: phone extension 'joe' must be digits (e.g. 2000 = secret, Joe Bloggs)`,
        `pbx.conf:6: duplicate phone 2000 (first defined at pbx.conf:2)`,
        `pbx.conf:7: phone 2003: the name may not contain < > or "`,
      ].join('\n'),
    );
  });

  test('weak secrets and the echo-test number only warn', () => {
    assert.equal(
      warningsOf('[phones]\n2000 = 1234\n2001 = abc2001xyz\n2002 = password\n2003 = 12345678901\n600 = fine-secret-xyz\n'),
      [
        `pbx.conf:2: phone 2000 has a weak secret (shorter than 8 characters); SIP scanners guess such secrets`,
        `pbx.conf:3: phone 2001 has a weak secret (it contains the extension number); SIP scanners guess such secrets`,
        `pbx.conf:4: phone 2002 has a weak secret (a common password); SIP scanners guess such secrets`,
        `pbx.conf:5: phone 2003 has a weak secret (digits only); SIP scanners guess such secrets`,
        `pbx.conf:6: phone 600 hides the built-in echo test at 600`,
      ].join('\n'),
    );
  });
});

describe('pbx.conf other sections', () => {
  test('[trunk NAME] is kept raw, with origins; [voicemail] is modelled', () => {
    const c = ok('[trunk provider]\nhost = sip.example.net\nusername = 4420\n[voicemail]\nsmtp = mail.example.com\n');
    const t = c.trunks.get('provider');
    assert.ok(t);
    assert.deepEqual(
      t.entries.map((e) => [e.key, e.value, e.line]),
      [
        ['host', 'sip.example.net', 2],
        ['username', '4420', 3],
      ],
    );
    assert.deepEqual(c.voicemail.smtp, { host: 'mail.example.com', port: 25, security: 'starttls' });
  });

  test('two trunks with one name are an error', () => {
    assert.equal(errorsOf('[trunk a]\n[trunk a]\n'), `pbx.conf:2: duplicate [trunk a] (first at pbx.conf:1)`);
  });
});
