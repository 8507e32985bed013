/** The dialplan side: CDR(field[,u]) reads and writes through FunctionEnv.cdr; ForkCDR, NoCDR, ResetCDR, SetAMAFlags call the record; no record: harmless. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CDR } from '../../../src/dialplan/functions/cdr.ts';
import { cdrApplications } from '../../../src/dialplan/apps/cdr.ts';
import type { AppContext, DialplanCdr, DialplanChannel, FunctionEnv } from '../../../src/dialplan/types.ts';

function fakeCdr() {
  const calls: string[] = [];
  const values = new Map<string, string>([['src', '2000']]);
  const cdr: DialplanCdr = {
    get: (f, u) => `${values.get(f) ?? ''}${u ? '(u)' : ''}`,
    set: (f, v) => {
      if (f === 'src') return 'CDR(src) is read-only';
      if (f === 'amaflags' && !/^(omit|billing|documentation|default)$/i.test(v)) return 'bad flags';
      values.set(f, v);
      calls.push(`set ${f}=${v}`);
      return undefined;
    },
    fork: (o) => void calls.push(`fork ${o}`),
    reset: (o) => void calls.push(`reset ${o}`),
    disable: () => void calls.push('disable'),
  };
  return { cdr, calls, values };
}

const channel = { name: 'SIP/2000-00000001' } as DialplanChannel;

function env(cdr: DialplanCdr | undefined): FunctionEnv {
  return { channel, cdr: () => cdr } as unknown as FunctionEnv;
}

test('CDR() reads with the u option and writes; read-only fields fail', () => {
  const f = fakeCdr();
  assert.equal(CDR.read!('src', env(f.cdr)), '2000');
  assert.equal(CDR.read!('src,u', env(f.cdr)), '2000(u)');
  CDR.write!('userfield', 'hello', env(f.cdr));
  assert.equal(f.values.get('userfield'), 'hello');
  assert.throws(() => CDR.write!('src', '1', env(f.cdr)), /read-only/);
  assert.equal(CDR.read!('src', env(undefined)), '', 'no records: empty');
  assert.doesNotThrow(() => CDR.write!('userfield', 'x', env(undefined)));
});

test('ForkCDR, NoCDR, ResetCDR and SetAMAFlags act on the record', async () => {
  const f = fakeCdr();
  const apps = new Map(cdrApplications().map((a) => [a.name, a]));
  const logs: string[] = [];
  const ctx = (args: string[]): AppContext => ({ channel, args, rawArgs: args.join(','), functions: env(f.cdr), log: (_l: string, m: string) => logs.push(m) }) as unknown as AppContext;
  assert.deepEqual(await apps.get('ForkCDR')!.run(ctx(['ev'])), { kind: 'next' });
  await apps.get('NoCDR')!.run(ctx([]));
  await apps.get('ResetCDR')!.run(ctx(['w']));
  await apps.get('SetAMAFlags')!.run(ctx(['billing']));
  await apps.get('SetAMAFlags')!.run(ctx(['']));
  await apps.get('SetAMAFlags')!.run(ctx(['cheap']));
  assert.deepEqual(f.calls, ['fork ev', 'disable', 'reset w', 'set amaflags=billing', 'set amaflags=default']);
  assert.match(logs[0], /SetAMAFlags: bad flags/);
});
