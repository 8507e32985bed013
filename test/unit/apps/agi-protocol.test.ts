/**
 * The AGI wire format: the environment block in Asterisk 1.8's order ending with an empty line,
 * command lines split as res_agi's parse_args does, the bounded line splitter, replies and
 * FastAGI URLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentBlock, LineSplitter, MAX_LINE_BYTES, parseAgiUrl, parseCommandLine, resultReply, usageReply } from '../../../src/apps/agi/protocol.ts';

const ENV = {
  request: 'ncid.agi',
  channel: 'SIP/2000-00000001',
  language: 'en',
  type: 'SIP',
  uniqueId: '1700000000.1',
  version: '1.2.3',
  callerIdNumber: '2000',
  callerIdName: 'Alice',
  callingPres: 0,
  dnid: 'cid',
  context: 'tests',
  extension: 'cid',
  priority: 1,
  enhanced: false,
  threadId: '7',
  args: ['2000', 'Alice Smith'],
};

test('the environment block lists the agi_ variables in Asterisk order, then the arguments and an empty line', () => {
  const text = environmentBlock(ENV);
  assert.ok(text.endsWith('\n\n'));
  const names = text.trimEnd().split('\n').map((l) => l.slice(0, l.indexOf(':')));
  assert.deepEqual(names, [
    'agi_request', 'agi_channel', 'agi_language', 'agi_type', 'agi_uniqueid', 'agi_version', 'agi_callerid', 'agi_calleridname',
    'agi_callingpres', 'agi_callingani2', 'agi_callington', 'agi_callingtns', 'agi_dnid', 'agi_rdnis', 'agi_context', 'agi_extension',
    'agi_priority', 'agi_enhanced', 'agi_accountcode', 'agi_threadid', 'agi_arg_1', 'agi_arg_2',
  ]);
  assert.match(text, /^agi_callerid: 2000$/m);
  assert.match(text, /^agi_calleridname: Alice$/m);
  assert.match(text, /^agi_rdnis: unknown$/m);
  assert.match(text, /^agi_arg_2: Alice Smith$/m);
  assert.match(text, /^agi_enhanced: 0\.0$/m);
});

test('FastAGI puts agi_network and agi_network_script first', () => {
  const text = environmentBlock({ ...ENV, request: 'agi://127.0.0.1:4573/getdata', network: { script: 'getdata' } });
  assert.ok(text.startsWith('agi_network: yes\nagi_network_script: getdata\nagi_request: agi://127.0.0.1:4573/getdata\n'));
});

test('command lines: blanks split, quotes group (empty quotes are a word), backslash escapes', () => {
  assert.deepEqual(parseCommandLine('STREAM FILE hello-world "" 0'), ['STREAM', 'FILE', 'hello-world', '', '0']);
  assert.deepEqual(parseCommandLine('SET VARIABLE NAME "Joe Bloggs"'), ['SET', 'VARIABLE', 'NAME', 'Joe Bloggs']);
  assert.deepEqual(parseCommandLine('VERBOSE a\\ b\\"c 1'), ['VERBOSE', 'a b"c', '1']);
  assert.deepEqual(parseCommandLine('  NOOP  '), ['NOOP']);
});

test('replies: result with extra and endpos; 520 usage framing', () => {
  assert.equal(resultReply(49, undefined, 8000), '200 result=49 endpos=8000\n');
  assert.equal(resultReply('12', 'timeout'), '200 result=12 (timeout)\n');
  assert.equal(usageReply(' Usage: NOOP'), '520-Invalid command syntax.  Proper usage follows:\n Usage: NOOP\n520 End of proper usage.\n');
});

test('the line splitter joins chunks, drops \\r, and refuses an overlong line without keeping it', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('NO'), []);
  assert.deepEqual(s.push('OP\r\nANSWER\n'), [{ kind: 'line', text: 'NOOP' }, { kind: 'line', text: 'ANSWER' }]);
  const big = 'x'.repeat(MAX_LINE_BYTES + 10);
  assert.deepEqual(s.push(big), [{ kind: 'overlong' }]);
  assert.deepEqual(s.push('y'.repeat(100_000)), [], 'the rest of the long line is skipped, not held');
  assert.deepEqual(s.push('\nNOOP\n'), [{ kind: 'line', text: 'NOOP' }]);
});

test('agi:// URLs: host, default port 4573, script', () => {
  assert.deepEqual(parseAgiUrl('agi://127.0.0.1/getdata'), { host: '127.0.0.1', port: 4573, script: 'getdata' });
  assert.deepEqual(parseAgiUrl('agi://localhost:4600'), { host: 'localhost', port: 4600, script: '' });
  assert.equal(parseAgiUrl('agi://host:99999/x'), undefined);
  assert.equal(parseAgiUrl('ncid.agi'), undefined);
});
