/** The process: arguments, environment, signals, exit, resource figures. */
export const proc = {
  argv(): string[] {
    return process.argv.slice(2);
  },
  env(name: string): string | undefined {
    return process.env[name];
  },
  /** ENV(name)=value from the dialplan; an empty value removes the variable, as setenv/unsetenv. */
  setEnv(name: string, value: string): void {
    if (value === '') delete process.env[name];
    else process.env[name] = value;
  },
  envAll(): Record<string, string | undefined> {
    return { ...process.env };
  },
  pid(): number {
    return process.pid;
  },
  uptimeSeconds(): number {
    return process.uptime();
  },
  onSignal(sig: 'SIGTERM' | 'SIGINT' | 'SIGHUP', cb: () => void): void {
    process.on(sig, cb);
  },
  exit(code: number): never {
    process.exit(code);
  },
  setExitCode(code: number): void {
    process.exitCode = code;
  },
  memory(): { rss: number; heapUsed: number } {
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed };
  },
  nodeVersion(): string {
    return process.version;
  },
  platform(): string {
    return `${process.platform}/${process.arch}`;
  },
  /** Last-resort handlers: log and keep serving rather than die on one bad callback. */
  onFatal(cb: (kind: string, err: unknown) => void): void {
    process.on('uncaughtException', (e) => cb('uncaughtException', e));
    process.on('unhandledRejection', (e) => cb('unhandledRejection', e));
  },
};
