// Debian's Asterisk prompts and music on hold (16-bit 8 kHz .wav) converted to G.711 μ-law
// (.ulaw, raw, one byte per sample): half the size on the card, and what most phones speak, so a
// μ-law call plays them untouched (the PBX's sound lookup picks .ulaw/.alaw/.wav/.sln by format).
import fs from 'node:fs';
import path from 'node:path';

/** G.711 μ-law encoding of one 16-bit linear sample (ITU-T G.711, bias 0x84, clipped at 32635). */
export function linearToUlaw(sample) {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/**
 * The samples of a RIFF/WAVE file as μ-law. Only what Debian ships is accepted: PCM, mono,
 * 16 bit, 8000 Hz; anything else throws with the file's format (a silent resample would hide it).
 */
export function wavToUlaw(buf, name = 'wav') {
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${name}: not a RIFF/WAVE file`);
  let fmt;
  for (let off = 12; off + 8 <= buf.length; ) {
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new Error(`${name}: data chunk before fmt chunk`);
      if (fmt.format !== 1 || fmt.channels !== 1 || fmt.bits !== 16 || fmt.rate !== 8000) {
        throw new Error(`${name}: expected PCM mono 16 bit 8000 Hz, found format ${fmt.format}, ${fmt.channels} channel(s), ${fmt.bits} bit, ${fmt.rate} Hz`);
      }
      const end = Math.min(body + size, buf.length);
      const n = Math.floor((end - body) / 2);
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = linearToUlaw(buf.readInt16LE(body + 2 * i));
      return out;
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${name}: no data chunk`);
}

/**
 * Converts every .wav under `src` into `dst` (same relative path, .ulaw). `keep(rel)` selects
 * files by their path relative to `src` (without extension). Returns counts and byte totals.
 */
export function convertTree(src, dst, keep = () => true) {
  let files = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(full);
        continue;
      }
      if (!e.name.endsWith('.wav')) continue;
      const rel = path.relative(src, full).replace(/\.wav$/, '');
      if (!keep(rel)) continue;
      // Debian ships some prompts as symlinks to others: follow them (a copy costs little).
      const wav = fs.readFileSync(full);
      const ulaw = wavToUlaw(wav, full);
      const target = path.join(dst, `${rel}.ulaw`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, ulaw);
      files += 1;
      bytesIn += wav.length;
      bytesOut += ulaw.length;
    }
  };
  walk(src);
  return { files, bytesIn, bytesOut };
}
