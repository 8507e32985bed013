/**
 * `pbx menu [--config DIR] [--defaults FILE]`: the console setup menu. On the firmware it runs on
 * the serial console and tty1 (respawned by init) and edits DIR/pbx.conf (default /cf).
 */
import { createConfStore } from './conf-store.ts';
import { firmwareSystem } from './firmware-system.ts';
import { SetupMenu, type MenuDeps } from './menu.ts';
import { openConsoleLines } from '../platform/console-tty.ts';
import { listMounts, runCommand } from '../platform/system.ts';
import { stdio } from '../platform/terminal.ts';

export { SetupMenu, MENU_TITLES, type MenuDeps } from './menu.ts';
export { getSystemValue, setSystemValues } from './conf-edit.ts';
export { createConfStore } from './conf-store.ts';
export type { ConfStore, MenuIO, MenuSystem, SystemFacts, NetInterface, CommandResult } from './types.ts';

declare const PBX_VERSION: string;

export const DEFAULT_CONFIG_DIR = '/cf';
export const DEFAULT_DEFAULTS_FILE = '/usr/share/pbx/pbx.conf.default';

export interface MenuArgs {
  configDir: string;
  defaultsFile: string;
}

export function parseMenuArgs(argv: string[]): MenuArgs | { error: string } {
  const out: MenuArgs = { configDir: DEFAULT_CONFIG_DIR, defaultsFile: DEFAULT_DEFAULTS_FILE };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'menu') continue;
    const v = argv[i + 1];
    if ((a === '--config' || a === '--defaults') && (v === undefined || v.startsWith('--'))) return { error: `${a} needs a value` };
    if (a === '--config') out.configDir = argv[++i];
    else if (a === '--defaults') out.defaultsFile = argv[++i];
    else return { error: `unknown argument '${a}' (usage: pbx menu [--config DIR] [--defaults FILE])` };
  }
  return out;
}

/**
 * Runs the menu until its input ends. `deps` replaces parts of the real world (tests); without it
 * the menu talks to this process's terminal and the firmware's scripts.
 */
export async function runMenu(argv: string[], deps?: Partial<MenuDeps>): Promise<number> {
  const args = parseMenuArgs(argv);
  if ('error' in args) {
    (deps?.io ?? { write: (t: string) => stdio.err(t) }).write(`pbx menu: ${args.error}\n`);
    return 2;
  }
  const version = deps?.version ?? (typeof PBX_VERSION === 'string' ? PBX_VERSION : 'dev');
  const dir = args.configDir.replace(/\/+$/, '') || '/';
  let lines: ReturnType<typeof openConsoleLines> | undefined;
  const io = deps?.io ?? (lines = openConsoleLines());
  try {
    // The config partition is remounted read-write only for a save when it is a mount point of
    // its own (the firmware's /cf); a directory on a development machine is written directly.
    const mounted = listMounts().some((m) => m.mountPoint === dir);
    const remount = async (writable: boolean): Promise<void> => {
      const r = await runCommand('mount', ['-o', `remount,${writable ? 'rw' : 'ro'}`, dir]);
      if (r.code !== 0) throw new Error(`cannot remount ${dir} ${writable ? 'read-write' : 'read-only'}: ${r.output.trim()}`);
    };
    const conf = deps?.conf ?? createConfStore({ path: `${dir}/pbx.conf`, defaultsPath: args.defaultsFile, ...(mounted ? { remount } : {}) });
    const system =
      deps?.system ??
      firmwareSystem({
        version,
        configDir: dir,
        suspendInput: () => lines?.suspend(),
        resumeInput: () => lines?.resume(),
      });
    return await new SetupMenu({ io, conf, system, version }).run();
  } finally {
    lines?.close();
  }
}
