/** What `cdr show status` reports (runtime/cdr-service.ts fills it, cli/commands/cdr.ts prints it). */
export interface CdrStatus {
  enabled: boolean;
  /** Always batch on this box (writer.ts); `configuredBatch` is what cdr.conf says. */
  configuredBatch: boolean;
  unanswered: boolean;
  safeShutdown: boolean;
  schedulerOnly: boolean;
  pending: number;
  batchSize: number;
  batchSeconds: number;
  /** Seconds until the waiting records are written (undefined: none waiting). */
  nextBatchSeconds: number | undefined;
  /** Records written to Master.csv since start, and calls with an open record. */
  written: number;
  active: number;
  backends: string[];
  /** Master.csv's path; `volatile` when it is in RAM (capped). */
  file: string;
  volatile: boolean;
}
