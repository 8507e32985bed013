/**
 * The manager's wire format: requests split from a byte stream however it is chunked, header
 * lookups case-insensitive, input bounds, and responses/events serialised as Asterisk writes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEvent, formatResponse, GREETING, parseMessages, RequestParser } from '../../../src/manager/wire.ts';

test('the greeting is the line clients check the prefix of', () => {
  assert.match(GREETING, /^Asterisk Call Manager\/\d+\.\d+\.\d+\r\n$/);
});

test('requests are split on the empty line, whatever the chunking, CRLF or bare LF', () => {
  const text = 'Action: Ping\r\nActionID: 1\r\n\r\naction: getvar\nvariable: FOO\nVariable: BAR\n\n';
  for (const size of [1, 3, 7, text.length]) {
    const p = new RequestParser();
    const got = [];
    for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)).requests);
    assert.equal(got.length, 2);
    assert.equal(got[0].action, 'Ping');
    assert.equal(got[0].actionId, '1');
    assert.equal(got[1].action, 'getvar');
    assert.equal(got[1].get('VARIABLE'), 'FOO');
    assert.deepEqual(got[1].all('variable'), ['FOO', 'BAR']);
  }
});

test('empty lines between requests are not requests; a line without a colon still ends up a request', () => {
  const p = new RequestParser();
  const r = p.push('\r\n\r\nnonsense\r\n\r\n');
  assert.equal(r.requests.length, 1);
  assert.equal(r.requests[0].action, '');
});

test('a line over the bound is a problem even before its end arrives', () => {
  const p = new RequestParser(1024, 10);
  assert.equal(p.push(`Action: Ping\r\nX: ${'a'.repeat(2000)}`).problem, 'line-too-long');
  const q = new RequestParser(1024, 10);
  assert.equal(q.push(`X: ${'a'.repeat(2000)}\r\n`).problem, 'line-too-long');
});

test('too many headers in one request is a problem', () => {
  const p = new RequestParser(1024, 10);
  const lines = Array.from({ length: 11 }, (_, i) => `H${i}: v\r\n`).join('');
  assert.equal(p.push(lines).problem, 'too-many-headers');
});

test('responses: Response, ActionID, Message, fields, then the empty line', () => {
  assert.equal(
    formatResponse('42', { response: 'Success', message: 'Authentication accepted' }),
    'Response: Success\r\nActionID: 42\r\nMessage: Authentication accepted\r\n\r\n',
  );
  assert.equal(formatResponse(undefined, { response: 'Success', fields: [['Ping', 'Pong']] }), 'Response: Success\r\nPing: Pong\r\n\r\n');
});

test('Command output is one Output line per console line (Asterisk 14+)', () => {
  assert.equal(
    formatResponse('7', { response: 'Success', message: 'Command output follows', output: 'a\nb\n' }),
    'Response: Success\r\nActionID: 7\r\nMessage: Command output follows\r\nOutput: a\r\nOutput: b\r\n\r\n',
  );
});

test('the old Follows form ends with --END COMMAND--', () => {
  assert.equal(formatResponse('7', { response: 'Follows', output: 'x' }), 'Response: Follows\r\nActionID: 7\r\nPrivilege: Command\r\nx\n--END COMMAND--\r\n\r\n');
});

test('a CR or LF inside a value cannot start a header', () => {
  const text = formatEvent('VarSet', [['Value', 'a\r\nEvent: Fake']], { privilege: 'dialplan,all' });
  const msgs = parseMessages(text);
  assert.equal(msgs.length, 1);
  assert.deepEqual(msgs[0].all('Event'), ['VarSet']);
});

test('events: Event, Privilege, Timestamp, ActionID, fields', () => {
  assert.equal(
    formatEvent('Hangup', [['Channel', 'SIP/2000-00000001'], ['Cause', '16']], { privilege: 'call,all', timestamp: '1.000000' }),
    'Event: Hangup\r\nPrivilege: call,all\r\nTimestamp: 1.000000\r\nChannel: SIP/2000-00000001\r\nCause: 16\r\n\r\n',
  );
});
