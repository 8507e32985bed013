// Preloaded into the PBX by bench/analog/call.load.ts (`node --import <this file> dist/pbx.mjs run
// --config DIR`): counts every JS call into the native addon's line engine and media clock
// objects (readAudio, writeAudio, stats, ...) and every call from the addon into JS (the
// callbacks given to start(): clock ticks, line events), so the bench can tell how many addon
// crossings one 20 ms frame of an analog <-> RTP call costs. The addon is wrapped when Node loads
// it (process.dlopen, which require() of a .node file goes through); nothing else changes. The
// counts are written to DIR/addon-calls.json every 250 ms with the time they were taken.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const counts = Object.create(null);
const bump = (key) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** A view of a native object whose methods count their calls (and count start()'s callback's). */
function counted(target, prefix) {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      return function (...args) {
        bump(`${prefix}.${String(prop)}`);
        if (prop === 'start' && typeof args[0] === 'function') {
          const cb = args[0];
          args[0] = (...a) => {
            bump(`${prefix}.callback`);
            return cb(...a);
          };
        }
        // The native method needs the real object as `this`, not the proxy.
        return v.apply(t, args);
      };
    },
  });
}

const FACTORIES = { createLineEngine: 'line', createClock: 'clock' };
const dlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  const r = dlopen.call(this, module, filename, ...rest);
  if (/pbx_native\.node$/.test(String(filename))) {
    const exports = module.exports;
    // A proxy rather than assignment: the addon may define its exports read-only.
    module.exports = new Proxy(exports, {
      get(t, prop) {
        const v = Reflect.get(t, prop, t);
        const prefix = FACTORIES[prop];
        if (!prefix || typeof v !== 'function') return v;
        return (...args) => counted(v.apply(t, args), prefix);
      },
    });
  }
  return r;
};

const at = process.argv.indexOf('--config');
const dir = at >= 0 ? process.argv[at + 1] : undefined;
if (dir) {
  const file = join(dir, 'addon-calls.json');
  setInterval(() => {
    try {
      writeFileSync(file, JSON.stringify({ at: performance.now() + performance.timeOrigin, counts }));
    } catch {
      // the directory is gone: the PBX is being stopped
    }
  }, 250).unref();
}
