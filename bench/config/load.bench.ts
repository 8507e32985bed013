/**
 * Config load: pbx.conf with 200 phones plus a seed-style sip.conf with 1,000 peers built from
 * templates, parsed and validated in memory (no disk, so the figure is the parser and model only).
 * A reload on the box does exactly this before swapping configurations.
 */
import { Bench } from 'tinybench';
import { loadConfig } from '../../src/config/load.ts';

function files(peers: number, phones: number): Record<string, string> {
  const pbx = ['[system]', 'sip = 0.0.0.0:5060', 'rtp = 10000-20000', 'country = uk', '[phones]'];
  for (let i = 0; i < phones; i++) pbx.push(`${3000 + i} = phone-secret-${i}x, Phone ${i}`);
  const sip = [
    '[general]',
    'context=default',
    'alwaysauthreject=yes',
    'disallow=all',
    'allow=ulaw',
    'allow=alaw',
    '[office-phone](!)',
    'type=friend',
    'host=dynamic',
    'context=internal',
    'nat=force_rport,comedia',
    'qualify=yes',
    'canreinvite=no',
  ];
  for (let i = 0; i < peers; i++) {
    const ext = 10000 + i;
    sip.push(`[${ext}](office-phone)`, `secret=peer-secret-${i}-x`, `callerid="User ${i}" <${ext}>`, `mailbox=${ext}@default`);
  }
  return { 'pbx.conf': pbx.join('\n'), 'sip.conf': sip.join('\n') };
}

export default async function (): Promise<Bench> {
  const input = files(1000, 200);
  const check = loadConfig({ files: input });
  if (!check.config || check.config.peers.size !== 1200) throw new Error('bench input does not load');
  const bench = new Bench({ name: 'config load', time: 1000 });
  bench.add('loadConfig: pbx.conf 200 phones + sip.conf 1000 peers', () => {
    loadConfig({ files: input });
  });
  return bench;
}
