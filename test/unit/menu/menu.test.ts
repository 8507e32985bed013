import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, FakeSystem, runScripted } from './harness.ts';
import { MENU_TITLES, parseMenuArgs } from '../../../src/menu/index.ts';
import { loadConfig } from '../../../src/config/index.ts';

describe('setup menu', () => {
  test('shows the numbered items and re-asks a wrong choice with the reason; ends cleanly when input ends', async () => {
    const r = await runScripted(['0', 'eleven', '']);
    try {
      assert.equal(r.code, 0);
      for (const [i, title] of MENU_TITLES.entries()) assert.ok(r.io.transcript.includes(`${String(i + 1).padStart(2)}) ${title}`), title);
      assert.match(r.io.transcript, /'0' is not a choice; enter a number from 1 to 10/);
      assert.match(r.io.transcript, /'eleven' is not a choice/);
      assert.match(r.io.transcript, /Enter a number from 1 to 10\./);
      assert.match(r.io.transcript, /\*\*\* PBX 9\.9\.9 \*\*\* host pbx, LAN eth0 10\.0\.2\.15\/24/);
    } finally {
      r.cleanup();
    }
  });

  test('static LAN: each wrong answer is re-asked with its reason; the saved file keeps comments; applied after the save', async () => {
    const r = await runScripted(['2', 'Office-1', 'n', '192.168.1.300/24', '192.168.1.0/24', '192.168.1.20', '192.168.1.20/24', '10.0.0.1', '192.168.1.1', '192.168.1.1, 8.8.8.8, x', '192.168.1.1, 8.8.8.8', 'y'], { initial: DEFAULTS });
    try {
      const t = r.io.transcript;
      assert.match(t, /'192\.168\.1\.300' is not an IPv4 address/);
      assert.match(t, /192\.168\.1\.0 is the network address of \/24/);
      assert.match(t, /write it as ADDRESS\/PREFIX/);
      assert.match(t, /10\.0\.0\.1 is not in the LAN subnet 192\.168\.1\.20\/24/);
      assert.match(t, /'x' is not an IPv4 address/);
      const conf = r.conf();
      assert.match(conf, /^hostname = office-1$/m);
      assert.match(conf, /^lan = 192\.168\.1\.20\/24$/m);
      assert.match(conf, /^;gateway = 192\.168\.1\.1\ngateway = 192\.168\.1\.1$/m, 'new key placed after its commented example');
      assert.match(conf, /^dns = 192\.168\.1\.1, 8\.8\.8\.8$/m);
      assert.match(conf, /^; factory pbx\.conf$/m, 'comments survive');
      assert.deepEqual(r.system.calls, ['remount rw', 'remount ro', 'applyHostname office-1', 'applyNetwork']);
      assert.match(t, /LAN addresses now: eth0 10\.0\.2\.15\/24/);
    } finally {
      r.cleanup();
    }
  });

  test('back to DHCP drops gateway and dns; Enter keeps the current host name', async () => {
    const initial = '[system]\nhostname = box\nlan = 10.0.0.2/24\ngateway = 10.0.0.1\ndns = 10.0.0.1\n';
    const r = await runScripted(['2', '', 'y', ''], { initial });
    try {
      assert.equal(r.conf(), '[system]\nhostname = box\nlan = dhcp\n');
      assert.deepEqual(r.system.calls, ['remount rw', 'remount ro', 'applyHostname box', 'applyNetwork']);
    } finally {
      r.cleanup();
    }
  });

  test('answering no at the confirmation changes nothing', async () => {
    const r = await runScripted(['2', '', 'n', '10.0.0.2/24', '-', '-', 'n'], { initial: DEFAULTS });
    try {
      assert.equal(r.conf(), DEFAULTS);
      assert.deepEqual(r.system.calls, []);
      assert.match(r.io.transcript, /Nothing changed\./);
    } finally {
      r.cleanup();
    }
  });

  test('a kept value that no longer fits is re-asked (gateway outside the new subnet)', async () => {
    const initial = '[system]\nlan = 10.0.0.2/24\ngateway = 10.0.0.1\n';
    const r = await runScripted(['2', '', 'n', '172.16.0.2/16', '', '172.16.0.1', '-', 'y'], { initial });
    try {
      assert.match(r.io.transcript, /The current value no longer fits: 10\.0\.0\.1 is not in the LAN subnet 172\.16\.0\.2\/16/);
      assert.match(r.conf(), /^gateway = 172\.16\.0\.1$/m);
    } finally {
      r.cleanup();
    }
  });

  test('syslog server: checked, normalised with the default port, applied; "-" removes it', async () => {
    const r = await runScripted(['3', 'logs.example.com:99999', 'host/sctp', '10.0.0.9', '3', '-'], { initial: DEFAULTS });
    try {
      assert.match(r.io.transcript, /port/i);
      assert.match(r.io.transcript, /the protocol after \/ must be udp or tcp, not 'sctp'/);
      assert.match(r.io.transcript, /Logs now go to 10\.0\.0\.9:514\./);
      assert.match(r.io.transcript, /Logs now stay on this box/);
      assert.doesNotMatch(r.conf(), /^syslog =/m);
      assert.deepEqual(r.system.calls, ['remount rw', 'remount ro', 'applySyslog', 'remount rw', 'remount ro', 'applySyslog']);
    } finally {
      r.cleanup();
    }
  });

  test('syslog over tcp is saved as HOST:PORT/tcp', async () => {
    const r = await runScripted(['3', '192.168.1.10:6514/TCP'], { initial: DEFAULTS });
    try {
      assert.match(r.conf(), /^syslog = 192\.168\.1\.10:6514\/tcp$/m);
    } finally {
      r.cleanup();
    }
  });

  test('country and time zone: unknown ones refused with the reason, gb means uk, zone applied', async () => {
    const r = await runScripted(['4', 'zz', 'gb', 'Mars/Base', 'Europe/Paris'], { initial: DEFAULTS });
    try {
      assert.match(r.io.transcript, /unknown country 'zz'; known: .*\bfr\b/);
      assert.match(r.io.transcript, /unknown time zone 'Mars\/Base'/);
      assert.match(r.conf(), /^country = uk$/m);
      assert.match(r.conf(), /^timezone = Europe\/Paris$/m);
      assert.deepEqual(r.system.calls.slice(-1), ['applyTimezone Europe/Paris']);
    } finally {
      r.cleanup();
    }
  });

  test('assign the LAN interface: lists them with link state, saves the choice and re-applies the LAN', async () => {
    const r = await runScripted(['1', '3', '2'], { initial: DEFAULTS });
    try {
      assert.match(r.io.transcript, /1\) eth0 +00:0d:b9:00:00:01  link up  \(LAN now\)/);
      assert.match(r.io.transcript, /2\) eth1 +00:0d:b9:00:00:02  no link/);
      assert.match(r.io.transcript, /'3' is not a choice/);
      assert.match(r.conf(), /^lan_interface = eth1$/m);
      assert.deepEqual(r.system.calls, ['remount rw', 'remount ro', 'applyNetwork']);
    } finally {
      r.cleanup();
    }
  });

  test('when the config partition cannot be made writable nothing is written and it is said', async () => {
    const r = await runScripted(['3', '10.0.0.9'], { initial: DEFAULTS, failRemount: true });
    try {
      assert.match(r.io.transcript, /Could not write .*pbx\.conf: mount: \/cf: permission denied/);
      assert.equal(r.conf(), DEFAULTS);
      assert.ok(!r.system.calls.includes('applySyslog'), 'nothing applied after a failed save');
      assert.deepEqual(r.system.calls, ['remount rw', 'remount ro'], 'left read-only again');
    } finally {
      r.cleanup();
    }
  });

  test('a save that would make the configuration fail to load is refused with file:line: reason', async () => {
    // The box's zone files know a zone the runtime's ICU does not: the loader would reject it.
    const r = await runScripted(['4', 'fr', 'Etc/Nowhere'], { initial: DEFAULTS, system: new FakeSystem(['UTC', 'Etc/Nowhere']) });
    try {
      assert.match(r.io.transcript, /Not saved: with this change the configuration would not load:\n  pbx\.conf:\d+: .*time ?zone|Not saved[\s\S]*pbx\.conf:\d+: /i);
      assert.equal(r.conf(), DEFAULTS);
      assert.deepEqual(r.system.calls, []);
    } finally {
      r.cleanup();
    }
  });

  test('problems the file already had (a hand edit) do not block the menu from saving its own change', async () => {
    const r = await runScripted(['3', '10.0.0.9'], { initial: '[system]\nverbose = 99\n' });
    try {
      assert.equal(r.conf(), '[system]\nverbose = 99\nsyslog = 10.0.0.9:514\n');
    } finally {
      r.cleanup();
    }
  });

  test('factory reset needs "yes", then writes the defaults and applies everything', async () => {
    const initial = '[system]\nhostname = box\nlan = 10.0.0.2/24\nsyslog = 10.0.0.9:514\n';
    const r = await runScripted(['8', 'y', '8', 'YES'], { initial });
    try {
      assert.equal(r.conf(), DEFAULTS);
      assert.match(r.io.transcript, /Nothing changed\.[\s\S]*Factory defaults written/);
      assert.deepEqual(r.system.calls, ['remount rw', 'remount ro', 'applyHostname pbx', 'applyTimezone UTC', 'applySyslog', 'applyNetwork']);
    } finally {
      r.cleanup();
    }
  });

  test('shell: the first use sets the admin password (entered twice), later uses ask for it; three wrong ones refuse', async () => {
    const first = await runScripted(['10', 'short', 'long-enough-1', 'different-1', 'long-enough-1', 'long-enough-1'], { initial: DEFAULTS });
    let saved = '';
    try {
      assert.match(first.io.transcript, /use at least 8 characters/);
      assert.match(first.io.transcript, /The two did not match/);
      saved = first.conf();
      assert.match(saved, /^admin_password = scrypt\$/m);
      assert.doesNotMatch(saved, /long-enough-1/, 'the password itself is never written');
      assert.deepEqual(first.system.calls, ['remount rw', 'remount ro', 'shell']);
    } finally {
      first.cleanup();
    }
    const wrong = await runScripted(['10', 'guess-1', 'guess-2', 'guess-3'], { initial: saved });
    try {
      assert.deepEqual(wrong.system.calls, ['sleep 2000', 'sleep 2000', 'sleep 2000']);
      assert.equal((wrong.io.transcript.match(/Wrong password\./g) ?? []).length, 3);
    } finally {
      wrong.cleanup();
    }
    const right = await runScripted(['10', 'long-enough-1'], { initial: saved });
    try {
      assert.deepEqual(right.system.calls, ['shell']);
    } finally {
      right.cleanup();
    }
  });

  test('status shows version, uptime, LAN, storage, phones, calls and the log; says so when the PBX is down', async () => {
    const up = await runScripted(['5'], { initial: DEFAULTS });
    try {
      const t = up.io.transcript;
      assert.match(t, /Version +pbx 9\.9\.9, board apu, kernel 6\.1\.0-56-amd64/);
      assert.match(t, /Uptime +1 day 01:01/);
      assert.match(t, /LAN +first interface: DHCP; eth0 10\.0\.2\.15\/24, gateway 10\.0\.2\.2/);
      assert.match(t, /Syslog +not set/);
      assert.match(t, /Storage +data in RAM/);
      assert.match(t, /Phones:\n  output of sip show peers/);
      assert.match(t, /Calls:\n  output of core show channels/);
      assert.match(t, /Last log lines:\n  Nov 24 pbx daemon\.info pbx: ready/);
    } finally {
      up.cleanup();
    }
    const sys = new FakeSystem();
    sys.running = false;
    const down = await runScripted(['5'], { initial: DEFAULTS, system: sys });
    try {
      assert.match(down.io.transcript, /PBX +not running/);
    } finally {
      down.cleanup();
    }
  });

  test('ping refuses what is not a host, and reports whether the host answered', async () => {
    const r = await runScripted(['7', 'a b; reboot', '10.0.2.2', '7', '10.9.9.9'], { initial: DEFAULTS });
    try {
      assert.match(r.io.transcript, /'a b; reboot' is not a host name or IP address/);
      assert.match(r.io.transcript, /PING 10\.0\.2\.2\n10\.0\.2\.2 answers\./);
      assert.match(r.io.transcript, /10\.9\.9\.9 does not answer\./);
      assert.deepEqual(r.system.calls, ['ping 10.0.2.2', 'ping 10.9.9.9']);
    } finally {
      r.cleanup();
    }
  });

  test('reboot asks first (default no); PBX console hands the terminal over', async () => {
    const r = await runScripted(['9', '', '9', 'y', '6'], { initial: DEFAULTS });
    try {
      assert.deepEqual(r.system.calls, ['reboot', 'pbxConsole']);
    } finally {
      r.cleanup();
    }
  });

  test('a missing pbx.conf reads as the defaults and the first save creates it', async () => {
    const r = await runScripted(['3', '10.0.0.9'], {});
    try {
      assert.equal(r.conf(), DEFAULTS.replace(';syslog = 192.168.1.10:514\n', ';syslog = 192.168.1.10:514\nsyslog = 10.0.0.9:514\n'));
    } finally {
      r.cleanup();
    }
  });

  test('arguments: --config and --defaults are taken, anything else is refused', () => {
    assert.deepEqual(parseMenuArgs(['menu', '--config', '/tmp/x']), { configDir: '/tmp/x', defaultsFile: '/usr/share/pbx/pbx.conf.default' });
    assert.deepEqual(parseMenuArgs(['--bogus']), { error: "unknown argument '--bogus' (usage: pbx menu [--config DIR] [--defaults FILE])" });
    assert.deepEqual(parseMenuArgs(['--config']), { error: '--config needs a value' });
  });
});
