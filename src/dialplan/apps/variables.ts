/**
 * Variables and caller ID: Set, SetGlobalVar, SetCallerID, SetCallerPres and ReadFile. Set keeps
 * Asterisk 1.6's rule (everything after the first `=` is the value, commas included) and the
 * 1.4 habit `Set(a=1|b=2|g)` (several pairs, `g` for globals) on lines written with `|`.
 */
import { readTextIfExists } from '../../platform/fs.ts';
import type { AppResult, DialplanApplication } from '../types.ts';
import type { ApplicationDeps } from './deps.ts';
import { assign } from '../expr/substitute.ts';
import { PRESENTATIONS } from '../functions/callerid.ts';

const NEXT: AppResult = { kind: 'next' };


/** `"Name" <number>`, `Name <number>`, `<number>` or a bare number/name (ast_callerid_parse). */
export function parseCallerId(text: string): { name?: string; number?: string } {
  const t = text.trim();
  const m = /^(.*?)\s*<([^>]*)>\s*$/.exec(t);
  if (m) {
    const name = m[1]!.trim().replace(/^"(.*)"$/, '$1');
    return { ...(name ? { name } : {}), ...(m[2] ? { number: m[2] } : {}) };
  }
  if (/^[0-9*#+\-() .]+$/.test(t)) return { number: t.replace(/[\s\-().]/g, '') };
  const name = t.replace(/^"(.*)"$/, '$1');
  return name ? { name } : {};
}

export function variableApplications(deps: ApplicationDeps): DialplanApplication[] {
  return [
    {
      name: 'Set',
      synopsis: 'Set channel variable or function value',
      syntax: 'Set(name=value)',
      description:
        'This function can be used to set the value of channel variables or dialplan functions. When setting variables, if the variable name is prefixed with _, the variable will be inherited into channels created from the current channel. If the variable name is prefixed with __, the variable will be inherited into channels created from the current channel and all children channels. Set(CALLERID(name)=...) writes a function. The Asterisk 1.4 form Set(a=1|b=2[|g]) sets several variables (g: as globals).',
      async run(ctx) {
        const raw = ctx.rawArgs;
        if (raw.trim() === '') {
          ctx.log('warning', 'Set requires one variable name/value pair.');
          return NEXT;
        }
        const legacy = !raw.includes(',') && ctx.args.length > 1;
        let pairs = legacy ? [...ctx.args] : [raw];
        const global = legacy && pairs[pairs.length - 1]!.trim() === 'g';
        if (global) pairs = pairs.slice(0, -1);
        for (const pair of pairs) {
          const i = pair.indexOf('=');
          if (i < 0) {
            ctx.log('warning', "Set requires an '=' to be a valid assignment.");
            continue;
          }
          const name = pair.slice(0, i).trim();
          const value = pair.slice(i + 1);
          if (global) {
            ctx.functions.globals.set(name, value);
            deps.log.verbose(2, `Setting global variable '${name}' to '${value}'`);
          } else (deps.setVariable ?? ((env, n, v) => assign(n, v, env)))(ctx.functions, name, value);
        }
        return NEXT;
      },
    },
    {
      name: 'SetGlobalVar',
      synopsis: 'Set a global variable to a given value',
      syntax: 'SetGlobalVar(variable=value)',
      description: 'This application sets a given global variable to the specified value. Deprecated in Asterisk 1.6: use Set(GLOBAL(variable)=value).',
      async run(ctx) {
        const i = ctx.rawArgs.indexOf('=');
        if (i < 0) {
          ctx.log('warning', 'SetGlobalVar requires an argument (variable=value)');
          return NEXT;
        }
        const name = ctx.rawArgs.slice(0, i).trim();
        const value = ctx.rawArgs.slice(i + 1);
        ctx.functions.globals.set(name, value);
        deps.log.verbose(2, `Setting global variable '${name}' to '${value}'`);
        return NEXT;
      },
    },
    {
      name: 'SetCallerID',
      synopsis: 'Set CallerID',
      syntax: 'SetCallerID(clid[,a])',
      description: 'Set Caller*ID on a call to a new value, given as "Name" <number> (either part may be missing). Sets ANI as well if the a option is used. Deprecated in Asterisk 1.6: use Set(CALLERID(all)=...).',
      async run(ctx) {
        const text = ctx.args[0] ?? '';
        const c = parseCallerId(text);
        const id = ctx.channel.callerId;
        ctx.channel.callerId = { ...(c.name !== undefined ? { name: c.name } : {}), ...(c.number !== undefined ? { number: c.number } : {}), ...(id.presentation ? { presentation: id.presentation } : {}) };
        // The `a` option also sets ANI; channels here carry no separate ANI, so it changes nothing more.
        return NEXT;
      },
    },
    {
      name: 'SetCallerPres',
      synopsis: 'Set CallerID Presentation',
      syntax: 'SetCallerPres(presentation)',
      description: `Set Caller*ID presentation on a call. Valid presentations are: ${PRESENTATIONS.join(', ')}.`,
      async run(ctx) {
        const pres = (ctx.args[0] ?? '').trim().toLowerCase();
        if (!PRESENTATIONS.includes(pres)) {
          ctx.log('warning', `'${ctx.args[0] ?? ''}' is not a valid presentation (see 'core show application SetCallerPres')`);
          return NEXT;
        }
        ctx.channel.callerId = { ...ctx.channel.callerId, presentation: pres };
        return NEXT;
      },
    },
    {
      name: 'ReadFile',
      synopsis: 'Read the contents of a text file into a channel variable',
      syntax: 'ReadFile(varname=file,length)',
      description: 'varname: the result will be stored in this variable. file: the name of the file to read. length: the maximum number of characters to capture (all when missing or 0). Deprecated in Asterisk 1.6: use Set(varname=${FILE(file,0,length)}).',
      async run(ctx) {
        const first = ctx.args[0] ?? '';
        const i = first.indexOf('=');
        if (i < 0) {
          ctx.log('warning', 'ReadFile require an argument! (varname=file,length)');
          return NEXT;
        }
        const name = first.slice(0, i).trim();
        const file = first.slice(i + 1).trim();
        let text: string | undefined;
        try {
          text = (deps.readFile ?? readTextIfExists)(file);
        } catch {
          text = undefined;
        }
        if (text === undefined) {
          ctx.log('warning', `${file} is not a valid file`);
          return NEXT;
        }
        const len = Number.parseInt(ctx.args[1] ?? '', 10);
        ctx.channel.variables.set(name, len > 0 ? text.slice(0, len) : text);
        return NEXT;
      },
    },
  ];
}
