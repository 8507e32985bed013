/**
 * ChannelMedia over an RtpSession: the audio and DTMF of one leg for dialplan applications
 * (Playback, Background, Read, Record ...). Several listeners may hear at once (Background hears
 * digits while playback runs), so this fans the session's single onFrame/onDtmf slots out. A
 * bridge's relay later takes the packets over through the session's raw sink; this object then
 * simply hears nothing.
 */
import type { AudioFrame, MediaFormat } from '../media/frame.ts';
import type { RtpSession } from '../rtp/session.ts';
import type { DtmfEvent } from '../rtp/telephone-event.ts';

export class RtpChannelMedia {
  private readonly frameListeners = new Set<(frame: AudioFrame) => void>();
  private readonly digitListeners = new Set<(digit: string) => void>();

  /** `onDtmf` hears every begin and end (the channel reports them as AMI DTMFBegin/DTMFEnd). */
  constructor(
    private readonly rtp: RtpSession,
    onDtmf?: (e: DtmfEvent) => void,
  ) {
    rtp.events.onDtmf = (e) => {
      onDtmf?.(e);
      if (e.type !== 'end') return;
      for (const l of [...this.digitListeners]) l(e.digit);
    };
  }

  /**
   * The session builds a frame object per received packet only while someone listens: a channel
   * waiting in the dialplan (Wait, Dial ringing) costs no allocation per packet.
   */
  private readonly fanOutFrame = (frame: AudioFrame): void => {
    for (const l of [...this.frameListeners]) l(frame);
  };

  get format(): MediaFormat {
    return this.rtp.format;
  }

  /** Sends one 20 ms frame (the session converts it to its law when it differs). */
  send(frame: AudioFrame): void {
    this.rtp.sendFrame(frame);
  }

  onFrame(cb: (frame: AudioFrame) => void): () => void {
    this.frameListeners.add(cb);
    this.rtp.events.onFrame = this.fanOutFrame;
    return () => {
      this.frameListeners.delete(cb);
      if (this.frameListeners.size === 0 && this.rtp.events.onFrame === this.fanOutFrame) delete this.rtp.events.onFrame;
    };
  }

  onDigit(cb: (digit: string) => void): () => void {
    this.digitListeners.add(cb);
    return () => this.digitListeners.delete(cb);
  }

  sendDigit(digit: string, durationMs = 100): Promise<void> {
    return this.rtp.sendDtmf(digit, durationMs);
  }

  /** Stop fanning out (the channel ended). */
  detach(): void {
    if (this.rtp.events.onFrame === this.fanOutFrame) delete this.rtp.events.onFrame;
    this.frameListeners.clear();
    this.digitListeners.clear();
  }
}
