/**
 * Echo(): answer and send every received audio payload and DTMF digit back to the caller, as
 * Asterisk's app_echo does (the demo dialplan's 600). Frames go out through the leg's own RTP
 * session, so the echo gets the PBX's SSRC, sequence and timestamps.
 */
import type { SipChannel } from '../channels/sip-channel.ts';

export function echo(ch: SipChannel): void {
  ch.application = 'Echo';
  ch.appData = '';
  const rtp = ch.rtp;
  if (!rtp) return;
  rtp.events.onFrame = (frame) => {
    rtp.sendFrame(frame);
  };
  rtp.events.onDtmf = (e) => {
    if (e.type === 'end') rtp.sendDtmf(e.digit, e.durationMs).catch(() => undefined);
  };
  ch.answer();
}
