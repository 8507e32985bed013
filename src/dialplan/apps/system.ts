/**
 * System and TrySystem: run a shell command line (as Asterisk does, through /bin/sh) and report
 * SYSTEMSTATUS: SUCCESS (exit 0), APPERROR (another exit status) or FAILURE (could not run:
 * status 127). System ends the dialplan on FAILURE; TrySystem always continues.
 */
import { runShellCommand } from '../../platform/shell.ts';
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';

/** A command is given up after this long (Asterisk has no limit; a stuck one would pin the call). */
const SYSTEM_TIMEOUT_MS = 10 * 60_000;

async function system(ctx: AppContext, deps: ApplicationDeps, failHangs: boolean): Promise<AppResult> {
  const fail: AppResult = failHangs ? { kind: 'hangup' } : { kind: 'next' };
  const cmd = ctx.rawArgs;
  if (cmd.trim() === '') {
    ctx.log('warning', 'System requires an argument(command)');
    ctx.channel.variables.set('SYSTEMSTATUS', 'FAILURE');
    return fail;
  }
  const status = await (deps.runShell ?? ((c: string) => runShellCommand(c, SYSTEM_TIMEOUT_MS)))(cmd);
  if (status === 127) {
    ctx.log('warning', `Unable to execute '${cmd}'`);
    ctx.channel.variables.set('SYSTEMSTATUS', 'FAILURE');
    return fail;
  }
  ctx.channel.variables.set('SYSTEMSTATUS', status === 0 ? 'SUCCESS' : 'APPERROR');
  return { kind: 'next' };
}

export function systemApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'System',
      synopsis: 'Execute a system command',
      syntax: 'System(command)',
      description: 'Executes a command by using system(). If the command fails, the console should report a fallthrough. Sets SYSTEMSTATUS: FAILURE (could not execute the command; the dialplan ends), SUCCESS (exit status 0), APPERROR (any other exit status).',
      run: (ctx) => system(ctx, deps, true),
    },
    {
      name: 'TrySystem',
      synopsis: 'Try executing a system command',
      syntax: 'TrySystem(command)',
      description: 'Executes a command by using system(), always returning to the dialplan. Sets SYSTEMSTATUS to SUCCESS, FAILURE or APPERROR as System() does.',
      run: (ctx) => system(ctx, deps, false),
    },
  ];
}
