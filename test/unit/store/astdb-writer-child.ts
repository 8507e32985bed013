/**
 * Child process for the AstDB kill -9 test: puts key n = "value-n" (and rewrites a hot key so
 * the journal compacts often) until killed, printing n after each put has returned. Pipes are
 * written synchronously on Linux, so a printed n means put(n) had returned.
 */
import { AstDb } from '../../../src/store/astdb.ts';

const dir = process.argv[2]!;
const db = new AstDb({ dir, journalMinBytes: 2048 });
const start = db.entries('crash').length;
for (let n = start + 1; ; n++) {
  db.put('crash', `k${n}`, `value-${n}`);
  db.put('hot', 'counter', String(n));
  process.stdout.write(`${n}\n`);
}
