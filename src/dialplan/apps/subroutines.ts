/**
 * Subroutines: Gosub/GosubIf/Return (app_stack) and Macro/MacroIf/MacroExit (app_macro). The
 * executor's runSubroutine runs the called priorities as a nested loop with ARGn (and the
 * MACRO_* variables) saved and restored; Return and MacroExit mark the call ended
 * (exec/frames.ts) and the loops unwind to the line after the call.
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { endInnermost } from '../exec/frames.ts';
import { checkCondition, destinationParts, gotoResult, parseGotoTarget, parseSubroutineCall, splitFirst, splitTopLevel } from './parse.ts';

const NEXT: AppResult = { kind: 'next' };

/** Gosub(`[[ctx,]exten,]prio[(args)]`): resolves the destination against the current position. */
async function gosub(ctx: AppContext, text: string, app: string): Promise<AppResult> {
  const { target, args } = parseSubroutineCall(text);
  const t = parseGotoTarget(destinationParts(target));
  if (!t) {
    ctx.log('error', `${app} requires an argument: ${app}([[context,]exten,]priority[(arg1[,...][,argN])])`);
    return { kind: 'hangup' };
  }
  const g = gotoResult(t, ctx.channel);
  return ctx.runSubroutine('gosub', g.context ?? ctx.channel.context, g.exten ?? ctx.channel.exten, g.priority, args);
}

/** Macro(`name[,args]`). */
async function macro(ctx: AppContext, parts: string[]): Promise<AppResult> {
  const name = (parts[0] ?? '').trim();
  if (name === '') {
    ctx.log('warning', 'Macro() requires arguments. See "core show application macro" for help.');
    return NEXT;
  }
  return ctx.runSubroutine('macro', `macro-${name}`, 's', 1, parts.slice(1));
}

export function subroutineApplications(): DialplanApplication[] {
  return [
    {
      name: 'Gosub',
      synopsis: 'Jump to label, saving return address',
      syntax: 'Gosub([[context,]exten,]priority[(arg1[,...][,argN])])',
      description:
        'Jumps to the label specified, saving the return address. The arguments are available in the subroutine as ${ARG1} .. ${ARGn} (the caller\'s are restored on Return). Return() continues at the priority after the Gosub.',
      run: (ctx) => gosub(ctx, ctx.rawArgs, 'Gosub'),
    },
    {
      name: 'GosubIf',
      synopsis: 'Conditionally jump to label, saving return address',
      syntax: 'GosubIf(condition?labeliftrue[(arg1[,...])][:labeliffalse[(arg1[,...])]])',
      description: 'If the condition is true, then jump to labeliftrue. If false, jumps to labeliffalse, if specified. In either case, a jump saves the return point in the dialplan, to be returned to with a Return.',
      async run(ctx) {
        const [cond, rest] = splitFirst(ctx.rawArgs, '?');
        if (rest === undefined) {
          ctx.log('warning', 'GosubIf requires an argument: GosubIf(cond?label1(args):label2(args)');
          return NEXT;
        }
        const [ifTrue, ...others] = splitTopLevel(rest, ':');
        const branch = checkCondition(cond) ? ifTrue : others.join(':');
        return branch === undefined || branch.trim() === '' ? NEXT : gosub(ctx, branch, 'GosubIf');
      },
    },
    {
      name: 'Return',
      synopsis: 'Return from gosub routine',
      syntax: 'Return([return-value])',
      description: 'Jumps to the last label on the stack, removing it. The return value, if any, is saved in the channel variable GOSUB_RETVAL.',
      async run(ctx) {
        if (!endInnermost(ctx.channel, 'gosub')) {
          ctx.log('warning', 'Return without Gosub: stack is empty');
          return { kind: 'hangup' };
        }
        ctx.channel.variables.set('GOSUB_RETVAL', ctx.rawArgs);
        return NEXT;
      },
    },
    {
      name: 'Macro',
      synopsis: 'Macro Implementation',
      syntax: 'Macro(macroname[,arg1[,arg2[,...]]])',
      description:
        "Executes a macro using the context 'macro-<macroname>', jumping to the 's' extension of that context and executing each step, then returning when the steps end. The calling extension, context, and priority are stored in ${MACRO_EXTEN}, ${MACRO_CONTEXT} and ${MACRO_PRIORITY} respectively. Arguments become ${ARG1}, ${ARG2}, etc in the macro context. If you Goto out of the Macro context, the Macro will terminate and control will be returned at the location of the Goto. If ${MACRO_RESULT} is set to GOTO:<context>^<exten>^<priority> when the macro ends, the caller continues there. Macros nest at most 7 deep.",
      run: (ctx) => macro(ctx, ctx.args),
    },
    {
      name: 'MacroIf',
      synopsis: 'Conditional Macro Implementation',
      syntax: 'MacroIf(expr?macroname_a[,arg1][:macroname_b[,arg1]])',
      description: 'Executes macro defined in <macroname_a> if <expr> is true (otherwise <macroname_b> if provided). Arguments and return values as in application Macro().',
      async run(ctx) {
        const [cond, rest] = splitFirst(ctx.rawArgs, '?');
        if (rest === undefined) {
          ctx.log('warning', 'Invalid Syntax.');
          return NEXT;
        }
        const [ifTrue, ifFalse] = splitFirst(rest, ':');
        const branch = checkCondition(cond) ? ifTrue : ifFalse;
        if (branch === undefined || branch.trim() === '') return NEXT;
        return macro(ctx, splitTopLevel(branch, branch.includes(',') || !branch.includes('|') ? ',' : '|'));
      },
    },
    {
      name: 'MacroExit',
      synopsis: 'Exit From Macro',
      syntax: 'MacroExit()',
      description: 'Causes the currently running macro to exit as if it had ended normally by running out of priorities to execute. If used outside a macro, will likely cause unexpected behavior (the channel hangs up).',
      async run(ctx) {
        if (!endInnermost(ctx.channel, 'macro')) return { kind: 'hangup' };
        return NEXT;
      },
    },
  ];
}
