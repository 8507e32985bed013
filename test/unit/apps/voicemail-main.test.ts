/**
 * VoiceMailMain and VMAuthenticate on a fake channel with the manual media clock and an
 * in-memory spool: login (given box, typed box, wrong PINs, maxlogins, lock-out, a box without
 * PIN, a PIN changed from the phone), the menu keys and what they leave in the spool, and the
 * review of a recorded greeting (1 keep, 2 listen, 3 re-record).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CountingGuard, info, mailbox, MESSAGE_BYTE, vmHarness } from './voicemail-main-fixtures.ts';
import type { VmHarness } from './voicemail-main-fixtures.ts';

const BOXES = [mailbox('2000', '4826'), mailbox('2001', undefined), mailbox('2002', '9173')];

function withMessages(vm: VmHarness): void {
  vm.spool.add('default', '2000', 'INBOX', info('"Alice" <2010>', 1_765_000_000, 'a'));
  vm.spool.add('default', '2000', 'INBOX', info('"Bob" <2011>', 1_765_000_100, 'b'));
  vm.spool.add('default', '2000', 'INBOX', info('"Carol" <5551234>', 1_765_000_200, 'c'));
  vm.spool.add('default', '2000', 'Old', info('"Dan" <2012>', 1_764_000_000, 'old1'));
}

/** Message audio frames the caller has been sent. */
function messageFramesSent(vm: VmHarness): number {
  return vm.h.media.sent.filter((f) => f.data[0] === MESSAGE_BYTE).length;
}

describe('VoiceMailMain login', () => {
  test('given box: PIN, the counts, # says goodbye and the dialplan continues', async () => {
    const vm = vmHarness(BOXES);
    withMessages(vm);
    const r = vm.start('VoiceMailMain', '2000@default');
    await vm.press('4826#', 40);
    await vm.press('#');
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
    const p = vm.sounds.played;
    assert.equal(p[0], 'vm-password');
    assert.ok(!p.includes('vm-login'), 'the box was given: no box prompt');
    const intro = p.indexOf('vm-youhave');
    assert.deepEqual(p.slice(intro, intro + 9), ['vm-youhave', 'digits/3', 'vm-INBOX', 'vm-messages', 'vm-and', 'digits/1', 'vm-Old', 'vm-message', 'vm-onefor']);
    assert.equal(p.at(-1), 'vm-goodbye');
    assert.equal(vm.h.channel.state, 'Up');
  });

  test('typed box: vm-login, then the PIN', async () => {
    const vm = vmHarness(BOXES);
    const r = vm.start('VoiceMailMain', '');
    await vm.press('2000#');
    await vm.press('4826#');
    await vm.press('#');
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
    assert.deepEqual(vm.sounds.played.slice(0, 5), ['vm-login', 'vm-password', 'vm-youhave', 'vm-no', 'vm-messages']);
  });

  test('three wrong PINs: vm-incorrect each time, vm-goodbye, hang up; each failure reaches the guard', async () => {
    const vm = vmHarness(BOXES, {}, new CountingGuard(10));
    const r = vm.start('VoiceMailMain', '2000');
    await vm.press('1111#', 10);
    await vm.press('2222#', 10);
    await vm.press('4827#', 10);
    assert.deepEqual(await vm.finish(r), { kind: 'hangup' });
    const p = vm.sounds.played;
    assert.equal(p.filter((x) => x === 'vm-password').length, 3);
    assert.equal(p.filter((x) => x === 'vm-incorrect').length, 3);
    assert.equal(p.at(-1), 'vm-goodbye');
    assert.ok(!p.includes('vm-youhave'), 'never logged in');
    assert.equal(vm.guard.failures.get('SIP/alice'), 3);
  });

  test('maxlogins from voicemail.conf; a wrong typed box asks the box again', async () => {
    const vm = vmHarness(BOXES, { maxLogins: 2 });
    const r = vm.start('VoiceMailMain', '');
    await vm.press('2000#1111#', 10);
    await vm.press('2000#1112#', 10);
    assert.deepEqual(await vm.finish(r), { kind: 'hangup' });
    assert.deepEqual(vm.sounds.played, ['vm-login', 'vm-password', 'vm-incorrect-mailbox', 'vm-password', 'vm-incorrect', 'vm-goodbye']);
  });

  test('a locked-out source hears vm-goodbye without being asked; another source still may log in', async () => {
    const guard = new CountingGuard(2);
    const first = vmHarness(BOXES, {}, guard);
    const r1 = first.start('VoiceMailMain', '2000');
    await first.press('1111#', 10);
    await first.press('2222#', 10);
    assert.deepEqual(await first.finish(r1), { kind: 'hangup' });
    assert.equal(first.sounds.played.filter((x) => x === 'vm-password').length, 2, 'locked after the guard limit, before maxlogins');

    const second = vmHarness(BOXES, {}, guard);
    const r2 = second.start('VoiceMailMain', '2000');
    await second.press('4826#');
    assert.deepEqual(await second.finish(r2), { kind: 'hangup' });
    assert.deepEqual(second.sounds.played, ['vm-goodbye']);
  });

  test('a box without a PIN never opens with a PIN (not even an empty one), only with s', async () => {
    const vm = vmHarness(BOXES);
    const r = vm.start('VoiceMailMain', '2001');
    await vm.press('#', 10);
    await vm.press('2001#', 10);
    await vm.press('0000#', 10);
    assert.deepEqual(await vm.finish(r), { kind: 'hangup' });
    assert.ok(!vm.sounds.played.includes('vm-youhave'));

    const skip = vmHarness(BOXES);
    const r2 = skip.start('VoiceMailMain', '2001,s');
    await skip.press('#');
    assert.deepEqual(await skip.finish(r2), { kind: 'next' });
    assert.ok(!skip.sounds.played.includes('vm-password'));
    assert.equal(skip.sounds.played[0], 'vm-youhave');
  });

  test('a PIN changed from the phone replaces the configured one', async () => {
    const vm = vmHarness(BOXES);
    vm.spool.setStoredPin('default', '2000', '5937');
    const r = vm.start('VoiceMailMain', '2000');
    await vm.press('4826#', 10);
    await vm.press('5937#', 10);
    await vm.press('#');
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
    assert.equal(vm.sounds.played.filter((x) => x === 'vm-incorrect').length, 1);
  });

  test('p: the given box is a prefix of the typed number', async () => {
    const vm = vmHarness([mailbox('7001', '4826')]);
    const r = vm.start('VoiceMailMain', '70,p');
    await vm.press('01#4826#');
    await vm.press('#');
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
  });

  test('VMAuthenticate sets AUTH_MAILBOX and AUTH_CONTEXT', async () => {
    const vm = vmHarness(BOXES);
    const r = vm.start('VMAuthenticate', '');
    await vm.press('2002#9173#');
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
    assert.equal(vm.h.channel.variables.get('AUTH_MAILBOX'), '2002');
    assert.equal(vm.h.channel.variables.get('AUTH_CONTEXT'), 'default');
  });
});

describe('VoiceMailMain menus', () => {
  async function loggedIn(args = '2000'): Promise<{ vm: VmHarness; r: ReturnType<VmHarness['start']> }> {
    const vm = vmHarness(BOXES);
    withMessages(vm);
    const r = vm.start('VoiceMailMain', args);
    await vm.press('4826#', 20);
    return { vm, r };
  }

  test('1 plays the first new message; 6 the next; 7 deletes; leaving renumbers and moves heard ones to Old', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    assert.ok(vm.sounds.played.includes('/vm/default/2000/INBOX/msg0000'));
    assert.ok(vm.sounds.played.includes('vm-first'));
    await vm.press('6', 10);
    assert.ok(vm.sounds.played.includes('/vm/default/2000/INBOX/msg0001'));
    await vm.press('7', 5);
    assert.equal(vm.sounds.played.at(-1) === 'vm-deleted' || vm.sounds.played.includes('vm-deleted'), true);
    assert.deepEqual(vm.spool.ids('default', '2000', 'INBOX'), ['a', 'b', 'c'], 'nothing changes while the folder is open');
    await vm.press('#');
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
    assert.deepEqual(vm.spool.ids('default', '2000', 'INBOX'), ['c'], 'b deleted, a heard (to Old), c unheard; c is msg0000 now');
    assert.deepEqual(vm.spool.ids('default', '2000', 'Old'), ['old1', 'a']);
  });

  test('7 twice undeletes', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    await vm.press('7', 5);
    await vm.press('7', 5);
    assert.ok(vm.sounds.played.includes('vm-undeleted'));
    await vm.press('#');
    await vm.finish(r);
    assert.deepEqual(vm.spool.ids('default', '2000', 'INBOX'), ['b', 'c']);
    assert.deepEqual(vm.spool.ids('default', '2000', 'Old'), ['old1', 'a']);
  });

  test('a hangup still applies the deletions', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    await vm.press('7', 5);
    vm.h.channel.farHangup();
    assert.deepEqual(await vm.finish(r), { kind: 'hangup' });
    assert.deepEqual(vm.spool.ids('default', '2000', 'INBOX'), ['b', 'c']);
  });

  test('4 goes back, at the first message "no more"', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    await vm.press('4', 5);
    assert.equal(vm.sounds.played.at(-1) === 'vm-nomore' || vm.sounds.played.includes('vm-nomore'), true);
    await vm.press('6', 10);
    await vm.press('4', 10);
    assert.equal(vm.sounds.played.filter((x) => x === '/vm/default/2000/INBOX/msg0000').length, 2);
    await vm.press('#');
    await vm.finish(r);
  });

  test('9 saves to a folder (moved when the folder is left)', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    await vm.press('9', 5);
    assert.ok(vm.sounds.played.includes('vm-savefolder'));
    await vm.press('2', 10);
    assert.ok(vm.sounds.played.includes('vm-savedto'));
    await vm.press('#');
    await vm.finish(r);
    assert.deepEqual(vm.spool.ids('default', '2000', 'Work'), ['a']);
    assert.deepEqual(vm.spool.ids('default', '2000', 'INBOX'), ['b', 'c']);
  });

  test('8 forwards a copy to another box; an unknown box is refused', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    await vm.press('8', 5);
    await vm.press('2002#', 10);
    assert.ok(vm.sounds.played.includes('vm-msgforwarded'));
    assert.deepEqual(vm.spool.ids('default', '2002', 'INBOX'), ['a']);
    await vm.press('8', 5);
    await vm.press('3999#', 10);
    assert.ok(vm.sounds.played.includes('pbx-invalid'));
    await vm.press('#');
    await vm.finish(r);
  });

  test('2 changes folder: the Old folder is listed and played', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('2', 5);
    assert.ok(vm.sounds.played.includes('vm-changeto'));
    await vm.press('1', 10);
    await vm.press('1', 10);
    assert.ok(vm.sounds.played.includes('/vm/default/2000/Old/msg0000'));
    await vm.press('#');
    await vm.finish(r);
    assert.deepEqual(vm.spool.ids('default', '2000', 'INBOX'), ['a', 'b', 'c'], 'INBOX untouched: nothing heard there');
  });

  test('a(Old) starts in Old', async () => {
    const { vm, r } = await loggedIn('2000,a(1)');
    await vm.press('1', 10);
    assert.ok(vm.sounds.played.includes('/vm/default/2000/Old/msg0000'));
    await vm.press('#');
    await vm.finish(r);
  });

  test('* rewinds and # skips by skipms while the message plays', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    const start = messageFramesSent(vm);
    assert.ok(start > 0);
    await vm.tick(200);
    await vm.press('*', 0);
    await vm.tick(10);
    const afterRewind = messageFramesSent(vm);
    // 4 s in, 3 s back: the message continues from about 1 s; the rest is 9 s.
    await vm.tick(600);
    const rewound = messageFramesSent(vm) - afterRewind;
    assert.ok(rewound > 420 && rewound < 460, `after rewind ${rewound} frames`);

    await vm.press('5', 10);
    const before = messageFramesSent(vm);
    await vm.tick(50);
    await vm.press('#', 0);
    await vm.tick(600);
    const skipped = messageFramesSent(vm) - before;
    // 1 s heard, then 3 s skipped: 6 s of the 10 s message are left.
    assert.ok(skipped > 330 && skipped < 370, `with skip ${skipped} frames`);
    await vm.press('#');
    await vm.finish(r);
  });

  test('3 3 on a message: the envelope (date and caller)', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('1', 10);
    await vm.press('3', 5);
    await vm.press('3', 40);
    const p = vm.sounds.played;
    const at = p.lastIndexOf('vm-received');
    assert.ok(at > 0, p.join(' '));
    assert.ok(p.includes('digits/at'));
    const from = p.lastIndexOf('vm-from-phonenumber');
    assert.ok(from > at, 'caller ID after the date');
    assert.deepEqual(p.slice(from + 1, from + 5), ['digits/2', 'digits/0', 'digits/1', 'digits/0'], '2010 is not a box here: a phone number');
    await vm.press('#');
    await vm.finish(r);
  });

  test('0 5 changes the PIN: a guessable one is refused, a mismatch asks again', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('0', 5);
    await vm.press('5', 5);
    await vm.press('1234#', 10);
    assert.ok(vm.sounds.played.includes('vm-invalid-password'));
    await vm.press('7351#7352#', 10);
    assert.ok(vm.sounds.played.includes('vm-mismatch'));
    await vm.press('7351#7351#', 10);
    assert.ok(vm.sounds.played.includes('vm-passchanged'));
    assert.equal(vm.spool.storedPin('default', '2000'), '7351');
    await vm.press('*', 5);
    await vm.press('#');
    await vm.finish(r);
  });

  /** The caller speaks `n` frames of `byte` (µ-law) into the recording. */
  async function speak(vm: VmHarness, n: number, byte: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      vm.h.media.receive({ format: 'ulaw', timestamp: i * 160, data: new Uint8Array(160).fill(byte) });
      await vm.tick(1);
    }
  }

  /** Frames of `byte` sent to the caller since `from` (a take played back). */
  function sentOf(vm: VmHarness, byte: number, from: number): number {
    return vm.h.media.sent.slice(from).filter((f) => f.data[0] === byte).length;
  }

  test('0 1 records the unavailable greeting until #, then the review: 1 keeps it', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('0', 5);
    await vm.press('1', 10);
    assert.ok(vm.sounds.played.includes('vm-rec-unv'));
    await speak(vm, 100, 0x20);
    await vm.press('#', 10);
    assert.equal(vm.sounds.played.at(-1), 'vm-review');
    assert.ok(!vm.spool.greeting('default', '2000', 'unavail'), 'not kept before it is accepted');
    await vm.press('1', 10);
    assert.ok(vm.sounds.played.includes('vm-msgsaved'));
    assert.ok(vm.spool.greeting('default', '2000', 'unavail'));
    await vm.press('*', 5);
    await vm.press('#');
    await vm.finish(r);
  });

  test('greeting review: 2 plays the take back, 3 records again after the prompt and beep, 1 keeps the second take', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('0', 5);
    await vm.press('3', 10);
    assert.equal(vm.sounds.played.filter((p) => p === 'vm-rec-name').length, 1);
    await speak(vm, 100, 0x20);
    await vm.press('#', 10);
    let from = vm.h.media.sent.length;
    await vm.press('2', 150);
    assert.equal(sentOf(vm, 0x20, from), Math.ceil((100 * 160 - 250 * 8) / 160), 'the first take, without the key tone');
    await vm.press('3', 10);
    assert.equal(vm.sounds.played.filter((p) => p === 'vm-rec-name').length, 2, 'the prompt again');
    assert.equal(vm.sounds.played.at(-1), 'beep');
    await speak(vm, 50, 0x30);
    await vm.press('#', 10);
    from = vm.h.media.sent.length;
    await vm.press('2', 100);
    assert.equal(sentOf(vm, 0x30, from), Math.ceil((50 * 160 - 250 * 8) / 160), 'the second take');
    assert.equal(sentOf(vm, 0x20, from), 0, 'nothing of the first take is left');
    await vm.press('1', 10);
    assert.ok(vm.sounds.played.includes('vm-msgsaved'));
    assert.ok(vm.spool.greeting('default', '2000', 'greet'));
    await vm.press('*', 5);
    await vm.press('#');
    await vm.finish(r);
  });

  test('greeting review: a hangup or no key keeps nothing', async () => {
    const { vm, r } = await loggedIn();
    await vm.press('0', 5);
    await vm.press('2', 10);
    await speak(vm, 100, 0x20);
    await vm.press('#', 10);
    // One round and three repeats of the menu without a key: the take is dropped, back to the options.
    await vm.tick(4 * 320);
    assert.equal(vm.sounds.played.filter((p) => p === 'vm-review').length, 4);
    assert.ok(!vm.sounds.played.includes('vm-msgsaved'));
    assert.ok(!vm.spool.greeting('default', '2000', 'busy'));
    assert.equal(vm.sounds.played.at(-1), 'vm-options');
    await vm.press('1', 10);
    await speak(vm, 100, 0x20);
    await vm.press('#', 10);
    vm.h.channel.farHangup();
    assert.deepEqual(await vm.finish(r), { kind: 'hangup' });
    assert.ok(!vm.spool.greeting('default', '2000', 'unavail'));
  });

  test('no key for three rounds: goodbye', async () => {
    const { vm, r } = await loggedIn();
    assert.deepEqual(await vm.finish(r), { kind: 'next' });
    assert.equal(vm.sounds.played.filter((x) => x === 'vm-opts').length, 3);
    assert.equal(vm.sounds.played.at(-1), 'vm-goodbye');
  });
});
