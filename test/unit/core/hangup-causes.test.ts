import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HANGUP_CAUSES, causeForSipStatus, causeName, dialStatusForCause, sipStatusForCause } from '../../../src/core/hangup-causes.ts';

test('Q.850 numbers carry Asterisk names', () => {
  assert.equal(HANGUP_CAUSES.NORMAL_CLEARING, 16);
  assert.equal(HANGUP_CAUSES.USER_BUSY, 17);
  assert.equal(HANGUP_CAUSES.NO_ANSWER, 19);
  assert.equal(HANGUP_CAUSES.SUBSCRIBER_ABSENT, 20);
  assert.equal(HANGUP_CAUSES.UNALLOCATED, 1);
  assert.equal(causeName(58), 'BEARERCAPABILITY_NOTAVAIL');
  assert.equal(causeName(127), 'INTERWORKING');
});

test('a callee failure maps to the cause, and the cause to the caller\'s final response', () => {
  const callerGets = (calleeStatus: number): number => sipStatusForCause(causeForSipStatus(calleeStatus));
  assert.equal(callerGets(486), 486);
  assert.equal(callerGets(480), 480);
  assert.equal(callerGets(408), 480);
  assert.equal(callerGets(404), 404);
  assert.equal(callerGets(488), 488);
  assert.equal(callerGets(503), 503);
  assert.equal(callerGets(603), 603);
  assert.equal(causeForSipStatus(499), HANGUP_CAUSES.INTERWORKING);
});

test('unregistered phone is 480, a number that is no phone 404; DIALSTATUS follows the cause', () => {
  assert.equal(sipStatusForCause(HANGUP_CAUSES.SUBSCRIBER_ABSENT), 480);
  assert.equal(sipStatusForCause(HANGUP_CAUSES.UNALLOCATED), 404);
  assert.equal(dialStatusForCause(HANGUP_CAUSES.USER_BUSY), 'BUSY');
  assert.equal(dialStatusForCause(HANGUP_CAUSES.NO_ANSWER), 'NOANSWER');
  assert.equal(dialStatusForCause(HANGUP_CAUSES.SUBSCRIBER_ABSENT), 'CHANUNAVAIL');
  assert.equal(dialStatusForCause(HANGUP_CAUSES.CONGESTION), 'CONGESTION');
});
