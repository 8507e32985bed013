/**
 * The console's `sim` command line, parsed into an engine command:
 *   sim phone N offhook|onhook|flash|dial DIGITS|tone HZ|tone off|unplug|plug
 *   sim line N ring [NUMBER ["NAME"]] | ring withheld|unavailable | hangup | busy | unplug | plug
 * (unplug makes the port vanish, as a DAHDI channel whose card is gone; plug brings it back.)
 * Returns the command or an error message the console prints (usage errors are the user's, not
 * exceptions).
 */
import type { NativeSimCommand } from '../platform/native.ts';

export type SimParse = { ok: true; command: NativeSimCommand } | { ok: false; error: string };

export const SIM_USAGE =
  'Usage: sim phone <port> offhook|onhook|flash|dial <digits>|tone <hz>|tone off|unplug|plug\n       sim line <port> ring [<number> ["<name>"]|withheld|unavailable]|hangup|busy|unplug|plug';

/** Splits on blanks, keeping "double quoted" words together. */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** `text` is what follows `sim ` on the console line. */
export function parseSimCommand(text: string): SimParse {
  const [target, portText, action, ...rest] = words(text);
  if ((target !== 'phone' && target !== 'line') || !portText || !action) return { ok: false, error: SIM_USAGE };
  if (!/^\d{1,2}$/.test(portText) || Number(portText) < 1) return { ok: false, error: `'${portText}' is not a port number` };
  const port = Number(portText);
  if (action === 'unplug' || action === 'plug') return { ok: true, command: { target, port, action } };
  if (target === 'phone') {
    if (action === 'offhook' || action === 'onhook' || action === 'flash') return { ok: true, command: { target, port, action } };
    if (action === 'dial') {
      const digits = rest.join('');
      if (!/^[0-9*#A-Da-d]{1,64}$/.test(digits)) return { ok: false, error: `'${digits}' is not 1 to 64 digits 0-9 * # A-D` };
      return { ok: true, command: { target, port, action, digits } };
    }
    if (action === 'tone') {
      // Someone talking: the phone's microphone sends a steady test tone until `tone off`.
      const [hzText = ''] = rest;
      if (hzText === 'off') return { ok: true, command: { target, port, action, hz: 0 } };
      const hz = Number(hzText);
      if (!/^\d{3,4}$/.test(hzText) || hz < 200 || hz > 3400) return { ok: false, error: `'${hzText}' is not a tone of 200 to 3400 Hz (or off)` };
      return { ok: true, command: { target, port, action, hz } };
    }
    return { ok: false, error: SIM_USAGE };
  }
  if (action === 'hangup' || action === 'busy') return { ok: true, command: { target, port, action } };
  if (action === 'ring') {
    const [number = '', name = ''] = rest;
    // A caller whose number the exchange sends as withheld ('P') or unavailable ('O').
    if (number === 'withheld' || number === 'unavailable') {
      if (rest.length > 1) return { ok: false, error: SIM_USAGE };
      return { ok: true, command: { target, port, action, absence: number } };
    }
    if (number && !/^[0-9*#+]{1,20}$/.test(number)) return { ok: false, error: `'${number}' is not a caller number` };
    if (name.length > 15) return { ok: false, error: 'a caller name has at most 15 characters' };
    return { ok: true, command: { target, port, action, number, name } };
  }
  return { ok: false, error: SIM_USAGE };
}
