/**
 * Jumps: Goto, GotoIf, GotoIfTime and Random. They only compute the destination; the executor
 * resolves labels (findLabel), logs `Goto (ctx,exten,prio)` and handles a destination that does
 * not exist (`i`, autofallthrough) as Asterisk does.
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { parseTimeSpec } from '../timespec.ts';
import { checkCondition, destinationParts, gotoResult, parseGotoTarget, splitFirst } from './parse.ts';

const NEXT: AppResult = { kind: 'next' };

/** Goes to `text` (`[[ctx,]exten,]prio`); a malformed target hangs up like Asterisk's -1. */
export function jump(ctx: AppContext, text: string, app: string): AppResult {
  const t = parseGotoTarget(destinationParts(text));
  if (!t) {
    ctx.log('warning', `${app} requires an argument ([[context,]extension,]priority)`);
    return { kind: 'hangup' };
  }
  return gotoResult(t, ctx.channel);
}

/** `cond?iftrue[:iffalse]` with the branch for this outcome ('' or undefined: no jump). */
function branchOf(rest: string, taken: boolean): string | undefined {
  const [ifTrue, ifFalse] = splitFirst(rest, ':');
  const b = taken ? ifTrue : ifFalse;
  return b === undefined || b.trim() === '' ? undefined : b;
}

export function gotoApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'Goto',
      synopsis: 'Jump to a particular priority, extension, or context',
      syntax: 'Goto([[context,]extension,]priority)',
      description:
        'This application will set the current context, extension, and priority in the channel structure. After it completes, the pbx engine will continue dialplan execution at the specified location. If no specific extension, or extension and context, are specified, then this application will just set the specified priority of the current extension. The priority may be a label or a number; +N and -N are relative to the current priority. If the location does not exist, the channel goes to the i extension, or hangs up.',
      async run(ctx) {
        if (ctx.rawArgs.trim() === '') {
          ctx.log('warning', 'Goto requires an argument ([[context,]extension,]priority)');
          return { kind: 'hangup' };
        }
        return jump(ctx, ctx.rawArgs, 'Goto');
      },
    },
    {
      name: 'GotoIf',
      synopsis: 'Conditional goto',
      syntax: 'GotoIf(condition?[labeliftrue]:[labeliffalse])',
      description:
        'This application will set the current context, extension, and priority in the channel structure based on the evaluation of the given condition. After this application completes, the pbx engine will continue dialplan execution at the specified location in the dialplan. The labels are specified with the same syntax as used within the Goto application. If the label chosen by the condition is omitted, no jump is performed, and the execution passes to the next instruction.',
      async run(ctx) {
        const [cond, rest] = splitFirst(ctx.rawArgs, '?');
        if (rest === undefined) {
          ctx.log('warning', `Ignoring, since there is no destination: GotoIf(${ctx.rawArgs})`);
          return NEXT;
        }
        const branch = branchOf(rest, checkCondition(cond));
        return branch === undefined ? NEXT : jump(ctx, branch, 'GotoIf');
      },
    },
    {
      name: 'GotoIfTime',
      synopsis: 'Conditional Goto based on the current time',
      syntax: 'GotoIfTime(times,weekdays,mdays,months[,timezone]?[labeliftrue]:[labeliffalse])',
      description:
        "This application will set the context, extension, and priority in the channel structure based on the evaluation of the given time specification. After this application completes, the pbx engine will continue dialplan execution at the specified location in the dialplan. If the current time is within the given time specification, the channel will continue at labeliftrue. Otherwise the channel will continue at labeliffalse. If the label chosen by the condition is omitted, no jump is performed, and execution passes to the next instruction. Each element of the time specification may be '*' (always), a range (09:00-17:59, mon-fri, 1-15, jan-mar) or a list of those joined by '&'.",
      async run(ctx) {
        const [spec, rest] = splitFirst(ctx.rawArgs, '?');
        if (rest === undefined) {
          ctx.log('warning', 'GotoIfTime requires an argument: <time range>,<days of week>,<days of month>,<months>[,<timezone>]?[[context,]extension,]priority');
          return NEXT;
        }
        let inside: boolean;
        try {
          inside = (deps.parseTimeSpec ?? parseTimeSpec)(spec.trim()).matches(new Date(ctx.now()));
        } catch (e) {
          ctx.log('warning', `GotoIfTime: invalid time specification '${spec}': ${e instanceof Error ? e.message : String(e)}`);
          return NEXT;
        }
        const branch = branchOf(rest, inside);
        return branch === undefined ? NEXT : jump(ctx, branch, 'GotoIfTime');
      },
    },
    {
      name: 'Random',
      synopsis: 'Conditionally branches, based upon a probability',
      syntax: 'Random([probability]:[[context,]extension,]priority)',
      description: 'Conditionally branches to [[context,]extension,]priority, based upon the given probability (a whole number from 1 to 100, the chance in percent of the jump). Deprecated in Asterisk 1.6 in favour of GotoIf($[${RAND(0,99)} + probability >= 100]?...).',
      async run(ctx) {
        const [probText, dest] = splitFirst(ctx.rawArgs, ':');
        if (dest === undefined || dest.trim() === '') {
          ctx.log('warning', 'Random requires an argument ([probability]:[[context|]extension|]priority)');
          return NEXT;
        }
        const prob = Math.min(100, Math.max(0, Number.parseInt(probText, 10) || 0));
        const roll = Math.floor((deps.random ?? Math.random)() * 100);
        if (roll + prob < 100) return NEXT;
        ctx.log('verbose', `Random branches to ${dest}`);
        return jump(ctx, dest, 'Random');
      },
    },
  ];
}
