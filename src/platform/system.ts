/**
 * The operating system for the setup menu: run a command and collect its output, hand the
 * terminal to an interactive program, list network interfaces, mount facts. Commands are run
 * with an argument vector (never through a shell) so typed input cannot inject anything.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { uptime } from 'node:os';

export interface CommandOutcome {
  code: number;
  output: string;
}

/** Runs `cmd args`, collecting stdout and stderr; kills it after `timeoutMs`. */
export function runCommand(cmd: string, args: string[], timeoutMs = 30_000, onOutput?: (text: string) => void): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let output = '';
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: 127, output: (e as Error).message });
      return;
    }
    const take = (b: Buffer) => {
      const t = b.toString('utf8');
      output += t;
      onOutput?.(t);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${cmd}: ${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

/** Runs an interactive program on this process's terminal until it exits. */
export function runInteractive(cmd: string, args: string[], env?: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export interface NetInterfaceInfo {
  name: string;
  mac: string;
  carrier?: boolean;
}

/** Physical network interfaces from /sys/class/net (loopback and virtual ones left out). */
export function listNetInterfaces(sysClassNet = '/sys/class/net'): NetInterfaceInfo[] {
  if (!existsSync(sysClassNet)) return [];
  const read = (p: string): string | undefined => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  return readdirSync(sysClassNet)
    .sort()
    .filter((n) => n !== 'lo' && existsSync(`${sysClassNet}/${n}/device`))
    .map((name) => {
      const carrier = read(`${sysClassNet}/${name}/carrier`);
      return { name, mac: read(`${sysClassNet}/${name}/address`) ?? '', ...(carrier === undefined ? {} : { carrier: carrier === '1' }) };
    });
}

export interface MountInfo {
  device: string;
  mountPoint: string;
  type: string;
  readOnly: boolean;
}

export function listMounts(procMounts = '/proc/mounts'): MountInfo[] {
  let text = '';
  try {
    text = readFileSync(procMounts, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [device, mountPoint, type, opts] = l.split(' ');
      return { device, mountPoint: mountPoint.replace(/\\040/g, ' '), type, readOnly: opts.split(',').includes('ro') };
    });
}

export function systemUptimeSeconds(): number {
  return uptime();
}

export function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function pathExists(path: string): boolean {
  return existsSync(path);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The node binary and script this process runs, to start other modes of the same bundle. */
export function selfCommand(): { node: string; script: string } {
  return { node: process.execPath, script: process.argv[1] ?? '' };
}
