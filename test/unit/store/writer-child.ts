/**
 * Child process for the crash test: rewrites the registrations file as fast as it can, each
 * version with a higher cseq, until it is killed. Prints "ready" after the first write.
 */
import { systemClock } from '../../../src/platform/clock.ts';
import { FileRegistrationStore } from '../../../src/store/registration-store.ts';
import type { RegistrationRecord } from '../../../src/store/registration-store.ts';

const path = process.argv[2]!;
const store = new FileRegistrationStore({ path, clock: systemClock });
const filler = 'x'.repeat(2000);
for (let i = 1; ; i++) {
  const records: RegistrationRecord[] = Array.from({ length: 20 }, (_, k) => ({
    aor: `${2000 + k}`,
    contact: `sip:${2000 + k}@192.0.2.${k}:5060`,
    reach: { protocol: 'UDP', address: `192.0.2.${k}`, port: 5060 },
    source: { protocol: 'UDP', address: `192.0.2.${k}`, port: 5060 },
    expiresAt: Date.now() + 3_600_000,
    registeredAt: Date.now(),
    callId: `${i}-${filler}`,
    cseq: i,
  }));
  store.save(records);
  store.flush();
  if (i === 1) process.stdout.write('ready\n');
}
