/**
 * Silence and noise detection on linear audio, as Asterisk's DSP does it for Record,
 * WaitForSilence and WaitForNoise: a frame is silent when the average magnitude of its samples
 * is below the threshold (dsp.conf `silencethreshold`, 256 by default); consecutive silent
 * frames add up to `totalSilenceMs`, and one noisy frame resets it (and the other way round
 * for noise).
 */

export const DEFAULT_SILENCE_THRESHOLD = 256;

/** Mean absolute sample value. */
export function averageMagnitude(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += Math.abs(samples[i]!);
  return sum / samples.length;
}

export class SilenceDetector {
  /** Milliseconds of uninterrupted silence up to the last frame fed. */
  totalSilenceMs = 0;
  /** Milliseconds of uninterrupted noise up to the last frame fed. */
  totalNoiseMs = 0;

  constructor(
    readonly threshold = DEFAULT_SILENCE_THRESHOLD,
    private readonly sampleRate = 8000,
  ) {}

  /** Feed one frame of linear samples; true when it was silent. */
  feed(samples: ArrayLike<number>): boolean {
    const ms = (samples.length * 1000) / this.sampleRate;
    if (averageMagnitude(samples) < this.threshold) {
      this.totalSilenceMs += ms;
      this.totalNoiseMs = 0;
      return true;
    }
    this.totalNoiseMs += ms;
    this.totalSilenceMs = 0;
    return false;
  }
}
