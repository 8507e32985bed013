/**
 * Running another application from data: Exec, TryExec and ExecIf. The inner application gets
 * the already substituted arguments (no second substitution, as in Asterisk's pbx_exec) and its
 * AppResult is the caller's, so a Goto run through Exec jumps.
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { UnknownApplicationError } from '../exec/run.ts';
import { checkCondition, parseAppCall, splitFirst, splitTopLevel } from './parse.ts';

const NEXT: AppResult = { kind: 'next' };

async function execCall(ctx: AppContext, text: string): Promise<AppResult> {
  const { name, args } = parseAppCall(text);
  try {
    return await ctx.runApp(name, args);
  } catch (e) {
    if (e instanceof UnknownApplicationError) {
      ctx.log('warning', e.message);
      return { kind: 'hangup' };
    }
    throw e;
  }
}

export function execApplications(): DialplanApplication[] {
  return [
    {
      name: 'Exec',
      synopsis: 'Executes dialplan application',
      syntax: 'Exec(appname(arguments))',
      description:
        'Allows an arbitrary application to be invoked even when not hard coded into the dialplan. If the underlying application terminates the dialplan, or if the application cannot be found, Exec will terminate the dialplan. To invoke external applications, see the application System.',
      async run(ctx) {
        if (ctx.rawArgs.trim() === '') {
          ctx.log('warning', 'Exec requires an argument (eg. Exec(Goto(1)))');
          return NEXT;
        }
        return execCall(ctx, ctx.rawArgs);
      },
    },
    {
      name: 'TryExec',
      synopsis: 'Executes dialplan application, always returning',
      syntax: 'TryExec(appname(arguments))',
      description: 'Allows an arbitrary application to be invoked even when not hard coded into the dialplan. To invoke external applications see the application System. Always returns to the dialplan. The channel variable TRYSTATUS will be set to SUCCESS, FAILED (the application ended the dialplan) or NOAPP (not found).',
      async run(ctx) {
        const { name, args } = parseAppCall(ctx.rawArgs);
        try {
          const r = await ctx.runApp(name, args);
          ctx.channel.variables.set('TRYSTATUS', r.kind === 'hangup' ? 'FAILED' : 'SUCCESS');
          return r.kind === 'goto' ? r : NEXT;
        } catch (e) {
          if (ctx.channel.hangupSignal.aborted) throw e;
          if (e instanceof UnknownApplicationError) {
            ctx.log('warning', e.message);
            ctx.channel.variables.set('TRYSTATUS', 'NOAPP');
          } else {
            ctx.log('warning', e instanceof Error ? e.message : String(e));
            ctx.channel.variables.set('TRYSTATUS', 'FAILED');
          }
          return NEXT;
        }
      },
    },
    {
      name: 'ExecIf',
      synopsis: 'Executes dialplan application, conditionally',
      syntax: 'ExecIf(expression?appiftrue(args)[:appiffalse(args)])',
      description: 'If expr is true, execute and return the result of appiftrue(args). If expr is true, but appiftrue is not found, then the application will return a non-zero value. The old form ExecIf(expression,app,data) still works.',
      async run(ctx) {
        const [cond, rest] = splitFirst(ctx.rawArgs, '?');
        if (rest === undefined) {
          // Asterisk 1.4 form: ExecIf(expr,app,data)
          const [expr, app, ...data] = ctx.args;
          if (!checkCondition(expr ?? '') || !app) return NEXT;
          return execCall(ctx, `${app}(${data.join(',')})`);
        }
        const [ifTrue, ...others] = splitTopLevel(rest, ':');
        const branch = checkCondition(cond) ? ifTrue : others.join(':');
        if (branch === undefined || branch.trim() === '') return NEXT;
        return execCall(ctx, branch);
      },
    },
  ];
}
