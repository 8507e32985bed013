/**
 * GROUP, GROUP_COUNT, GROUP_MATCH_COUNT and GROUP_LIST (func_groupcount): the way a dialplan
 * limits calls per trunk. Counts cover live channels only: a channel that hangs up leaves its
 * groups. Through real substitution, as `Set(GROUP(trunks)=provider)` and
 * `${GROUP_COUNT(provider@trunks)}` run in extensions.conf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { substitute, withFunctions } from '../../../src/dialplan/expr/index.ts';
import { createFunctionRegistry } from '../../../src/dialplan/functions/index.ts';
import { ChannelGroups, formatGroupChannels } from '../../../src/dialplan/functions/group.ts';
import { HANGUP_CAUSES } from '../../../src/core/hangup-causes.ts';
import type { FunctionEnv } from '../../../src/dialplan/types.ts';
import { FakeChannel } from './exec-fixtures.ts';

function setup() {
  const groups = new ChannelGroups();
  const functions = createFunctionRegistry();
  const warnings: string[] = [];
  const envOf = (channel: FakeChannel | undefined) =>
    withFunctions(
      { channel, globals: new Map(), groups, now: () => 0, env: () => undefined, setEnv: () => {}, log: (_l: string, m: string) => warnings.push(m) } as unknown as FunctionEnv,
      functions,
    );
  const chan = (name: string): FakeChannel => Object.assign(new FakeChannel(), { name });
  const set = (ch: FakeChannel, fn: string, value: string): void => functions.get(fn.replace(/\(.*$/, ''))!.write!(fn.replace(/^[^(]*\(|\)$/g, ''), value, envOf(ch));
  return { groups, envOf, chan, set, warnings, sub: (ch: FakeChannel | undefined, text: string) => substitute(text, envOf(ch)) };
}

test('GROUP_COUNT counts the live channels of a group per category; a hang-up leaves the group', () => {
  const t = setup();
  const a = t.chan('SIP/2000-00000001');
  const b = t.chan('SIP/2001-00000002');
  const c = t.chan('SIP/2002-00000003');
  t.set(a, 'GROUP(trunks)', 'provider');
  t.set(b, 'GROUP(trunks)', 'PROVIDER');
  t.set(c, 'GROUP()', 'provider');
  assert.equal(t.sub(a, '${GROUP(trunks)}|${GROUP()}'), 'provider|');
  assert.equal(t.sub(a, '${GROUP_COUNT(provider@trunks)}'), '2', 'names compare without case; the default category is another category');
  assert.equal(t.sub(c, '${GROUP_COUNT()}'), '1', "no name: the channel's own group");
  assert.equal(t.sub(a, '${GROUP_COUNT()}'), '0', 'a channel without a group in the default category');
  assert.equal(t.sub(a, '$[${GROUP_COUNT(provider@trunks)} > 1]'), '1');
  b.hangup(HANGUP_CAUSES.NORMAL_CLEARING);
  assert.equal(t.sub(a, '${GROUP_COUNT(provider@trunks)}'), '1');
  t.set(a, 'GROUP(trunks)', 'other');
  assert.equal(t.sub(a, '${GROUP_COUNT(provider@trunks)}/${GROUP_COUNT(other@trunks)}'), '0/1', 'one group per category: setting again moves the channel');
});

test('GROUP_MATCH_COUNT takes a POSIX regular expression; GROUP_LIST lists group@category; group show channels', () => {
  const t = setup();
  const a = t.chan('SIP/2000-00000001');
  const b = t.chan('SIP/2001-00000002');
  t.set(a, 'GROUP(trunks)', 'sip-1');
  t.set(a, 'GROUP()', 'sales');
  t.set(b, 'GROUP(trunks)', 'sip-2');
  assert.equal(t.sub(a, '${GROUP_MATCH_COUNT(^sip-[0-9]$@trunks)}'), '2');
  assert.equal(t.sub(a, '${GROUP_MATCH_COUNT(^sip-1@trunks)}'), '1');
  assert.equal(t.sub(a, '${GROUP_LIST()}'), 'sip-1@trunks sales');
  assert.equal(t.sub(a, '${GROUP_MATCH_COUNT([@trunks)}'), '', 'a bad expression fails with a warning');
  assert.match(t.warnings.join('\n'), /bad regular expression/);
  assert.equal(
    formatGroupChannels(t.groups, '^sip'),
    ['Channel                    Group                 Category', 'SIP/2000-00000001          sip-1                 trunks', 'SIP/2001-00000002          sip-2                 trunks', '2 active channels'].join('\n'),
  );
});
