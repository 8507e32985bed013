/**
 * The fields of `exten => NAME[/CALLERID],PRIORITY[(label)][+N],APPLICATION` and of
 * `same => PRIORITY,...`, split as pbx_config does: the extension field ends at the first comma
 * outside `[...]` (so `_[1-4,6]XX` stays whole), the priority at the next comma, and everything
 * after is the application text (commas included).
 */

export interface ExtenFields {
  name: string;
  callerId?: string;
  priority: string;
  appText: string;
}

export type PriorityRef =
  | { kind: 'hint' }
  | { kind: 'next' }
  | { kind: 'same' }
  | { kind: 'number'; value: number }
  | { kind: 'label'; name: string };

export interface PriorityField {
  ref: PriorityRef;
  /** `+N` after the priority (pbx_config adds it to the resolved number). */
  offset: number;
  /** `n(label)` / `1(label)`. */
  label?: string;
}

/** Index of the first `,` outside square brackets (a backslash skips the next character). */
function extensionFieldEnd(value: string): number {
  let square = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === '[') square++;
    else if (c === ']') square = Math.max(0, square - 1);
    else if (c === ',' && square === 0) return i;
  }
  return -1;
}

/** Split an `exten =>` value; for `same =>` pass the previous extension as `sameAs`. */
export function splitExtenValue(value: string, sameAs?: string): ExtenFields | string {
  let ext: string;
  let rest: string;
  if (sameAs !== undefined) {
    ext = sameAs;
    rest = value;
  } else {
    const end = extensionFieldEnd(value);
    if (end < 0 && value.includes(',')) return `'[' without ']' in the extension of '${value}'`;
    if (end < 0) return `expected 'exten => extension,priority,Application(arguments)', got '${value}'`;
    ext = value.slice(0, end).trim();
    rest = value.slice(end + 1);
  }
  const comma = rest.indexOf(',');
  if (comma < 0) {
    return sameAs !== undefined
      ? `expected 'same => priority,Application(arguments)', got '${value}'`
      : `expected 'exten => extension,priority,Application(arguments)', got '${value}'`;
  }
  const slash = ext.indexOf('/');
  const fields: ExtenFields = {
    name: (slash < 0 ? ext : ext.slice(0, slash)).trim(),
    priority: rest.slice(0, comma).trim(),
    appText: rest.slice(comma + 1).trim(),
  };
  if (slash >= 0) fields.callerId = ext.slice(slash + 1).trim();
  return fields;
}

/** Parse the priority field: `1`, `n`, `next`, `s`, `same`, `hint`, a label, with `(label)`/`+N`. */
export function parsePriorityField(text: string): PriorityField | string {
  let pri = text.trim();
  let label: string | undefined;
  const open = pri.indexOf('(');
  if (open >= 0) {
    const close = pri.indexOf(')', open);
    if (close < 0) return `label missing trailing ')' in priority '${text}'`;
    label = pri.slice(open + 1, close).trim();
    if (label === '') return `empty label in priority '${text}'`;
    pri = pri.slice(0, open).trim();
  }
  let offset = 0;
  const plus = pri.indexOf('+');
  if (plus >= 0) {
    const n = pri.slice(plus + 1).trim();
    if (!/^\d+$/.test(n)) return `invalid priority offset '+${n}' in '${text}'`;
    offset = Number(n);
    pri = pri.slice(0, plus).trim();
  }
  let ref: PriorityRef;
  if (pri === 'hint') ref = { kind: 'hint' };
  else if (pri === 'n' || pri === 'next') ref = { kind: 'next' };
  else if (pri === 's' || pri === 'same') ref = { kind: 'same' };
  else if (/^-?\d+$/.test(pri)) ref = { kind: 'number', value: Number(pri) };
  else if (pri === '') return `missing priority`;
  else ref = { kind: 'label', name: pri };
  const field: PriorityField = { ref, offset };
  if (label !== undefined) field.label = label;
  return field;
}
