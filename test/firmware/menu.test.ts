/**
 * Drives the setup menu on the serial console of the real image like a person: a static LAN
 * address and a syslog server are set, the host's syslog listener (127.0.0.1, reached by the guest
 * as QEMU's 10.0.2.2) receives the box's log, and after a reboot the settings are still there.
 *
 * Runs only with PBX_FIRMWARE_TEST=1 (see boot.test.ts). Boots a private copy of the image
 * without snapshot mode, so the writes to the card persist across the reboot. That copy gets the
 * optional data partition (boot.test.ts boots the image as built, data in RAM) and, before its
 * first boot, a pbx.conf written as a PC would write it: one phone, and an [analog] section so
 * rcS loads DAHDI.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoard, buildPaths, packageVersion, REPO } from '../../firmware/lib/board.mjs';
import { QemuGuest, addDataPartition, ensureImage, freePort, sipOptions, sipp, waitRescueShell, writeCfFile } from './qemu-guest.ts';

const enabled = process.env.PBX_FIRMWARE_TEST === '1';
const boardName = process.env.PBX_FIRMWARE_BOARD ?? 'apu';
const skip = enabled ? false : 'set PBX_FIRMWARE_TEST=1 to boot the image in QEMU TCG and drive its setup menu (~3 min)';

const MENU_PROMPT = /Enter a number \(1-10\): /;
const PHONE = { ext: '2000', secret: 'Fw-Secr3t-2000' };
/** The data partition the test card gets (MiB). */
const DATA_MIB = 16;

describe(`setup menu on the serial console of the ${boardName} image`, { skip }, () => {
  const board = loadBoard(boardName);
  const paths = buildPaths(boardName, packageVersion());
  let dir = '';
  let card = '';
  let guest: QemuGuest | undefined;
  let syslog: Socket;
  let syslogPort = 0;
  let sipPort = 0;
  const received: string[] = [];

  const figures: Record<string, number | string> = {};

  const boot = async (): Promise<void> => {
    guest = new QemuGuest(board, { image: card, kernel: paths.kernel, initrd: paths.initrd, snapshot: false, forwards: [{ proto: 'udp', host: sipPort, guest: 5060 }] });
    await guest.waitFor(MENU_PROMPT, 420_000);
  };

  const waitSyslog = async (pattern: RegExp, timeoutMs: number): Promise<string | undefined> => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const hit = received.find((m) => pattern.test(m));
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  };

  before(async () => {
    ensureImage(boardName, paths.image, REPO);
    dir = mkdtempSync(join(tmpdir(), 'pbx-fw-menu-'));
    card = join(dir, 'card.img');
    copyFileSync(paths.image, card);
    addDataPartition(card, DATA_MIB);
    const defaults = readFileSync(join(REPO, 'overlay/usr/share/pbx/pbx.conf.default'), 'utf8');
    writeCfFile(card, 'pbx.conf', `${defaults}${PHONE.ext} = ${PHONE.secret}, Menu test\n\n[analog]\n; an analog port makes rcS load DAHDI (no card in QEMU: the core only)\nbackend = dahdi\nfxs = 1\n1 = 2101\n`);
    sipPort = await freePort('udp');
    syslogPort = await freePort('udp');
    syslog = createSocket('udp4');
    syslog.on('message', (m) => received.push(m.toString('utf8')));
    await new Promise<void>((r) => syslog.bind(syslogPort, '127.0.0.1', () => r()));
    await boot();
  });

  const bootRescue = async (): Promise<QemuGuest> => {
    guest = new QemuGuest(board, { image: card, kernel: paths.kernel, initrd: paths.initrd, snapshot: false, rescue: true, forwards: [] });
    await waitRescueShell(guest, board);
    return guest;
  };

  after(async () => {
    console.log(`# firmware menu figures (${boardName}, TCG): ${JSON.stringify(figures)}`);
    await guest?.stop();
    syslog?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('set a static LAN address from the menu; it is applied at once', async () => {
    const g = guest!;
    await g.type('2\r');
    await g.waitFor(/Host name \[pbx\]: /, 30_000);
    await g.type('\r');
    await g.waitFor(/Use DHCP for the LAN address\? \(y\/n\) \[y\]: /, 30_000);
    await g.type('n\r');
    await g.waitFor(/LAN address as ADDRESS\/PREFIX.*: /, 30_000);
    await g.type('10.0.2.300/24\r');
    await g.waitFor(/'10\.0\.2\.300' is not an IPv4 address/, 30_000);
    await g.type('10.0.2.15/24\r');
    await g.waitFor(/Gateway \[none; - for none\]: /, 30_000);
    await g.type('10.0.2.2\r');
    await g.waitFor(/DNS servers, separated by commas \[none; - for none\]: /, 30_000);
    await g.type('10.0.2.3\r');
    await g.waitFor(/and apply it now\? \(y\/n\) \[y\]: /, 30_000);
    await g.type('y\r');
    await g.waitFor(/Saved to \/cf\/pbx\.conf\./, 60_000);
    await g.waitFor(/LAN addresses now: eth0 10\.0\.2\.15\/24/, 60_000);
    await g.waitFor(MENU_PROMPT, 60_000);
  });

  test("set the syslog server from the menu; the box's log arrives at the host listener", async () => {
    const g = guest!;
    await g.type('3\r');
    await g.waitFor(/Syslog server as HOST\[:PORT\]\[\/udp\|\/tcp\] \[none; - for none\]: /, 30_000);
    await g.type(`10.0.2.2:${syslogPort}\r`);
    await g.waitFor(new RegExp(`Logs now go to 10\\.0\\.2\\.2:${syslogPort}\\.`), 60_000);
    // busybox syslogd announces its (re)start; klogd's kernel lines follow it.
    const hit = await waitSyslog(/syslogd started|kernel/, 30_000);
    assert.ok(hit, `nothing reached the syslog listener on 127.0.0.1:${syslogPort}`);
    await g.waitFor(MENU_PROMPT, 60_000);
  });

  test('a phone registers through the forwarded SIP port (the registration is kept on the data partition)', async () => {
    assert.match((await sipOptions(sipPort, 180_000)) ?? 'no answer to OPTIONS within 180 s', /^SIP\/2\.0 200 /);
    const reg = await sipp(REPO, 'register-auth.xml', sipPort, ['-s', PHONE.ext, '-au', PHONE.ext, '-ap', PHONE.secret, '-set', 'expires', '3600'], 30);
    assert.equal(reg.status, 0, `SIPp REGISTER failed:\n${reg.output}`);
  });

  test('after a reboot the settings are still there (status screen)', async () => {
    const g = guest!;
    await g.type('9\r');
    await g.waitFor(/Reboot the PBX now\? Calls in progress are cut\. \(y\/n\) \[n\]: /, 30_000);
    await g.type('y\r');
    await g.waitExit(120_000);
    received.length = 0;
    await boot();
    const g2 = guest!;
    // The status screen asks the PBX for its phones: wait until it answers SIP.
    assert.match((await sipOptions(sipPort, 180_000)) ?? 'no answer to OPTIONS within 180 s', /^SIP\/2\.0 200 /);
    await g2.type('5\r');
    const status = await g2.waitFor(/Version[\s\S]*?Last log lines:/, 60_000);
    assert.match(status[0], /LAN +first interface: static; eth0 10\.0\.2\.15\/24, gateway 10\.0\.2\.2/);
    assert.match(status[0], new RegExp(`Syslog +10\\.0\\.2\\.2:${syslogPort}`));
    assert.match(status[0], /Storage +config on \/dev\/\S+3 \(vfat\), read-only/);
    // Where registrations live: the data partition (the next test checks the PBX restored the
    // phone's registration from it).
    assert.match(status[0], /Storage +data on \/dev\/\S+4 \(ext4\)/);
    // The phones list needs `pbx -rx`, which the menu gives 10 s: under TCG on a loaded host the
    // client's node start takes ~11 s and the screen says "not running" (a src/menu limit).
    const phone = status[0].split('\n').find((l) => new RegExp(`^\\s*${PHONE.ext}\\b`).test(l));
    if (phone) assert.match(phone, /10\.0\.2\.2|127\.0\.0\.1/, status[0]);
    figures.statusPhoneLine = phone?.trim() ?? 'phones not shown (pbx -rx slower than the menu waits)';
    assert.ok(await waitSyslog(/syslogd started|kernel/, 60_000), 'the log is forwarded again after the reboot');
  });

  test("the host's syslog listener gets the PBX's own RFC 5424 records and the kernel's messages", async () => {
    // After the reboot `pbx run` starts with the syslog server from pbx.conf and sends its records
    // itself (RFC 5424, APP-NAME pbx); busybox syslogd -R forwards the system log (RFC 3164 lines).
    const ready = await waitSyslog(/^<\d{1,3}>1 \d{4}-\d\d-\d\dT\S+ \S+ pbx \S+ \S+ [\s\S]*SIP ready on /, 180_000);
    assert.ok(ready, `no RFC 5424 "SIP ready" record from APP-NAME pbx; got:\n${received.slice(-10).join('\n')}`);
    // The phone registered before the reboot came back from the data partition.
    const restored = /(\d+) registrations? restored/.exec(ready);
    assert.ok(restored && Number(restored[1]) >= 1, `the PBX restored no registration after the reboot: ${ready}`);
    figures.registrationsRestoredAfterReboot = Number(restored[1]);
    const kernel = await waitSyslog(/^<\d{1,3}>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+ )?kernel: /, 60_000);
    assert.ok(kernel, `no kernel message forwarded by syslogd; got:\n${received.slice(-10).join('\n')}`);
    figures.syslogRecords = received.length;
    // pbx.conf has an [analog] section: rcS loaded DAHDI at boot and said so in the kernel log.
    const dahdi = await waitSyslog(/dahdi-apply: DAHDI loaded/, 30_000);
    assert.ok(dahdi, `no "dahdi-apply: DAHDI loaded" in the forwarded kernel log; got:\n${received.filter((m) => /dahdi/i.test(m)).join('\n')}`);
  });

  test('factory reset from the menu asks for confirmation, restores the default pbx.conf, and the box still boots', async () => {
    const g = guest!;
    await g.waitFor(MENU_PROMPT, 60_000);
    await g.type('8\r');
    await g.waitFor(/Type yes to reset, anything else to go back: /, 30_000);
    await g.type('no\r');
    await g.waitFor(/Nothing changed\./, 30_000);
    await g.waitFor(MENU_PROMPT, 30_000);
    await g.type('8\r');
    await g.waitFor(/Type yes to reset, anything else to go back: /, 30_000);
    await g.type('yes\r');
    await g.waitFor(/Factory defaults written to \/cf\/pbx\.conf\./, 60_000);
    await g.waitFor(MENU_PROMPT, 120_000);
    await g.type('9\r');
    await g.waitFor(/Reboot the PBX now\? Calls in progress are cut\. \(y\/n\) \[n\]: /, 30_000);
    await g.type('y\r');
    await g.waitExit(120_000);
    const r = await bootRescue();
    assert.equal(await r.sh('cmp /cf/pbx.conf /usr/share/pbx/pbx.conf.default && echo SAME'), 'SAME');
    assert.match(await r.sh('dmesg | grep -c "rcS: done"'), /^1$/m);
  });

  test('QEMU killed right after the menu remounted /cf read-write: the card still boots with the old or the new pbx.conf', async () => {
    const r = guest!;
    // A watcher prints CF42RW the moment /proc/mounts shows /cf read-write (shell builtins only, so
    // it polls fast); the menu runs in the foreground on the console as init would run it.
    await r.type(
      `(while :; do while read -r dev mnt fs opts rest; do [ "$mnt" = /cf ] && case "$opts" in rw*) echo "CF$((40+2))RW"; exit 0;; esac; done < /proc/mounts; done) &\r`,
    );
    await r.type('node /usr/lib/pbx/pbx.mjs menu\r');
    await r.waitFor(MENU_PROMPT, 120_000);
    await r.type('3\r');
    await r.waitFor(/Syslog server as HOST\[:PORT\]\[\/udp\|\/tcp\] \[none; - for none\]: /, 30_000);
    await r.type('10.0.2.2:5514\r');
    await r.waitFor(/CF42RW/, 60_000);
    await r.powerCut();
    figures.savedBeforeCut = /Saved to \/cf\/pbx\.conf/.test(r.transcript) ? 'yes' : 'no';

    const after = await bootRescue();
    const conf = await after.sh('cat /cf/pbx.conf');
    const same = await after.sh('cmp -s /cf/pbx.conf /usr/share/pbx/pbx.conf.default && echo OLD || echo NEW');
    if (same === 'NEW') assert.match(conf, /^syslog = 10\.0\.2\.2:5514\r?$/m, `neither the old nor the new pbx.conf:\n${conf}`);
    figures.confAfterPowerCut = same;
    const check = await after.sh('pbx check --config /cf; echo "rc=$?"', 60_000);
    assert.match(check, /rc=0$/, check);
  });
});
