import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrors, loadConfig, type LoadResult } from '../../../src/config/load.ts';
import type { PbxConfig, SipPeer } from '../../../src/config/model.ts';

const PBX = '[system]\nsip = 127.0.0.1:5060\n';

function load(sip: string, pbx = PBX): LoadResult {
  return loadConfig({ files: { 'pbx.conf': pbx, 'sip.conf': sip } });
}

function ok(sip: string, pbx = PBX): PbxConfig {
  const r = load(sip, pbx);
  assert.equal(formatErrors(r.errors), '');
  assert.ok(r.config);
  return r.config;
}

function peer(sip: string, name: string): SipPeer {
  const p = ok(sip).peers.get(name);
  assert.ok(p, `peer ${name}`);
  return p;
}

function errorsOf(sip: string): string {
  const r = load(sip);
  assert.equal(r.config, undefined);
  return formatErrors(r.errors);
}

const PHONE = '[p](!)\ntype=friend\nhost=dynamic\nsecret=longsecret1\n';

describe('sip.conf [general]', () => {
  test('without sip.conf the registrar defaults apply', () => {
    const r = loadConfig({ files: { 'pbx.conf': PBX } });
    assert.ok(r.config);
    const g = r.config.sip;
    assert.equal(g.realm, 'asterisk');
    assert.deepEqual([g.defaultExpires, g.minExpires, g.maxExpires], [3600, 60, 3600]);
    assert.equal(g.alwaysAuthReject, true);
    assert.equal(g.allowGuest, false);
    assert.deepEqual(g.digestAlgorithms, ['MD5']);
    assert.deepEqual([g.authFailBanThreshold, g.banSeconds, g.nonceLifetime, g.qualifyFrequency, g.qualifyTimeout], [10, 600, 30, 60, 2000]);
    assert.deepEqual(r.config.sources, ['pbx.conf']);
  });

  test('general keys are read, case-insensitively', () => {
    const g = ok(
      [
        '[general]',
        'realm = office.example',
        'defaultexpiry = 600',
        'MinExpiry = 30',
        'maxexpiry = 7200',
        'alwaysauthreject = no',
        'allowguest = yes',
        'useragent = Office PBX',
        'digestalgorithms = md5',
        'authfailban = 5',
        'authfailbantime = 3600',
        'noncelifetime = 60',
        'qualifytimeout = 1500',
        'qualifyfreq = 30',
        'register => 4420:trunkpass@sip.example.net/4420',
      ].join('\n'),
    ).sip;
    assert.equal(g.realm, 'office.example');
    assert.deepEqual([g.defaultExpires, g.minExpires, g.maxExpires], [600, 30, 7200]);
    assert.equal(g.alwaysAuthReject, false);
    assert.equal(g.allowGuest, true);
    assert.equal(g.useragent, 'Office PBX');
    assert.deepEqual(g.digestAlgorithms, ['MD5']);
    assert.deepEqual([g.authFailBanThreshold, g.banSeconds, g.nonceLifetime, g.qualifyTimeout, g.qualifyFrequency], [5, 3600, 60, 1500, 30]);
    assert.deepEqual(g.registrations, [
      {
        text: '4420:trunkpass@sip.example.net/4420',
        transport: 'udp',
        user: '4420',
        secret: 'trunkpass',
        host: 'sip.example.net',
        extension: '4420',
        expiry: 600,
        origin: { file: 'sip.conf', line: 15 },
      },
    ]);
  });

  test('[general] settings are the defaults of sip.conf peers and of pbx.conf phones', () => {
    const c = ok(`[general]\ncontext=from-sip\nnat=no\ndisallow=all\nallow=alaw\ndtmfmode=info\nlanguage=fr\nqualifyfreq=45\n${PHONE}[2100](p)\n`, `${PBX}[phones]\n2000 = longsecret2, Alice\n`);
    const fromSip = c.peers.get('2100');
    const fromPbx = c.peers.get('2000');
    assert.ok(fromSip && fromPbx);
    assert.deepEqual([fromSip.context, fromSip.nat, fromSip.allow, fromSip.dtmfmode, fromSip.language, fromSip.qualifyFrequency], ['from-sip', false, ['alaw'], 'info', 'fr', 45]);
    // Phones keep their own context and are always qualified.
    assert.deepEqual([fromPbx.context, fromPbx.nat, fromPbx.allow, fromPbx.dtmfmode, fromPbx.language, fromPbx.qualify], ['phones', false, ['alaw'], 'info', 'fr', true]);
  });

  test('bind keys that disagree with pbx.conf sip= only warn; matching ones are silent', () => {
    const r = load('[general]\nbindaddr = 127.0.0.1\nbindport = 5060\nudpbindaddr = 0.0.0.0:5062\ntcpenable = no\n');
    assert.ok(r.config);
    assert.equal(
      formatErrors(r.warnings, 'warning: '),
      [
        `warning: sip.conf:4: udpbindaddr = 0.0.0.0:5062 is ignored: SIP listens on 127.0.0.1:5060 as pbx.conf 'sip =' says`,
        `warning: sip.conf:5: tcpenable = no is ignored: SIP always listens on both UDP and TCP`,
      ].join('\n'),
    );
  });

  test('general errors', () => {
    assert.equal(
      errorsOf('[general]\nalowguest = no\nsecret = x\ndefaultexpiry = 10\nminexpiry = 60\ndigestalgorithms = sha1\n[general]\n'),
      [
        `sip.conf:2: unknown key 'alowguest' in [general] (did you mean 'allowguest'?)`,
        `sip.conf:3: 'secret' is a peer setting and has no meaning in [general]`,
        `sip.conf:4: expiry settings must satisfy minexpiry <= defaultexpiry <= maxexpiry (have 60 <= 10 <= 3600)`,
        `sip.conf:6: invalid digestalgorithms 'sha1': expected sha-256 and/or md5, in order of preference`,
        `sip.conf:7: duplicate section [general] (first at sip.conf:1); use [general](+) to add to it`,
      ].join('\n'),
    );
  });
});

describe('sip.conf peers', () => {
  test('a trunk peer with host:port, insecure, fromuser and codecs in order', () => {
    const p = peer(
      '[provider]\ntype=peer\nhost=sip.example.net:5080\ndefaultuser=4420\nsecret=trunkpass\nfromuser=4420\nfromdomain=sip.example.net\ninsecure=port,invite\ncontext=from-trunk\ndisallow=all\nallow=alaw\nallow=ulaw:20,g729\ndisallow=g729\nqualify=2500\n',
      'provider',
    );
    assert.equal(p.type, 'peer');
    assert.equal(p.host, 'sip.example.net');
    assert.equal(p.port, 5080);
    assert.equal(p.defaultuser, '4420');
    assert.deepEqual(p.insecure, ['port', 'invite']);
    assert.deepEqual(p.allow, ['alaw', 'ulaw']);
    assert.equal(p.qualify, 2500);
    assert.equal(p.fromPbxConf, false);
    assert.deepEqual(p.origin, { file: 'sip.conf', line: 1 });
  });

  test('nat words map to latching on or off', () => {
    const nat = (v: string): boolean => peer(`${PHONE}[x](p)\nnat=${v}\n`, 'x').nat;
    assert.equal(nat('yes'), true);
    assert.equal(nat('force_rport'), true);
    assert.equal(nat('comedia'), true);
    assert.equal(nat('force_rport,comedia'), true);
    assert.equal(nat('no'), false);
    assert.equal(nat('never'), false);
  });

  test('qualify: yes, no, milliseconds, 0 means off', () => {
    const q = (v: string): boolean | number => peer(`${PHONE}[x](p)\nqualify=${v}\n`, 'x').qualify;
    assert.equal(q('yes'), true);
    assert.equal(q('no'), false);
    assert.equal(q('3000'), 3000);
    assert.equal(q('0'), false);
  });

  test('caller ID forms, directmedia, ACL, setvar, groups, md5secret', () => {
    const p = peer(
      `${PHONE}[x](p)\ncallerid="Smith, Ann" <2100>\ndirectmedia=nonat\ndeny=0.0.0.0/0.0.0.0\npermit=192.168.1.0/255.255.255.0\npermit=10.0.0.7\nsetvar=TEAM=sales\ncallgroup=1,3-4\npickupgroup=1\nmd5secret=0123456789ABCDEF0123456789abcdef\nmailbox=2100@default\ncall-limit=2\n`,
      'x',
    );
    assert.deepEqual(p.callerid, { name: 'Smith, Ann', number: '2100' });
    assert.equal(p.canreinvite, true);
    assert.deepEqual(p.acl, [
      { action: 'deny', network: '0.0.0.0/0' },
      { action: 'permit', network: '192.168.1.0/24' },
      { action: 'permit', network: '10.0.0.7/32' },
    ]);
    assert.deepEqual(p.variables, [['TEAM', 'sales']]);
    assert.deepEqual(p.callgroup, [1, 3, 4]);
    assert.deepEqual(p.pickupgroup, [1]);
    assert.equal(p.md5secret, '0123456789abcdef0123456789abcdef');
    assert.equal(p.mailbox, '2100@default');
    assert.equal(p.callLimit, 2);
    assert.deepEqual(peer(`${PHONE}[x](p)\ncallerid=Reception <200>\n`, 'x').callerid, { name: 'Reception', number: '200' });
    assert.deepEqual(peer(`${PHONE}[x](p)\ncallerid=200\n`, 'x').callerid, { number: '200' });
  });

  test('allow=all adds every audio codec; disallow=all then allow restores an order', () => {
    const p = peer(`${PHONE}[x](p)\ndisallow=all\nallow=gsm\nallow=all\n`, 'x');
    assert.equal(p.allow[0], 'gsm');
    assert.ok(p.allow.includes('ulaw') && p.allow.includes('alaw'));
    assert.ok(!p.allow.includes('h264'));
  });

  test('peer errors name the file, line and what to do', () => {
    const sip = [
      '[office](!)', // 1
      'type=friend', // 2
      'host=dynamic', // 3
      '[2000](office)', // 4
      'secret=longsecret1', // 5
      'contxt=phones', // 6
      'bindport=5060', // 7
      'allow=ulow', // 8
      'type=phone', // 9
      '[2001](office)', // 10
      '[2002]', // 11
      'secret=longsecret2', // 12
      '[2003]', // 13
      'type=peer', // 14
      '[trunk]', // 15
      'type=peer', // 16
      'host=sip.example.net:99999', // 17
      'md5secret=abc', // 18
      'transport=tls', // 19
      '[2000]', // 20
      '[bad name]', // 21
    ].join('\n');
    assert.equal(
      errorsOf(sip),
      [
        `sip.conf:6: unknown key 'contxt' in [2000] (did you mean 'context'?)`,
        `sip.conf:7: 'bindport' belongs in [general], not in peer [2000]`,
        `sip.conf:8: unknown codec 'ulow' (did you mean 'ulaw'?)`,
        `sip.conf:9: invalid type 'phone': expected friend, peer or user`,
        `sip.conf:10: peer '2001' has host=dynamic but no secret or md5secret, so anyone could register as it`,
        `sip.conf:11: peer '2002' has no type (add type=friend, peer or user)`,
        `sip.conf:13: peer '2003' has no host (use host=dynamic for phones that register)`,
        `sip.conf:17: invalid host 'sip.example.net:99999': port 99999 is out of range 1-65535`,
        `sip.conf:18: invalid md5secret 'abc': expected 32 hex digits: md5 of user:realm:secret`,
        `sip.conf:19: invalid transport 'tls': transport 'tls' is not supported (udp, tcp)`,
        `sip.conf:20: peer '2000' is defined twice (first at sip.conf:4); use [2000](+) to add to it`,
        `sip.conf:21: invalid peer name 'bad name' (use letters, digits, '-', '_', '.', '+')`,
      ].join('\n'),
    );
  });

  test('keys Asterisk knows but we do not act on warn once per key; no usable codec warns', () => {
    const r = load(`${PHONE}[a](p)\nt38pt_udptl=yes\nvideosupport=no\n[b](p)\nt38pt_udptl=yes\ndisallow=all\nallow=g729\n`);
    assert.ok(r.config);
    assert.deepEqual(r.config.peers.get('a')?.ignored, ['t38pt_udptl', 'videosupport']);
    assert.equal(
      formatErrors(r.warnings),
      [
        `sip.conf:6: 't38pt_udptl' is not supported yet and is ignored`,
        `sip.conf:7: 'videosupport' is not supported yet and is ignored`,
        `sip.conf:8: peer 'b' allows no codec this PBX supports (ulaw, alaw); its calls will fail`,
      ].join('\n'),
    );
  });

  test('[authentication] is accepted with a warning, not taken for a peer', () => {
    const r = load('[authentication]\nauth=a:b@c\n');
    assert.ok(r.config);
    assert.equal(r.config.peers.size, 0);
    assert.equal(formatErrors(r.warnings), `sip.conf:1: [authentication] is not supported yet and is ignored`);
  });
});

describe('sip.conf wins over pbx.conf', () => {
  test('a sip.conf peer named like a phone replaces the derived peer entirely', () => {
    const c = ok(
      '[2000]\ntype=friend\nhost=dynamic\nsecret=from-sip-conf\ncontext=internal\nqualify=no\nallow=gsm\n',
      `${PBX}[phones]\n2000 = from-pbx-conf, Alice\n2001 = other-secret, Bob\n`,
    );
    const p = c.peers.get('2000');
    assert.ok(p);
    assert.equal(p.secret, 'from-sip-conf');
    assert.equal(p.context, 'internal');
    assert.equal(p.qualify, false);
    assert.deepEqual(p.allow, ['ulaw', 'alaw', 'gsm']);
    // Nothing of the derived peer leaks in: no caller ID, no mailbox unless sip.conf says so.
    assert.equal(p.callerid, undefined);
    assert.equal(p.mailbox, undefined);
    assert.equal(p.fromPbxConf, false);
    assert.deepEqual(p.origin, { file: 'sip.conf', line: 1 });
    // The phone itself (its mailbox and dialplan entry) still exists, and 2001 is untouched.
    assert.equal(c.phones.get('2000')?.mailbox, '2000@default');
    assert.equal(c.peers.get('2001')?.fromPbxConf, true);
    assert.deepEqual([...c.peers.keys()], ['2000', '2001']);
  });
});
