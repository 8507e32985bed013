/**
 * The per-channel execution state the executor and the flow applications share: the stack of
 * Gosub/Macro calls in progress (Return and MacroExit end the innermost one of their kind) and
 * the runaway-loop step count. Kept in a WeakMap keyed by channel so applications reach it
 * through the channel they were given, without widening the AppContext contract.
 */
import type { DialplanChannel } from '../types.ts';

/** One Gosub or Macro call in progress. */
export interface Frame {
  readonly kind: 'gosub' | 'macro';
  /** The context the call started in (a macro ends when the channel leaves it). */
  readonly context: string;
  /** Set by Return/MacroExit, or by a Return that unwinds through this frame. */
  ended: boolean;
}

export interface ExecutionState {
  /** Innermost last. */
  readonly frames: Frame[];
  /** Priorities run since the channel last spent time waiting. */
  steps: number;
  /** Priorities run in total (the event loop gets a turn every YIELD_EVERY). */
  total: number;
  /** Where the channel goes when its running application returns (requestRedirect). */
  redirect?: { context: string; exten: string; priority: number };
}

const states = new WeakMap<DialplanChannel, ExecutionState>();

export function beginExecution(channel: DialplanChannel): ExecutionState {
  const s: ExecutionState = { frames: [], steps: 0, total: 0 };
  states.set(channel, s);
  return s;
}

export function endExecution(channel: DialplanChannel): void {
  states.delete(channel);
}

export function executionOf(channel: DialplanChannel): ExecutionState | undefined {
  return states.get(channel);
}

/** How many macros are running on the channel (Asterisk stops nesting at 7). */
export function macroDepth(channel: DialplanChannel): number {
  return states.get(channel)?.frames.filter((f) => f.kind === 'macro').length ?? 0;
}

/**
 * Ends the innermost call of `kind` and every call started inside it (Return inside a Macro
 * inside a Gosub returns from the Gosub). False when there is none (Return without Gosub).
 */
export function endInnermost(channel: DialplanChannel, kind: Frame['kind']): boolean {
  const frames = states.get(channel)?.frames ?? [];
  for (let i = frames.length - 1; i >= 0; i--) {
    if (frames[i]!.kind !== kind || frames[i]!.ended) continue;
    for (let j = i; j < frames.length; j++) frames[j]!.ended = true;
    return true;
  }
  return false;
}

/**
 * Asterisk's async goto for a channel that is running the dialplan (a transfer sending the
 * caller of a Dial elsewhere): once the running application returns (Dial does when its bridge
 * is released), the channel continues at `to`, leaving any Gosub/Macro in progress. Returns
 * false when the channel runs no dialplan; the caller then starts a run at `to` itself.
 */
export function requestRedirect(channel: DialplanChannel, to: { context: string; exten: string; priority: number }): boolean {
  const s = states.get(channel);
  if (!s) return false;
  s.redirect = { ...to };
  return true;
}
