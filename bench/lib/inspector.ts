/**
 * Forces a full garbage collection in a node process started with `--inspect=127.0.0.1:0` and
 * reads its JS heap, over the DevTools protocol (HeapProfiler.collectGarbage, then
 * Runtime.getHeapUsage). Memory figures taken after a burst otherwise depend on when V8 decides
 * to collect and give pages back, which varied from 2.7 to 8.5 KB per registration between runs.
 *
 * The bench process runs on node 20 without a WebSocket client, so a short-lived child node with
 * --experimental-websocket does the exchange; it is bounded by a timeout.
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = `
const ws = new WebSocket(process.argv[1]);
let id = 0;
const pending = new Map();
const call = (method) => new Promise((resolve, reject) => {
  const n = ++id;
  pending.set(n, { resolve, reject });
  ws.send(JSON.stringify({ id: n, method }));
});
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  m.error ? p.reject(new Error(m.error.message)) : p.resolve(m.result);
};
ws.onerror = () => { console.error('inspector connection failed'); process.exit(1); };
ws.onopen = async () => {
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  const heap = await call('Runtime.getHeapUsage');
  console.log(JSON.stringify(heap));
  ws.close();
  process.exit(0);
};
`;

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

/** Two full GCs in the inspected process, then its JS heap (used and reserved), in bytes. */
export function collectGarbage(wsUrl: string): HeapUsage {
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', SCRIPT, wsUrl], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`inspector: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  const heap = JSON.parse(r.stdout.trim()) as HeapUsage;
  return { usedSize: heap.usedSize, totalSize: heap.totalSize };
}
