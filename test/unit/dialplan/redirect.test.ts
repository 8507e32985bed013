/**
 * The dialplan redirect a transfer uses (Asterisk's async goto): a channel sitting in an
 * application (Dial with its call bridged) continues at the new place once that application
 * returns, even from inside a Gosub; a channel running no dialplan is not redirected by
 * requestRedirect (the runtime starts a run for it instead).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestRedirect, runDialplan } from '../../../src/dialplan/exec/index.ts';
import type { DialplanApplication } from '../../../src/dialplan/types.ts';
import { channelAt, harness, settle } from './exec-fixtures.ts';

const PLAN = `
[default]
exten => 100,1,NoOp(before)
 same => n,Bridged()
 same => n,Set(AFTER=reached)
 same => n,Hangup()
exten => 101,1,Gosub(sub,s,1)
 same => n,Set(AFTER=reached)
 same => n,Hangup()
[sub]
exten => s,1,Bridged()
 same => n,Set(INSUB=after)
 same => n,Return()
[elsewhere]
exten => 2002,1,Set(LANDED=\${EXTEN})
 same => n,Hangup()
`;

/** A Dial stand-in: waits until the test ends its bridged call, then asks for a hangup as Dial does. */
function bridgedApp(): { app: DialplanApplication; release: () => void; entered: Promise<void> } {
  let release!: () => void;
  let entered!: () => void;
  const done = new Promise<void>((r) => (release = r));
  const inside = new Promise<void>((r) => (entered = r));
  return {
    app: {
      name: 'Bridged',
      synopsis: '',
      syntax: 'Bridged()',
      description: '',
      async run() {
        entered();
        await done;
        return { kind: 'hangup' };
      },
    },
    release,
    entered: inside,
  };
}

function setup() {
  const h = harness(PLAN);
  const fake = bridgedApp();
  const registry = h.registry;
  h.deps.applications = { get: (n) => (n.toLowerCase() === 'bridged' ? fake.app : registry.get(n)) };
  return { h, fake };
}

for (const [exten, label] of [
  ['100', 'directly'],
  ['101', 'from inside a Gosub'],
] as const) {
  test(`a channel in an application (${label}) redirected while there continues at the new place when the application returns`, async () => {
    const { h, fake } = setup();
    const ch = channelAt(exten);
    const run = runDialplan(ch, h.deps);
    await fake.entered;
    assert.equal(requestRedirect(ch, { context: 'elsewhere', exten: '2002', priority: 1 }), true);
    fake.release();
    await run;
    assert.equal(ch.variables.get('LANDED'), '2002');
    assert.equal(ch.variables.get('AFTER'), undefined, 'the priority after the application did not run');
    assert.equal(ch.variables.get('INSUB'), undefined, 'the Gosub was left');
    assert.equal(ch.context, 'elsewhere');
    assert.ok(h.find("redirected to (elsewhere,2002,1)").length === 1, h.logs.join('\n'));
  });
}

test('without a redirect the application returns as usual (Dial after its call: hangup)', async () => {
  const { h, fake } = setup();
  const ch = channelAt('100');
  const run = runDialplan(ch, h.deps);
  await fake.entered;
  fake.release();
  await run;
  assert.equal(ch.variables.get('LANDED'), undefined);
  assert.equal(ch.variables.get('AFTER'), undefined);
});

test('a channel running no dialplan is not redirected (the runtime starts a run for it); after its run ends, neither', async () => {
  const { h, fake } = setup();
  const leg = channelAt('2002', 'elsewhere');
  assert.equal(requestRedirect(leg, { context: 'elsewhere', exten: '2002', priority: 1 }), false);
  // What DialplanService.redirect then does: a run at the place asked for.
  await runDialplan(leg, h.deps);
  assert.equal(leg.variables.get('LANDED'), '2002');
  const done = channelAt('100');
  const run = runDialplan(done, h.deps);
  await fake.entered;
  fake.release();
  await run;
  await settle();
  assert.equal(requestRedirect(done, { context: 'elsewhere', exten: '2002', priority: 1 }), false);
});
