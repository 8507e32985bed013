/**
 * While/EndWhile/ExitWhile/ContinueWhile with app_while's semantics, state in channel variables
 * as Asterisk keeps it: WHILE_<n> holds the `ctx,exten,prio` of the n-th open loop (innermost has
 * the highest n), END_WHILE_<n> where to go once it ends (the line after its EndWhile, learnt
 * the first time EndWhile runs), and `<ctx>_<exten>_<prio>` which index a While line owns. The
 * first time a condition is false, the matching EndWhile is found by scanning the extension's
 * priorities (nested While/EndWhile pairs counted). A runaway loop is stopped by the executor's
 * step limit.
 */
import type { AppContext, AppResult, DialplanApplication } from '../types.ts';
import { checkCondition } from './parse.ts';

const NEXT: AppResult = { kind: 'next' };

/** Highest n with WHILE_n set (contiguous from 0), or -1. */
function innermost(ctx: AppContext): number {
  let n = -1;
  while (ctx.channel.variables.has(`WHILE_${n + 1}`)) n++;
  return n;
}

/** `ctx,exten,prio` -> a goto. */
function goTo(text: string): AppResult {
  const [context, exten, prio] = text.split(',');
  return { kind: 'goto', context: context ?? '', exten: exten ?? '', priority: Number(prio) };
}

/** Priority of the EndWhile matching the loop at the current priority (nested loops counted). */
function matchingEndWhile(ctx: AppContext): number | undefined {
  const ch = ctx.channel;
  let depth = 0;
  for (let p = ch.priority + 1; p < ch.priority + 100_000; p++) {
    const found = ctx.lookup.find(ch.context, ch.exten, p, ch.callerId.number, new Date(ctx.now()));
    if (!found) return undefined;
    const app = found.priority.app.toLowerCase();
    if (app === 'while') depth++;
    else if (app === 'endwhile') {
      if (depth === 0) return p;
      depth--;
    }
  }
  return undefined;
}

/** end: 0 While, 1 EndWhile, 2 ExitWhile. */
function whileStep(ctx: AppContext, end: 0 | 1 | 2): AppResult {
  const ch = ctx.channel;
  const v = ch.variables;
  const used = innermost(ctx);
  const myName = `${ch.context}_${ch.exten}_${ch.priority}`;
  let label: string;
  if (end) label = String(used);
  else {
    label = v.get(myName) ?? String(used + 1);
    v.set(myName, label);
  }
  const varName = `WHILE_${label}`;
  const endName = `END_${varName}`;
  const whilePos = v.get(varName);

  if ((end === 0 && !checkCondition(ctx.rawArgs)) || end === 2) {
    v.delete(varName);
    v.delete(myName);
    const after = v.get(endName);
    if (after !== undefined) {
      v.delete(endName);
      return goTo(after);
    }
    const pri = matchingEndWhile(ctx);
    if (pri === undefined) {
      ctx.log('warning', `Couldn't find matching EndWhile? (While at ${ch.context}@${ch.exten} priority ${ch.priority})`);
      return NEXT;
    }
    ctx.log('verbose', `Jumping to priority ${pri}`);
    return { kind: 'goto', priority: pri + 1 };
  }
  if (end === 0) {
    if (whilePos === undefined) v.set(varName, `${ch.context},${ch.exten},${ch.priority}`);
    return NEXT;
  }
  if (whilePos === undefined) return NEXT;
  if (!v.has(endName)) v.set(endName, `${ch.context},${ch.exten},${ch.priority + 1}`);
  return goTo(whilePos);
}

export function whileApplications(): DialplanApplication[] {
  return [
    {
      name: 'While',
      synopsis: 'Start a while loop',
      syntax: 'While(expr)',
      description: 'Start a While Loop. Execution will return to this point when EndWhile() is called until expr is no longer true. When it is false, execution continues after the matching EndWhile().',
      run: async (ctx) => whileStep(ctx, 0),
    },
    {
      name: 'EndWhile',
      synopsis: 'End a while loop',
      syntax: 'EndWhile()',
      description: 'Return to the previous called While().',
      run: async (ctx) => whileStep(ctx, 1),
    },
    {
      name: 'ExitWhile',
      synopsis: 'End a While loop',
      syntax: 'ExitWhile()',
      description: 'Exits a While() loop, whether or not the conditional has been satisfied.',
      run: async (ctx) => whileStep(ctx, 2),
    },
    {
      name: 'ContinueWhile',
      synopsis: 'Restart a While loop',
      syntax: 'ContinueWhile()',
      description: 'Returns to the top of the while loop and re-evaluates the conditional.',
      async run(ctx) {
        const n = innermost(ctx);
        const pos = n < 0 ? undefined : ctx.channel.variables.get(`WHILE_${n}`);
        return pos === undefined ? NEXT : goTo(pos);
      },
    },
  ];
}
