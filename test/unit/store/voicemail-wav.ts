/**
 * The WAV header the spool tests write before their audio, built with the media layer's own
 * recording header: sizes patched for `dataBytes` of audio, or left as a recording cut by a crash
 * leaves them (RIFF and data sizes 0) when `dataBytes` is 0.
 */
import { headerPatches, recordingHeader, WAV_HEADER_BYTES } from '../../../src/media/recording-format.ts';

export function wavHeader(dataBytes = 0): Buffer {
  const h = Buffer.from(recordingHeader('wav'));
  for (const [at, bytes] of headerPatches('wav', WAV_HEADER_BYTES + dataBytes)) h.set(bytes, at);
  if (dataBytes === 0) h.writeUInt32LE(0, 4);
  return h;
}
