/**
 * Child process for the voicemail spool kill -9 test: opens the spool (which recovers what the
 * last kill left) and then, until killed, records messages in small chunks and commits them,
 * removes and moves some. After each operation has returned it prints `C <msg_id>` (committed),
 * `R <msg_id>` (removed) or `M <msg_id>` (moved); pipes are written synchronously on Linux, so a
 * printed line means the operation had returned.
 */
import { FileVoicemailSpool } from '../../../src/store/voicemail-spool.ts';
import type { MessageInfo } from '../../../src/store/voicemail-types.ts';
import { wavHeader } from './voicemail-wav.ts';

const root = process.argv[2]!;
const seed = Number(process.argv[3] ?? 1);
let state = seed >>> 0 || 1;
const random = (n: number): number => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return (state >>> 8) % n;
};

const spool = new FileVoicemailSpool({ root, maxMsg: () => 9999 });
process.stdout.write('ready\n');


for (let n = 0; ; n++) {
  const op = random(10);
  const inbox = spool.list('default', '2000', 'INBOX');
  const old = spool.list('default', '2000', 'Old');
  if (op < 2 && inbox.length + old.length > 0) {
    const all = [...inbox, ...old];
    const m = all[random(all.length)]!;
    spool.remove(m);
    process.stdout.write(`R ${m.info.msg_id}\n`);
  } else if (op < 4 && inbox.length > 0) {
    const m = inbox[random(inbox.length)]!;
    spool.move(m, 'Old');
    process.stdout.write(`M ${m.info.msg_id}\n`);
  } else {
    const id = `${process.pid}-${n}`;
    const rec = spool.startMessage('default', '2000', 'INBOX', ['wav'], { callerid: `"Kill ${n}" <${n}>`, msg_id: id, origmailbox: '2000' });
    rec.append('wav', wavHeader());
    const chunks = 20 + random(40);
    for (let c = 0; c < chunks; c++) rec.append('wav', Buffer.alloc(640, c));
    const size = rec.size('wav');
    const patch = Buffer.alloc(4);
    patch.writeUInt32LE(size - 8, 0);
    rec.writeAt('wav', 4, patch);
    patch.writeUInt32LE(size - 44, 0);
    rec.writeAt('wav', 40, patch);
    const info: MessageInfo = {
      origmailbox: '2000', context: 'default', macrocontext: '', exten: '2000', rdnis: 'unknown', priority: '1',
      callerchan: 'SIP/1000-00000001', callerid: `"Kill ${n}" <${n}>`, origdate: 'Mon Dec  7 02:03:04 PM UTC 2026',
      origtime: '1796652184', category: '', msg_id: id, flag: '', duration: String(Math.floor((size - 44) / 16000)),
    };
    rec.commit(info);
    process.stdout.write(`C ${id}\n`);
  }
}
