/**
 * Boots the real firmware image in QEMU (TCG) and checks it the way a user would notice:
 * the box comes up, the root is read-only, node runs our bundle, the first boot wrote the
 * default pbx.conf to the config partition, and the PBX answers SIP on the LAN.
 *
 * Slow (builds the image when missing, then a TCG boot): runs only with PBX_FIRMWARE_TEST=1.
 * PBX_FIRMWARE_BOARD picks the board (default apu); PBX_FIRMWARE_REBUILD=1 forces a build.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { loadBoard, buildPaths, packageVersion, REPO } from '../../firmware/lib/board.mjs';
import { QemuGuest, bootWithSip, echoCall, ensureImage, freePort, freeUdpRange, sipOptions, sipp, type EchoCall } from './qemu-guest.ts';

const enabled = process.env.PBX_FIRMWARE_TEST === '1';
const boardName = process.env.PBX_FIRMWARE_BOARD ?? 'apu';
const skip = enabled ? false : 'set PBX_FIRMWARE_TEST=1 to build the image (root, ~3 min) and boot it in QEMU TCG (~1 min)';
/** How long calls run while the card's write counter is watched (the issue asks for five minutes). */
const trafficSeconds = Number(process.env.PBX_FIRMWARE_TRAFFIC_SECONDS ?? 300);
/** RTP ports the guest's PBX uses (pbx.conf `rtp =`), forwarded 1:1 from 127.0.0.1: 10 calls at once. */
const RTP_PORTS = 20;
const PHONE = { ext: '2000', secret: 'Fw-Secr3t-2000' };

describe(`firmware image for ${boardName}, booted in QEMU`, { skip }, () => {
  const board = loadBoard(boardName);
  const paths = buildPaths(boardName, packageVersion());
  let guest: QemuGuest;
  let sipPort = 0;
  let rtp = { start: 0, end: 0 };
  let sipAnswer: Promise<string | undefined>;
  const stopProbe = new AbortController();
  const figures: Record<string, number | string> = {};

  before(async () => {
    const built = ensureImage(boardName, paths.image, REPO);
    if (built !== undefined) figures.buildSeconds = built;
    figures.imageMB = Number((statSync(paths.image).size / 1048576).toFixed(1));
    sipPort = await freePort('udp');
    rtp = await freeUdpRange(RTP_PORTS);
    ({ guest, sipReady: sipAnswer } = await bootWithSip(board, {
      image: paths.image,
      kernel: paths.kernel,
      initrd: paths.initrd,
      sipPort,
      rtp,
      probeMs: 240_000,
      signal: stopProbe.signal,
      figures,
    }));
  });

  after(async () => {
    stopProbe.abort();
    await guest?.stop();
    console.log(`# firmware figures (${boardName}, TCG): ${JSON.stringify(figures)}`);
  });

  test('the root filesystem is a read-only squashfs and writes to it fail', async () => {
    const mounts = await guest.sh('cat /proc/mounts');
    assert.match(mounts, /^\S+ \/ squashfs ro[,\s]/m, mounts);
    const write = await guest.sh('touch /usr/lib/pbx/x 2>&1 || echo REFUSED');
    assert.match(write, /Read-only file system|REFUSED/);
    assert.match(mounts, /^tmpfs \/var tmpfs /m);
    assert.match(mounts, /^tmpfs \/run tmpfs /m);
    assert.match(mounts, /^tmpfs \/tmp tmpfs /m);
  });

  test('the config partition is mounted read-only at /cf and holds the default pbx.conf after first boot', async () => {
    const mounts = await guest.sh('cat /proc/mounts');
    assert.match(mounts, /^\S+ \/cf vfat ro[,\s]/m, mounts);
    const conf = await guest.sh('cat /cf/pbx.conf');
    assert.match(conf, /^\[system\]$/m);
    assert.match(conf, /^lan = dhcp$/m);
  });

  test('node runs our bundle', async () => {
    const out = await guest.sh('node /usr/lib/pbx/pbx.mjs --version', 120_000);
    assert.match(out, new RegExp(`\\b${packageVersion().replace(/\./g, '\\.')}\\b`));
    const started = await guest.sh('dmesg | grep "pbx-run: starting node" | head -n 1');
    const m = started.match(/starting node at ([\d.]+) s/);
    assert.ok(m, `init did not start the PBX: ${started}`);
    figures.guestUptimeAtNodeStart = Number(m[1]);
  });

  test('the LAN came up by DHCP from pbx.conf', async () => {
    const addr = await guest.sh('for i in 1 2 3 4 5 6 7 8 9 10; do ip -4 addr show | grep -q "inet 10.0.2.15" && break; sleep 1; done; ip -4 addr show');
    assert.match(addr, /inet 10\.0\.2\.15\/24/);
  });

  test('the PBX answers SIP OPTIONS on the LAN', async () => {
    const status = await sipAnswer;
    const log = status === undefined ? await guest.sh('logread | grep " pbx" | tail -n 5') : '';
    assert.ok(status, `no answer to OPTIONS within 240 s of starting QEMU. Guest log: ${log}`);
    assert.match(status, /^SIP\/2\.0 200 /);
  });

  test('with no data partition the PBX warns at start that voicemail is in RAM (its log, voicemail show users)', async () => {
    // The image as built has no partition 4: /data is tmpfs (voicemail.test.ts boots one with it).
    // The warning is logged as the PBX starts, before it answers SIP.
    assert.match((await sipAnswer) ?? 'no answer to OPTIONS', /^SIP\/2\.0 200 /);
    const log = await guest.sh('logread | grep "voicemail is in RAM"');
    assert.match(log, /voicemail is in RAM: messages are lost at reboot \(no data partition\)/, log);
    const users = await guest.sh('pbx -rx "voicemail show users"', 90_000);
    assert.match(users, /Voicemail is stored in RAM \(no data partition\): messages are lost at reboot/, users);
  });

  /** pid of the `node ... pbx.mjs run` process in the guest (busybox: read /proc, no ps options). */
  const pbxPid = async (): Promise<string> => {
    const out = await guest.sh(
      `for p in /proc/[0-9]*; do case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in *"pbx.mjs run"*) echo "PID=\${p#/proc/}";; esac; done`,
    );
    return out.match(/PID=(\d+)/)?.[1] ?? '';
  };

  /** kill -9 of the PBX; resolves with the seconds until it answers SIP again (init respawned it). */
  const killPbx = async (): Promise<number> => {
    const pid = await pbxPid();
    assert.ok(pid, 'no `pbx run` process in the guest');
    await guest.sh(`kill -9 ${pid}`);
    const killedAt = Date.now();
    // Give the dead process's socket time to go, so the answer comes from the new one.
    await new Promise((r) => setTimeout(r, 500));
    const status = await sipOptions(sipPort, 180_000);
    assert.match(status ?? 'no answer within 180 s', /^SIP\/2\.0 200 /);
    const newPid = await pbxPid();
    assert.ok(newPid && newPid !== pid, `the PBX was not restarted (pid ${pid} -> ${newPid})`);
    const seconds = Number(((Date.now() - killedAt) / 1000).toFixed(1));
    // pbx-run pauses 2 s before init respawns it; node then needs ~10 s to start under TCG (more
    // on a loaded host): a figure for the notes, bounded only by the 180 s wait above.
    return seconds;
  };

  const peerLine = async (): Promise<string> => {
    const peers = await guest.sh('pbx -rx "sip show peers"', 60_000);
    return peers.split('\n').find((l) => new RegExp(`^${PHONE.ext}\\b`).test(l.trim())) ?? `(no ${PHONE.ext} in:\n${peers})`;
  };

  test('SIPp registers a phone through the forwarded SIP port; after kill -9 init respawns the PBX and the registration is still listed', async () => {
    // The factory pbx.conf has no phones: add one the way a PC edit of the card would, with an
    // RTP range small enough to forward port for port from 127.0.0.1 (a real box keeps the
    // default 10000-20000), then let init restart the PBX to read it (this first kill is part
    // of the set-up).
    const edited = await guest.sh(
      `mount -o remount,rw /cf && sed -i '/^\\[system\\]/a rtp = ${rtp.start}-${rtp.end}' /cf/pbx.conf && printf '%s = %s, Firmware test\\n' ${PHONE.ext} ${PHONE.secret} >> /cf/pbx.conf && sync; mount -o remount,ro /cf; grep -c -e '^${PHONE.ext} = ' -e '^rtp = ${rtp.start}-${rtp.end}$' /cf/pbx.conf`,
    );
    assert.match(edited, /^2$/m, edited);
    figures.respawnSecondsAfterConfigEdit = await killPbx();
    const reg = await sipp(REPO, 'register-auth.xml', sipPort, ['-s', PHONE.ext, '-au', PHONE.ext, '-ap', PHONE.secret, '-set', 'expires', '600'], 30);
    assert.equal(reg.status, 0, `SIPp REGISTER failed:\n${reg.output}`);
    const before = await peerLine();
    assert.match(before, /10\.0\.2\.2|127\.0\.0\.1/, before);

    figures.respawnSecondsAfterKill9 = await killPbx();
    const after = await peerLine();
    // /data is RAM here (no data partition): the binding survives a process restart, not a reboot.
    assert.equal(after, before);
    const dataInRam = await guest.sh('cat /run/pbx/data-in-ram 2>/dev/null; grep " /data " /proc/mounts');
    figures.dataOn = /tmpfs/.test(dataInRam) ? 'RAM (tmpfs)' : 'data partition';
  });

  const assertEchoed = (call: EchoCall): void => {
    assert.equal(call.status, 0, `SIPp call to 600 failed (no 200 OK, or the BYE was not answered):\n${call.output}`);
    assert.ok(call.pbxRtpPort !== undefined && call.pbxRtpPort >= rtp.start && call.pbxRtpPort <= rtp.end, `PBX media port ${call.pbxRtpPort} outside rtp = ${rtp.start}-${rtp.end}`);
    assert.equal(call.foreign, 0, `${call.foreign} RTP packets came back with a payload we never sent`);
    // Under TCG on a loaded host the guest drops packets (the figures record how many came
    // back); what must hold is that audio comes back, and only the audio that was sent.
    assert.ok(call.echoed > 0, `none of ${call.sent} RTP packets came back from the echo test`);
  };

  test('SIPp calls the echo test (600) through the forwarded ports: answered with 200 OK, and the RTP sent comes back byte for byte', async () => {
    // The phone's SDP says 127.0.0.1 (meaningless inside the guest, whose user-mode network sees
    // the host as 10.0.2.2): only symmetric RTP (nat = yes, the phones' default) gets the echo
    // to the port the audio really came from.
    const call = await echoCall(REPO, sipPort, PHONE, { packets: 100 });
    assertEchoed(call);
    figures.echoCall = `${call.echoed}/${call.sent} RTP packets echoed (PBX media port ${call.pbxRtpPort})`;
  });

  test(`the card's write counter does not move during ${trafficSeconds} s of calls to the echo test with RTP (plus REGISTER and OPTIONS)`, async () => {
    // /sys/block/<disk>/stat: field 5 is writes completed, field 7 sectors written.
    const stat = async (): Promise<{ disk: string; writes: number; sectors: number }> => {
      const out = await guest.sh('for d in /sys/block/*; do case ${d##*/} in loop*|ram*|zram*) ;; *) echo "${d##*/} $(cat $d/stat)";; esac; done');
      const line = out.split('\n').find((l) => /^(sd|vd|hd|mmcblk)\S*\s+\d/.test(l));
      assert.ok(line, `no disk in /sys/block:\n${out}`);
      const f = line.trim().split(/\s+/);
      return { disk: f[0], writes: Number(f[5]), sectors: Number(f[7]) };
    };
    await guest.sh('sync');
    const start = await stat();
    const end = Date.now() + trafficSeconds * 1000;
    let registrations = 0;
    let options = 0;
    let calls = 0;
    let rtpSent = 0;
    let rtpEchoed = 0;
    while (Date.now() < end) {
      const reg = await sipp(REPO, 'register-auth.xml', sipPort, ['-s', PHONE.ext, '-au', PHONE.ext, '-ap', PHONE.secret, '-set', 'expires', '600'], 20);
      assert.equal(reg.status, 0, `SIPp REGISTER failed:\n${reg.output}`);
      registrations += 1;
      // 6 s calls with 4 s of audio: the call set-up, the RTP relay and the hang-up all happen.
      const call = await echoCall(REPO, sipPort, PHONE, { packets: 200 });
      assertEchoed(call);
      calls += 1;
      rtpSent += call.sent;
      rtpEchoed += call.echoed;
      assert.match((await sipOptions(sipPort, 10_000)) ?? 'no answer', /^SIP\/2\.0 200 /);
      options += 1;
    }
    const stop = await stat();
    figures.trafficSeconds = trafficSeconds;
    figures.trafficRequests = `${calls} calls to 600 (${rtpEchoed}/${rtpSent} RTP packets echoed), ${registrations} REGISTER (auth), ${options} OPTIONS`;
    figures.cardSectorsWrittenDuringTraffic = stop.sectors - start.sectors;
    assert.equal(stop.disk, start.disk);
    assert.equal(stop.sectors - start.sectors, 0, `${stop.disk}: ${stop.sectors - start.sectors} sectors written`);
    assert.equal(stop.writes - start.writes, 0, `${stop.disk}: ${stop.writes - start.writes} writes`);
  });

  test("DAHDI is not loaded with the factory pbx.conf; with analog ports configured dahdi-apply loads it, /dev/dahdi appears and dahdi_cfg sets up spans", async () => {
    // rcS ran dahdi-apply at boot with the factory pbx.conf (no [analog] section).
    assert.match(await guest.sh('cat /run/pbx/dahdi-apply.log'), /no analog ports in pbx\.conf; DAHDI not loaded/);
    assert.equal(await guest.sh('grep -c "^dahdi " /proc/modules'), '0');
    // The same script with a pbx.conf that has an analog port (the menu test boots one; here a
    // copy, so the PBX under test keeps its configuration).
    const applied = await guest.sh(`printf '[system]\\n[analog]\\nbackend = dahdi\\nfxs = 1\\n1 = 2101\\n' > /tmp/analog.conf && PBX_CONF=/tmp/analog.conf /usr/lib/pbx/dahdi-apply`, 60_000);
    assert.match(applied, /^dahdi: loaded, 0 card driver\(s\)/m, applied);
    const devs = await guest.sh('ls -1 /dev/dahdi');
    for (const d of ['ctl', 'channel', 'pseudo', 'timer']) assert.match(devs, new RegExp(`^${d}$`, 'm'), devs);
    // No card in QEMU: two cross-connected local dynamic spans (phones side and exchange side)
    // stand in for one, configured by the image's dahdi_cfg and tone zone library.
    const cfg = await guest.sh(
      `modprobe dahdi_dynamic_loc && printf 'dynamic=loc,1:0,4,0\\ndynamic=loc,1:1,4,0\\nfxoks=1-4\\nfxsks=5-8\\nechocanceller=mg2,1-8\\nloadzone=us\\ndefaultzone=us\\n' > /tmp/system.conf && dahdi_cfg -c /tmp/system.conf -v; echo "rc=$?"; ls /sys/bus/dahdi_spans/devices | wc -l`,
      60_000,
    );
    assert.match(cfg, /rc=0\n2$/, cfg);
    figures.dahdi = cfg.split('\n').find((l) => /DAHDI Version/.test(l)) ?? 'loaded';
  });

  test("Debian's Asterisk prompts and music on hold are in the image as 8 kHz μ-law", async () => {
    const out = await guest.sh('cd /usr/share/asterisk && find sounds/en -name "*.ulaw" | wc -l && ls moh && wc -c < sounds/en/demo-echotest.ulaw && wc -c < sounds/en/digits/1.ulaw && du -s sounds moh');
    const [count, ...rest] = out.split('\n');
    assert.ok(Number(count) > 500, `only ${count} prompts in /usr/share/asterisk/sounds/en`);
    assert.match(rest.join('\n'), /\.ulaw$/m, out);
    figures.sounds = out.replace(/\n/g, ' | ');
  });

  test('`timing test` in the guest runs on the native clock when the image arch is the host arch (the addon built by npm ci is in the image)', async () => {
    const hostArch = ({ x64: 'amd64', ia32: 'i386', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
    const out = await guest.sh('pbx -rx "timing test 2"', 90_000);
    if (board.arch === hostArch) assert.match(out, /Media clock: native/, out);
    else assert.match(out, /Media clock: timer fallback/, out);
    figures.mediaClock = out.split('\n').find((l) => /Media clock/.test(l)) ?? out;
  });
});
