/**
 * MenuSystem on the firmware: applying settings runs the same scripts rcS runs at boot
 * (overlay/usr/lib/pbx/net-apply, syslog-apply), so boot and menu cannot disagree.
 */
import type { MountInfo } from '../platform/system.ts';
import { listMounts, listNetInterfaces, pathExists, readTextFile, runCommand, runInteractive, selfCommand, sleep, systemUptimeSeconds } from '../platform/system.ts';
import { hashPassword, verifyPassword } from '../platform/password.ts';
import type { CommandResult, MenuSystem, SystemFacts } from './types.ts';

export interface FirmwareSystemOptions {
  version: string;
  /** Config directory (passed to `pbx -rx` so it finds the control socket). */
  configDir: string;
  /** Lets the menu hand the terminal over to a child (pauses its own reading). */
  suspendInput: () => void;
  resumeInput: () => void;
  libDir?: string;
  zoneinfo?: string;
}

/** The status screen's storage lines from /proc/mounts: where config and data (voicemail) live. */
export function storageFacts(mounts: MountInfo[]): string[] {
  const storage: string[] = [];
  const cf = mounts.find((m) => m.mountPoint === '/cf');
  if (!cf) storage.push('config: /cf is not mounted');
  else if (cf.type === 'tmpfs') storage.push('config in RAM (no config partition): settings are lost at reboot');
  else storage.push(`config on ${cf.device} (${cf.type}), ${cf.readOnly ? 'read-only' : 'WRITABLE (a save is in progress?)'}`);
  const data = mounts.find((m) => m.mountPoint === '/data');
  if (data && data.type !== 'tmpfs' && data.type !== 'ramfs') storage.push(`data on ${data.device} (${data.type})`);
  else {
    storage.push('data in RAM (no data partition): registrations and voicemail are lost at reboot');
    // The voicemail spool is <data>/voicemail: say it on its own line, users look for the word.
    storage.push('Voicemail: in RAM, lost at reboot (no data partition)');
  }
  return storage;
}

export function firmwareSystem(o: FirmwareSystemOptions): MenuSystem {
  const lib = o.libDir ?? '/usr/lib/pbx';
  const zoneinfo = o.zoneinfo ?? '/usr/share/zoneinfo';
  const self = selfCommand();
  const result = async (cmd: string, args: string[]): Promise<CommandResult> => {
    const r = await runCommand(cmd, args);
    return { ok: r.code === 0, output: r.output };
  };
  const interactive = async (cmd: string, args: string[]): Promise<void> => {
    o.suspendInput();
    try {
      await runInteractive(cmd, args);
    } finally {
      o.resumeInput();
    }
  };
  return {
    interfaces: async () => listNetInterfaces(),
    applyNetwork: () => result(`${lib}/net-apply`, []),
    applySyslog: () => result(`${lib}/syslog-apply`, []),
    applyHostname: (name) => result('hostname', [name]),
    async applyTimezone(zone) {
      if (!pathExists(`${zoneinfo}/${zone}`)) return { ok: false, output: `no zone file for ${zone}` };
      return result('ln', ['-sfn', `${zoneinfo}/${zone}`, '/run/localtime']);
    },
    timezoneKnown: (zone) => zone === 'UTC' || (!zone.includes('..') && pathExists(`${zoneinfo}/${zone}`)),
    async facts(): Promise<SystemFacts> {
      const release = readTextFile('/etc/pbx-release') ?? '';
      const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(release)?.[1];
      const addr = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global'], 5000);
      const addresses = addr.output
        .split('\n')
        .map((l) => /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => `${m[1]} ${m[2]}`);
      const route = await runCommand('ip', ['-4', 'route', 'show', 'default'], 5000);
      const gateway = /default via (\S+)/.exec(route.output)?.[1];
      const storage = storageFacts(listMounts());
      const log = await runCommand('sh', ['-c', 'logread 2>/dev/null | tail -n 8'], 5000);
      return {
        version: o.version,
        ...(field('PBX_BOARD') ? { board: field('PBX_BOARD') } : {}),
        ...(field('PBX_KERNEL') ? { kernel: field('PBX_KERNEL') } : {}),
        uptimeSeconds: systemUptimeSeconds(),
        addresses,
        ...(gateway ? { gateway } : {}),
        storage,
        log: log.output.split('\n').filter(Boolean),
      };
    },
    async pbxCommand(command) {
      // 30 s: a loaded small box (or QEMU TCG) can take over 10 s to start node for `pbx -rx`.
      const r = await runCommand(self.node, [self.script, '-rx', command, '--config', o.configDir], 30_000);
      return r.code === 0 ? r.output : undefined;
    },
    async ping(host, write) {
      const r = await runCommand('ping', ['-c', '3', '-W', '2', host], 15_000, write);
      return r.code === 0;
    },
    pbxConsole: () => interactive(self.node, [self.script, '-r', '--config', o.configDir]),
    shell: () => interactive('/bin/sh', ['-l']),
    async reboot() {
      await runCommand('reboot', []);
    },
    hashPassword,
    verifyPassword,
    sleep,
  };
}
