/**
 * Entry point of dist/pbx.mjs: argument parsing and dispatch only.
 *
 *   pbx run   [--config DIR | --demo]     run the PBX in the foreground
 *   pbx check [--config DIR | --demo]     validate the configuration (file:line: reason)
 *   pbx -r    [--config DIR | --demo | --socket PATH]          interactive console
 *   pbx -rx "COMMAND" [--config DIR | --demo | --socket PATH]  run one console command
 *   pbx version
 */
import { proc } from './platform/process.ts';
import { stdio } from './platform/terminal.ts';
import { paths } from './platform/fs.ts';
import { demoConfig, loadConfig, parseConfText, type ConfigSource } from './config/index.ts';
import { DEFAULT_SYSTEM } from './config/model.ts';
import { readTextIfExists } from './platform/fs.ts';
import { PbxError } from './core/errors.ts';
import { Pbx } from './runtime/pbx.ts';
import { checkAll } from './runtime/check.ts';
import { runInteractive, runOnce } from './cli/client.ts';
import { runMenu } from './menu/index.ts';

declare const PBX_VERSION: string;
const VERSION = typeof PBX_VERSION === 'string' ? PBX_VERSION : 'dev';

const USAGE = `pbx ${VERSION}
Usage:
  pbx run   [--config DIR | --demo]          run the PBX in the foreground (SIGTERM stops it)
  pbx check [--config DIR | --demo]          validate the configuration; exit 1 on any error
  pbx -r    [--config DIR | --demo | --socket PATH] [-v N]   interactive console
  pbx -rx "COMMAND" [--config DIR | --demo | --socket PATH]  run one console command
  pbx menu  [--config DIR] [--defaults FILE]   the console setup menu (firmware)
  pbx version
The configuration directory defaults to $PBX_CONFIG or /cf. --demo uses the built-in demo
configuration (two phones, 2000 and 2001) with its state under ${paths.join(paths.tmpdir(), 'pbx-demo')}
(--demo-dir DIR elsewhere) and SIP on 0.0.0.0:5060 (--sip HOST:PORT: a second demo beside the first).`;

interface Args {
  command: string;
  config?: string;
  demo: boolean;
  /** --demo-dir: where the demo keeps its state (default <tmp>/pbx-demo). */
  demoDir?: string;
  /** --sip HOST:PORT: where the demo listens for SIP (default 0.0.0.0:5060). */
  demoSip?: string;
  socket?: string;
  rx?: string;
  verbose: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { command: '', demo: false, verbose: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--config' || arg === '-C') a.config = value();
    else if (arg === '--demo') a.demo = true;
    else if (arg === '--demo-dir') a.demoDir = value();
    else if (arg === '--sip') a.demoSip = value();
    else if (arg === '--socket') a.socket = value();
    else if (arg === '-rx' || arg === '-x') {
      a.command = 'rx';
      a.rx = value();
    } else if (arg === '-r') a.command ||= 'r';
    else if (arg === '-v') a.verbose = Number(value());
    else if (arg === '--version' || arg === '-V') a.command = 'version';
    else if (arg === '--help' || arg === '-h') a.command = 'help';
    else if (!a.command && !arg.startsWith('-')) a.command = arg;
    else throw new Error(`unknown argument '${arg}'`);
  }
  if ((a.demoDir !== undefined || a.demoSip !== undefined) && !a.demo) throw new Error('--demo-dir and --sip go with --demo (a configuration directory sets them in pbx.conf)');
  return a;
}

function configSource(a: Args): ConfigSource {
  if (a.demo) return demoConfig(a.demoDir ?? paths.join(paths.tmpdir(), 'pbx-demo'), a.demoSip);
  return { dir: a.config ?? proc.env('PBX_CONFIG') ?? '/cf' };
}

/** The control socket path: from a valid config, else read leniently from pbx.conf [system]. */
function controlPath(a: Args): string {
  if (a.socket) return a.socket;
  const source = configSource(a);
  const loaded = loadConfig(source);
  if (loaded.config) return loaded.config.system.control;
  const text = 'files' in source ? source.files['pbx.conf'] : readTextIfExists(paths.join(source.dir, 'pbx.conf'));
  if (text) {
    const parsed = parseConfText('pbx.conf', text);
    for (const s of parsed.conf.sections) {
      if (s.name !== 'system') continue;
      const e = s.entries.find((x) => x.key === 'control');
      if (e) return e.value;
    }
  }
  return DEFAULT_SYSTEM.control;
}

async function run(a: Args): Promise<number> {
  let pbx: Pbx;
  try {
    pbx = await Pbx.start({ source: configSource(a), version: VERSION, stdout: true });
  } catch (e) {
    // A listen failure was logged already (stdout and syslog), in one line that says what is wrong.
    if (!(e instanceof PbxError && e.code === 'SIP_LISTEN')) stdio.err(`pbx: ${(e as Error).message}\n`);
    return 1;
  }
  const log = pbx.log.child('core');
  proc.onFatal((kind, err) => {
    log.error(`${kind}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (kind === 'uncaughtException') void pbx.stop('now').then(() => proc.exit(1));
  });
  const stop = (): void => void pbx.stop('now');
  proc.onSignal('SIGTERM', stop);
  proc.onSignal('SIGINT', stop);
  proc.onSignal('SIGHUP', () => void pbx.reload());
  // Everything is flushed and closed by stop(); exit without waiting for stray timers.
  return new Promise(() => pbx.onStop(() => proc.exit(0)));
}

async function main(): Promise<number> {
  const argv = proc.argv();
  // The setup menu has options of its own (--defaults FILE).
  if (argv[0] === 'menu') return runMenu(argv.slice(1));
  let a: Args;
  try {
    a = parseArgs(argv);
  } catch (e) {
    stdio.err(`pbx: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  switch (a.command) {
    case 'run':
      return run(a);
    case 'check': {
      const res = checkAll(configSource(a));
      if (res.output) stdio.out(res.output.endsWith('\n') ? res.output : `${res.output}\n`);
      return res.ok ? 0 : 1;
    }
    case 'rx':
      try {
        return await runOnce(controlPath(a), a.rx ?? '');
      } catch (e) {
        stdio.err(`${(e as Error).message}\n`);
        return 1;
      }
    case 'r':
      try {
        return await runInteractive(controlPath(a), a.verbose);
      } catch (e) {
        stdio.err(`${(e as Error).message}\n`);
        return 1;
      }
    case 'version':
      stdio.out(`pbx ${VERSION}\n`);
      return 0;
    case 'help':
    case '':
      stdio.out(`${USAGE}\n`);
      return a.command === 'help' ? 0 : 2;
    default:
      stdio.err(`pbx: unknown command '${a.command}'\n\n${USAGE}\n`);
      return 2;
  }
}

main().then(
  // Set the code and let the loop end: exiting at once can cut off output still queued on a pipe.
  (code) => proc.setExitCode(code),
  (e) => {
    stdio.err(`pbx: ${(e as Error).stack ?? String(e)}\n`);
    proc.exit(1);
  },
);
