/**
 * What the setup menu needs from the world, as interfaces: the terminal, the pbx.conf store and
 * the operating system. The firmware passes the real ones (src/platform); tests pass fakes.
 */

/** A dumb line terminal: no cursor addressing, one line in, text out. */
export interface MenuIO {
  write(text: string): void;
  /** One typed line without its newline; null when the input has ended. */
  readLine(prompt: string): Promise<string | null>;
  /** Like readLine, without echoing what is typed (passwords). */
  readSecret(prompt: string): Promise<string | null>;
}

/** pbx.conf as text. `save` is atomic: a power cut leaves the old file or the new one. */
export interface ConfStore {
  /** Where the file lives, for messages. */
  readonly path: string;
  /** Current text; the defaults when the file does not exist. */
  read(): string;
  save(text: string): Promise<void>;
  /** The factory default pbx.conf. */
  defaults(): string;
}

export interface NetInterface {
  name: string;
  mac: string;
  /** Carrier detected (a cable is plugged in); undefined when unknown. */
  carrier?: boolean;
}

export interface CommandResult {
  ok: boolean;
  /** What the command printed, for the user. */
  output: string;
}

/** Facts for the status screen that only the OS knows. */
export interface SystemFacts {
  version: string;
  board?: string;
  kernel?: string;
  uptimeSeconds: number;
  /** "eth0 192.168.1.2/24" per configured address. */
  addresses: string[];
  gateway?: string;
  /** One line per storage fact ("config /cf read-only on /dev/sda3", "data in RAM ..."). */
  storage: string[];
  /** The newest lines of the system log. */
  log: string[];
}

export interface MenuSystem {
  interfaces(): Promise<NetInterface[]>;
  /** Re-reads pbx.conf and brings the LAN up as it says (DHCP or static). */
  applyNetwork(): Promise<CommandResult>;
  /** Restarts system log forwarding as pbx.conf says. */
  applySyslog(): Promise<CommandResult>;
  applyHostname(name: string): Promise<CommandResult>;
  applyTimezone(zone: string): Promise<CommandResult>;
  /** Whether the zone database knows `zone` (e.g. Europe/Paris). */
  timezoneKnown(zone: string): boolean;
  facts(): Promise<SystemFacts>;
  /** One console command against the running PBX (`pbx -rx`); undefined when it is not running. */
  pbxCommand(command: string): Promise<string | undefined>;
  /** Pings `host` a few times, writing the output as it comes; resolves to whether it answered. */
  ping(host: string, write: (text: string) => void): Promise<boolean>;
  /** Hands the terminal to an interactive program until it exits. */
  pbxConsole(): Promise<void>;
  shell(): Promise<void>;
  reboot(): Promise<void>;
  /** Password hashing for the shell (slow on purpose). */
  hashPassword(password: string): string;
  verifyPassword(password: string, hash: string): boolean;
  /** Pause after a wrong password, so guessing over the serial line is slow. */
  sleep(ms: number): Promise<void>;
}
