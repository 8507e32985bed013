/**
 * G.711 per-frame costs (160 samples = 20 ms): what every transcoded or generated frame pays.
 * For scale: 1,000 calls transcoding both ways is 100,000 frames a second.
 */
import { Bench } from 'tinybench';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw, transcodeInPlace, ULAW_TO_ALAW } from '../../src/media/g711.ts';

export default async function (): Promise<Bench> {
  const bench = new Bench({ name: 'media/g711', time: 500 });
  const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
  const law = encodeUlaw(pcm);
  const outLaw = new Uint8Array(160);
  const outPcm = new Int16Array(160);
  let sink = 0;
  bench
    .add('µ-law encode frame (into buffer)', () => {
      sink += encodeUlaw(pcm, outLaw)[7]!;
    })
    .add('A-law encode frame (into buffer)', () => {
      sink += encodeAlaw(pcm, outLaw)[7]!;
    })
    .add('µ-law decode frame (into buffer)', () => {
      sink += decodeUlaw(law, outPcm)[7]!;
    })
    .add('A-law decode frame (into buffer)', () => {
      sink += decodeAlaw(law, outPcm)[7]!;
    })
    .add('µ-law -> A-law transcode frame in place', () => {
      transcodeInPlace(ULAW_TO_ALAW, outLaw);
      sink += outLaw[3]!;
    });
  bench.addEventListener('complete', () => {
    if (sink < 0) throw new Error('unreachable');
  });
  return bench;
}
