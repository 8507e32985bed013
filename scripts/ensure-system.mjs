#!/usr/bin/env node
// Installs the Debian packages a task needs, when missing. As root it runs apt-get itself;
// otherwise it stops and prints the exact command to run.
//   node scripts/ensure-system.mjs test     real peers for the tests (SIPp, baresip, Kamailio)
//   node scripts/ensure-system.mjs bench    adds kamailio (the comparison registrar), gcc (bench/relay), aiosmtpd and MoH (bench/voicemail, bench/moh)
//   node scripts/ensure-system.mjs firmware QEMU to boot the image (the image builder installs its own tools)
//   node scripts/ensure-system.mjs sounds   the English prompts (Playback, Say*): Debian installs the wav files in
//                                           /usr/share/asterisk/sounds/en_US_f_Allison; asterisk-core-sounds-en adds the en link
// An entry is [binary or absolute file path that shows the package is there, package].
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDS = {
  test: [
    ['sipp', 'sip-tester'],
    ['baresip', 'baresip-core'],
    // The SIP provider of the trunk tests (test/integration/kamailio.ts): registrar + proxy.
    ['kamailio', 'kamailio'],
    ['/usr/share/asterisk/sounds/en/hello-world.wav', 'asterisk-core-sounds-en-wav'],
    ['/usr/share/asterisk/sounds/en/hello-world.wav', 'asterisk-core-sounds-en'],
    // The default music on hold class (musiconhold.conf absent) plays these.
    ['/usr/share/asterisk/moh/macroform-cold_day.wav', 'asterisk-moh-opsound-wav'],
    // The SMTP server the voicemail mail tests send to (/usr/bin/python3 -m aiosmtpd).
    ['/usr/lib/python3/dist-packages/aiosmtpd/__init__.py', 'python3-aiosmtpd'],
    // The real AGI and AMI clients of the programmable-PBX tests: Perl's Asterisk::AGI for local
    // scripts, panoramisk (Python) as FastAGI server and as AMI client.
    ['/usr/share/perl5/Asterisk/AGI.pm', 'libasterisk-agi-perl'],
    ['/usr/lib/python3/dist-packages/panoramisk/__init__.py', 'python3-panoramisk'],
  ],
  sounds: [
    ['/usr/share/asterisk/sounds/en/hello-world.wav', 'asterisk-core-sounds-en-wav'],
    ['/usr/share/asterisk/sounds/en/hello-world.wav', 'asterisk-core-sounds-en'],
    ['/usr/share/asterisk/moh/macroform-cold_day.wav', 'asterisk-moh-opsound-wav'],
  ],
  firmware: [
    ['qemu-system-x86_64', 'qemu-system-x86'],
  ],
  bench: [
    ['sipp', 'sip-tester'],
    ['kamailio', 'kamailio'],
    // bench/relay compiles its RTP generator and reference relay (C) at bench time.
    ['gcc', 'gcc'],
    // bench/voicemail mails through a real SMTP server; bench/moh plays the default class.
    ['/usr/lib/python3/dist-packages/aiosmtpd/__init__.py', 'python3-aiosmtpd'],
    ['/usr/share/asterisk/moh/macroform-cold_day.wav', 'asterisk-moh-opsound-wav'],
    // bench/manager drives the AMI with panoramisk clients.
    ['/usr/lib/python3/dist-packages/panoramisk/__init__.py', 'python3-panoramisk'],
  ],
};

const task = process.argv[2] ?? 'test';
const wanted = NEEDS[task];
if (!wanted) {
  console.error(`ensure-system: unknown task ${task}`);
  process.exit(2);
}

const which = (cmd) =>
  cmd.startsWith('/') ? existsSync(cmd) : ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/bin', '/sbin'].some((d) => existsSync(`${d}/${cmd}`));
const missing = [...new Set(wanted.filter(([cmd]) => !which(cmd)).map(([, pkg]) => pkg))];
if (missing.length === 0) process.exit(0);

const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
if (process.getuid?.() !== 0) {
  console.error(`Missing system packages for ${task}: ${missing.join(', ')}.\nRun as root:\n  ${cmd}`);
  process.exit(1);
}
console.error(`Installing system packages for ${task}: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args[0]} failed; run by hand:\n  ${cmd}`);
    process.exit(1);
  }
}
