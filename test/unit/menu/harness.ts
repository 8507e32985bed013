/** A scripted person at the console, a fake OS and a real pbx.conf in a temp dir, for menu tests. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMenu } from '../../../src/menu/index.ts';
import { createConfStore } from '../../../src/menu/conf-store.ts';
import type { CommandResult, MenuIO, MenuSystem, NetInterface, SystemFacts } from '../../../src/menu/types.ts';

export const DEFAULTS = `; factory pbx.conf
[system]
hostname = pbx
lan = dhcp
;gateway = 192.168.1.1
;dns = 192.168.1.1
;syslog = 192.168.1.10:514
country = us
timezone = UTC
`;

export class ScriptedIO implements MenuIO {
  transcript = '';
  readonly prompts: string[] = [];
  constructor(private readonly answers: string[]) {}
  write(text: string): void {
    this.transcript += text;
  }
  async readLine(prompt: string): Promise<string | null> {
    this.prompts.push(prompt);
    this.transcript += prompt;
    const a = this.answers.shift();
    if (a === undefined) return null;
    this.transcript += `${a}\n`;
    return a;
  }
  async readSecret(prompt: string): Promise<string | null> {
    this.prompts.push(prompt);
    this.transcript += `${prompt}\n`;
    return this.answers.shift() ?? null;
  }
}

export class FakeSystem implements MenuSystem {
  /** Every call in order, with the conf saves (remounts) interleaved by the harness. */
  readonly calls: string[] = [];
  nets: NetInterface[] = [
    { name: 'eth0', mac: '00:0d:b9:00:00:01', carrier: true },
    { name: 'eth1', mac: '00:0d:b9:00:00:02', carrier: false },
  ];
  running = true;
  constructor(private readonly zones = ['UTC', 'Europe/Paris', 'America/New_York']) {}
  private ok(call: string): Promise<CommandResult> {
    this.calls.push(call);
    return Promise.resolve({ ok: true, output: '' });
  }
  interfaces = async (): Promise<NetInterface[]> => this.nets;
  applyNetwork = () => this.ok('applyNetwork');
  applySyslog = () => this.ok('applySyslog');
  applyHostname = (n: string) => this.ok(`applyHostname ${n}`);
  applyTimezone = (z: string) => this.ok(`applyTimezone ${z}`);
  timezoneKnown = (z: string) => this.zones.includes(z);
  facts = async (): Promise<SystemFacts> => ({
    version: '9.9.9',
    board: 'apu',
    kernel: '6.1.0-56-amd64',
    uptimeSeconds: 90061,
    addresses: ['eth0 10.0.2.15/24'],
    gateway: '10.0.2.2',
    storage: ['config on /dev/sda3 (vfat), read-only', 'data in RAM (no data partition): registrations and voicemail are lost at reboot'],
    log: ['Nov 24 pbx daemon.info pbx: ready'],
  });
  pbxCommand = async (cmd: string): Promise<string | undefined> => {
    this.calls.push(`pbxCommand ${cmd}`);
    return this.running ? `output of ${cmd}` : undefined;
  };
  ping = async (host: string, write: (t: string) => void): Promise<boolean> => {
    this.calls.push(`ping ${host}`);
    write(`PING ${host}\n`);
    return host !== '10.9.9.9';
  };
  pbxConsole = async () => void this.calls.push('pbxConsole');
  shell = async () => void this.calls.push('shell');
  reboot = async () => void this.calls.push('reboot');
  hashPassword = (pw: string) => `scrypt$1$1$1$00$${Buffer.from(pw).toString('hex')}`;
  verifyPassword = (pw: string, hash: string) => hash === this.hashPassword(pw);
  sleep = async (ms: number) => void this.calls.push(`sleep ${ms}`);
}

export interface MenuRun {
  io: ScriptedIO;
  system: FakeSystem;
  conf: () => string;
  code: number;
  cleanup: () => void;
}

/** Runs the menu with `answers` typed in order (input ends after the last one). */
export async function runScripted(answers: string[], opts: { initial?: string; system?: FakeSystem; failRemount?: boolean } = {}): Promise<MenuRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-menu-'));
  writeFileSync(join(dir, 'defaults.conf'), DEFAULTS);
  if (opts.initial !== undefined) writeFileSync(join(dir, 'pbx.conf'), opts.initial);
  const system = opts.system ?? new FakeSystem();
  const io = new ScriptedIO(answers);
  const conf = createConfStore({
    path: join(dir, 'pbx.conf'),
    defaultsPath: join(dir, 'defaults.conf'),
    remount: async (rw) => {
      system.calls.push(`remount ${rw ? 'rw' : 'ro'}`);
      if (rw && opts.failRemount) throw new Error('mount: /cf: permission denied');
    },
  });
  const code = await runMenu(['--config', dir], { io, system, conf, version: '9.9.9' });
  return {
    io,
    system,
    code,
    conf: () => readFileSync(join(dir, 'pbx.conf'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
