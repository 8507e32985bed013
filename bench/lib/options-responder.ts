/**
 * Stands in for the registered phones after SIPp has exited: listens on SIPp's old UDP port on
 * 127.0.0.1 and answers the PBX's qualify OPTIONS with 200 OK (RFC 3261 8.2.6: Via, From, To with
 * a tag, Call-ID and CSeq copied), so memory is measured with reachable phones, not with
 * OPTIONS transactions retransmitting into a closed port for 32 s.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface OptionsResponder {
  answered(): number;
  close(): Promise<void>;
}

const COPIED = /^(via|v|from|f|to|t|call-id|i|cseq):/i;

export function answerOptions(port: number): Promise<OptionsResponder> {
  const sock: Socket = createSocket('udp4');
  let answered = 0;
  sock.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    if (!text.startsWith('OPTIONS ')) return;
    const head = text.split('\r\n\r\n', 1)[0] ?? '';
    const copied = head
      .split('\r\n')
      .slice(1)
      .filter((l) => COPIED.test(l))
      .map((l) => (/^(to|t):/i.test(l) && !/;tag=/i.test(l) ? `${l};tag=bench-phone` : l));
    const reply = ['SIP/2.0 200 OK', ...copied, 'Content-Length: 0', '', ''].join('\r\n');
    sock.send(Buffer.from(reply, 'latin1'), rinfo.port, rinfo.address);
    answered++;
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, '127.0.0.1', () => {
      sock.off('error', reject);
      resolve({
        answered: () => answered,
        close: () => new Promise<void>((r) => sock.close(() => r())),
      });
    });
  });
}
