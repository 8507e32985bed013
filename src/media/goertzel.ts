/**
 * Single-frequency energy measurement (the Goertzel algorithm: a second-order resonator that
 * computes one DFT term in O(N) without a full FFT). Used by tests to check what a tone or a
 * received stream contains, and later by DTMF and call-progress detection.
 *
 * Frequencies need not fall on a DFT bin: the generalised form evaluates the DTFT at exactly
 * `hz`, so a window of N samples resolves tones about 2 * 8000 / N Hz apart (100 Hz at 160
 * samples, 40 Hz at 400).
 */
import { SAMPLE_RATE } from './frame.ts';

/** |X(hz)|^2 over the samples: the raw Goertzel power. */
export function goertzelPower(samples: ArrayLike<number>, hz: number, sampleRate = SAMPLE_RATE): number {
  const w = (2 * Math.PI * hz) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  // Power of the final state: exact DTFT magnitude squared at w.
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

export function energy(samples: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < samples.length; i++) e += samples[i]! * samples[i]!;
  return e;
}

/** Root mean square amplitude. */
export function rms(samples: ArrayLike<number>): number {
  return samples.length === 0 ? 0 : Math.sqrt(energy(samples) / samples.length);
}

/**
 * Share of the window's energy that sits at `hz`, in [0, ~1]: a pure sine at `hz` gives about 1,
 * silence or other frequencies about 0. (For a sine of amplitude A over N samples
 * |X|^2 = (A N / 2)^2 and the energy is N A^2 / 2, hence the factor 2 / N.)
 */
export function toneRatio(samples: ArrayLike<number>, hz: number, sampleRate = SAMPLE_RATE): number {
  const e = energy(samples);
  if (e === 0 || samples.length === 0) return 0;
  return (2 * goertzelPower(samples, hz, sampleRate)) / (samples.length * e);
}

export interface FrequencyMatch {
  hz: number;
  ratio: number;
}

/** Among `candidates`, the frequency holding the largest share of energy, with that share. */
export function detectFrequency(samples: ArrayLike<number>, candidates: readonly number[], sampleRate = SAMPLE_RATE): FrequencyMatch {
  let best: FrequencyMatch = { hz: 0, ratio: 0 };
  for (const hz of candidates) {
    const ratio = toneRatio(samples, hz, sampleRate);
    if (ratio > best.ratio) best = { hz, ratio };
  }
  return best;
}

/**
 * The dominant frequency between `minHz` and `maxHz`: a coarse scan in `stepHz` steps, then a
 * 1 Hz refinement around the peak.
 */
export function dominantFrequency(
  samples: ArrayLike<number>,
  { minHz = 100, maxHz = 3900, stepHz = 10 }: { minHz?: number; maxHz?: number; stepHz?: number } = {},
  sampleRate = SAMPLE_RATE,
): FrequencyMatch {
  const coarse: number[] = [];
  for (let hz = minHz; hz <= maxHz; hz += stepHz) coarse.push(hz);
  const peak = detectFrequency(samples, coarse, sampleRate);
  const fine: number[] = [];
  for (let hz = Math.max(minHz, peak.hz - stepHz); hz <= Math.min(maxHz, peak.hz + stepHz); hz++) fine.push(hz);
  return detectFrequency(samples, fine, sampleRate);
}
