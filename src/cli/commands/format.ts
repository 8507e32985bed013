/** Table and duration formatting shared by console commands. */

/** Left-aligned columns sized to their content, like Asterisk's fixed-format tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `1 day, 2 hours, 3 minutes, 4 seconds` (Asterisk's `core show uptime` wording). */
export function duration(totalSeconds: number): string {
  let s = Math.max(0, Math.floor(totalSeconds));
  const parts: string[] = [];
  const units: [number, string][] = [
    [31_536_000, 'year'],
    [604_800, 'week'],
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    s -= n * size;
  }
  if (s > 0 || parts.length === 0) parts.push(`${s} second${s === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export function isoTime(wallMs: number): string {
  return new Date(wallMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
