/**
 * The console setup menu, in the tradition of the m0n0wall/AskoziaPBX console: a numbered list on a
 * dumb serial terminal (no cursor addressing), one question per line, every answer checked on the
 * spot (a wrong one is asked again with the reason) and the whole pbx.conf checked by the
 * configuration loader before anything is saved.
 */
import { loadConfig, formatErrors, PBX_CONF } from '../config/index.ts';
import { getSystemValue, setSystemValues } from './conf-edit.ts';
import * as check from './validate.ts';
import type { Answer } from './validate.ts';
import type { ConfStore, MenuIO, MenuSystem } from './types.ts';

export interface MenuDeps {
  io: MenuIO;
  conf: ConfStore;
  system: MenuSystem;
  version: string;
}

/** Thrown when the terminal's input ends (the tty hung up): the menu exits and init respawns it. */
class InputEnded extends Error {}

interface Item {
  title: string;
  run: (m: SetupMenu) => Promise<void>;
}

const ITEMS: Item[] = [
  { title: 'Assign the LAN interface', run: (m) => m.assignInterface() },
  { title: 'Set the LAN address (DHCP or static) and host name', run: (m) => m.setLanAddress() },
  { title: 'Set the syslog server', run: (m) => m.setSyslog() },
  { title: 'Set country and time zone', run: (m) => m.setCountryAndZone() },
  { title: 'Status', run: (m) => m.status() },
  { title: 'PBX console', run: (m) => m.pbxConsole() },
  { title: 'Ping a host', run: (m) => m.ping() },
  { title: 'Reset to factory defaults', run: (m) => m.factoryReset() },
  { title: 'Reboot', run: (m) => m.reboot() },
  { title: 'Shell', run: (m) => m.shell() },
];

export const MENU_TITLES: readonly string[] = ITEMS.map((i) => i.title);

export class SetupMenu {
  constructor(private readonly d: MenuDeps) {}

  /** Runs until the input ends; resolves to the process exit code. */
  async run(): Promise<number> {
    try {
      for (;;) {
        await this.showMenu();
        const n = await this.askNumber(`Enter a number (1-${ITEMS.length}): `, 1, ITEMS.length);
        this.say('');
        await ITEMS[n - 1].run(this);
      }
    } catch (e) {
      if (e instanceof InputEnded) return 0;
      throw e;
    }
  }

  // --- the items ---------------------------------------------------------------------------

  async assignInterface(): Promise<void> {
    const list = await this.d.system.interfaces();
    if (list.length === 0) {
      this.say('No network interfaces found (is the network driver for this board loaded?).');
      return;
    }
    const current = this.value('lan_interface') ?? list[0].name;
    this.say('Network interfaces:');
    list.forEach((i, n) => {
      const link = i.carrier === undefined ? '' : i.carrier ? '  link up' : '  no link';
      this.say(`  ${n + 1}) ${i.name.padEnd(8)} ${i.mac}${link}${i.name === current ? '  (LAN now)' : ''}`);
    });
    const n = await this.askNumber(`Which one is the LAN (1-${list.length}) [${list.findIndex((i) => i.name === current) + 1 || 1}]: `, 1, list.length, list.findIndex((i) => i.name === current) + 1 || 1);
    const name = list[n - 1].name;
    if (name === this.value('lan_interface')) {
      this.say(`The LAN is already ${name}.`);
      return;
    }
    if (await this.save({ lan_interface: name })) await this.apply('LAN', () => this.d.system.applyNetwork());
  }

  async setLanAddress(): Promise<void> {
    const host = await this.field('Host name', this.value('hostname') ?? 'pbx', check.hostname, false);
    const lanNow = this.value('lan') ?? 'dhcp';
    const dhcp = await this.askYesNo('Use DHCP for the LAN address?', lanNow.toLowerCase() === 'dhcp');
    let changes: Record<string, string | null>;
    if (dhcp) {
      changes = { hostname: host, lan: 'dhcp', gateway: null, dns: null };
    } else {
      const lan = (await this.field('LAN address as ADDRESS/PREFIX (e.g. 192.168.1.2/24)', lanNow.toLowerCase() === 'dhcp' ? undefined : lanNow, check.lanAddress, false))!;
      const gw = await this.field('Gateway', this.value('gateway'), (s) => check.gateway(s, lan), true);
      const dns = await this.field('DNS servers, separated by commas', this.value('dns'), check.dnsServers, true);
      changes = { hostname: host, lan: `${lan.address}/${lan.prefix}`, gateway: gw, dns: dns ? dns.join(', ') : null };
    }
    const summary = dhcp ? 'DHCP' : `${changes.lan}${changes.gateway ? `, gateway ${changes.gateway}` : ''}${changes.dns ? `, DNS ${changes.dns}` : ''}`;
    if (!(await this.askYesNo(`Save host name ${host} and LAN ${summary}, and apply it now?`, true))) {
      this.say('Nothing changed.');
      return;
    }
    if (!(await this.save(changes))) return;
    await this.apply('host name', () => this.d.system.applyHostname(host!));
    await this.apply('LAN', () => this.d.system.applyNetwork());
    const facts = await this.d.system.facts();
    this.say(`LAN addresses now: ${facts.addresses.join(', ') || (dhcp ? 'none yet (waiting for the DHCP server)' : 'none')}`);
  }

  async setSyslog(): Promise<void> {
    this.say('Every log line (the PBX and the kernel) can be sent to a syslog server on your network.');
    const target = await this.field('Syslog server as HOST[:PORT][/udp|/tcp]', this.value('syslog'), check.syslogServer, true);
    if (target === (this.value('syslog') ?? null)) {
      this.say('Nothing changed.');
      return;
    }
    if (!(await this.save({ syslog: target }))) return;
    await this.apply('syslog', () => this.d.system.applySyslog());
    this.say(target ? `Logs now go to ${target}.` : 'Logs now stay on this box (in RAM).');
  }

  async setCountryAndZone(): Promise<void> {
    const country = await this.field('Country for tones and caller ID (us, uk, fr, de, ...)', this.value('country') ?? 'us', check.country, false);
    const zone = await this.field('Time zone (e.g. Europe/Paris, America/New_York, UTC)', this.value('timezone') ?? 'UTC', (s) => check.timezone(s, (z) => this.d.system.timezoneKnown(z)), false);
    if (!(await this.save({ country, timezone: zone }))) return;
    await this.apply('time zone', () => this.d.system.applyTimezone(zone!));
    this.say('The PBX uses the new country after its next restart (PBX console: core restart, or reboot).');
  }

  async status(): Promise<void> {
    const f = await this.d.system.facts();
    const up = f.uptimeSeconds;
    const days = Math.floor(up / 86400);
    const hms = [Math.floor((up % 86400) / 3600), Math.floor((up % 3600) / 60)].map((x) => String(x).padStart(2, '0')).join(':');
    const row = (k: string, v: string) => this.say(`${k.padEnd(10)} ${v}`);
    row('Version', `pbx ${f.version}${f.board ? `, board ${f.board}` : ''}${f.kernel ? `, kernel ${f.kernel}` : ''}`);
    row('Uptime', `${days} day${days === 1 ? '' : 's'} ${hms}`);
    row('Host', this.value('hostname') ?? 'pbx');
    row('LAN', `${this.value('lan_interface') ?? 'first interface'}: ${(this.value('lan') ?? 'dhcp').toLowerCase() === 'dhcp' ? 'DHCP' : 'static'}; ${f.addresses.join(', ') || 'no address'}${f.gateway ? `, gateway ${f.gateway}` : ''}`);
    row('Syslog', this.value('syslog') ?? 'not set (logs stay in RAM)');
    row('Country', `${this.value('country') ?? 'us'}, time zone ${this.value('timezone') ?? 'UTC'}`);
    for (const s of f.storage) row('Storage', s);
    const peers = await this.d.system.pbxCommand('sip show peers');
    const calls = await this.d.system.pbxCommand('core show channels');
    if (peers === undefined) row('PBX', 'not running (it is restarted automatically; see the log below)');
    else {
      this.say('Phones:');
      this.say(indent(peers));
      this.say('Calls:');
      this.say(indent(calls ?? ''));
    }
    const analog = await this.d.system.pbxCommand('dahdi show channels');
    if (analog !== undefined && analog.trim() !== '') {
      this.say('Analog ports:');
      this.say(indent(analog));
    }
    this.say('Last log lines:');
    this.say(indent(f.log.join('\n') || '(none)'));
  }

  async pbxConsole(): Promise<void> {
    this.say('PBX console: type "help" for commands, "exit" to come back here.');
    await this.d.system.pbxConsole();
  }

  async ping(): Promise<void> {
    const host = await this.field('Host to ping', undefined, check.pingTarget, true);
    if (!host) return;
    const answered = await this.d.system.ping(host, (t) => this.d.io.write(t));
    this.say(answered ? `${host} answers.` : `${host} does not answer.`);
  }

  async factoryReset(): Promise<void> {
    this.say('This replaces pbx.conf with the factory defaults: LAN by DHCP, no syslog server, no phones,');
    this.say('no admin password. Files you added next to pbx.conf (extensions.conf...) stay.');
    const answer = await this.readLine('Type yes to reset, anything else to go back: ');
    if (answer.trim().toLowerCase() !== 'yes') {
      this.say('Nothing changed.');
      return;
    }
    const defaults = this.d.conf.defaults();
    try {
      await this.d.conf.save(defaults);
    } catch (e) {
      this.say(`Could not write ${this.d.conf.path}: ${(e as Error).message}`);
      return;
    }
    this.say(`Factory defaults written to ${this.d.conf.path}.`);
    await this.apply('host name', () => this.d.system.applyHostname(getSystemValue(defaults, 'hostname') ?? 'pbx'));
    await this.apply('time zone', () => this.d.system.applyTimezone(getSystemValue(defaults, 'timezone') ?? 'UTC'));
    await this.apply('syslog', () => this.d.system.applySyslog());
    await this.apply('LAN', () => this.d.system.applyNetwork());
  }

  async reboot(): Promise<void> {
    if (!(await this.askYesNo('Reboot the PBX now? Calls in progress are cut.', false))) return;
    this.say('Rebooting...');
    await this.d.system.reboot();
  }

  async shell(): Promise<void> {
    const hash = this.value('admin_password');
    if (!hash) {
      this.say('No admin password is set yet: choose one now. It protects the shell.');
      const pw = await this.newPassword();
      if (pw === undefined) return;
      if (!(await this.save({ admin_password: this.d.system.hashPassword(pw) }))) return;
      this.say('Admin password saved.');
    } else {
      let passed = false;
      for (let attempt = 1; attempt <= 3 && !passed; attempt++) {
        const pw = await this.readSecret('Admin password: ');
        passed = this.d.system.verifyPassword(pw, hash);
        if (!passed) {
          await this.d.system.sleep(2000);
          this.say('Wrong password.');
        }
      }
      if (!passed) return;
    }
    this.say('Shell: the root is read-only, the configuration is in /cf. Type exit to come back.');
    await this.d.system.shell();
  }

  // --- asking ------------------------------------------------------------------------------

  private async newPassword(): Promise<string | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const first = await this.readSecret('New admin password: ');
      const v = check.newPassword(first);
      if (!v.ok) {
        this.say(`  ${v.why}`);
        continue;
      }
      const again = await this.readSecret('The same again: ');
      if (again === first) return first;
      this.say('  The two did not match.');
    }
    this.say('No password set.');
    return undefined;
  }

  /**
   * Asks for one setting. Enter keeps `current` (checked again, since other answers may have made
   * it wrong); '-' clears it when `clearable`. Wrong answers are asked again with the reason.
   */
  private async field<T>(label: string, current: string | undefined, test: (s: string) => Answer<T>, clearable: boolean): Promise<T | null> {
    const hint = [current !== undefined ? current : clearable ? 'none' : '', clearable ? '- for none' : ''].filter(Boolean).join('; ');
    for (;;) {
      const raw = (await this.readLine(`${label}${hint ? ` [${hint}]` : ''}: `)).trim();
      if (raw === '-' && clearable) return null;
      if (raw === '') {
        if (current === undefined) {
          if (clearable) return null;
          this.say('  A value is needed here.');
          continue;
        }
        const kept = test(current);
        if (kept.ok) return kept.value;
        this.say(`  The current value no longer fits: ${kept.why}`);
        continue;
      }
      const r = test(raw);
      if (r.ok) return r.value;
      this.say(`  ${r.why}`);
    }
  }

  private async askYesNo(question: string, dflt: boolean): Promise<boolean> {
    for (;;) {
      const a = (await this.readLine(`${question} (y/n) [${dflt ? 'y' : 'n'}]: `)).trim().toLowerCase();
      if (a === '') return dflt;
      if (a === 'y' || a === 'yes') return true;
      if (a === 'n' || a === 'no') return false;
      this.say('  Answer y or n.');
    }
  }

  private async askNumber(prompt: string, min: number, max: number, dflt?: number): Promise<number> {
    for (;;) {
      const a = (await this.readLine(prompt)).trim();
      if (a === '' && dflt !== undefined) return dflt;
      if (/^\d+$/.test(a) && Number(a) >= min && Number(a) <= max) return Number(a);
      this.say(a === '' ? `  Enter a number from ${min} to ${max}.` : `  '${a}' is not a choice; enter a number from ${min} to ${max}.`);
    }
  }

  private async readLine(prompt: string): Promise<string> {
    const line = await this.d.io.readLine(prompt);
    if (line === null) throw new InputEnded();
    return line;
  }

  private async readSecret(prompt: string): Promise<string> {
    const line = await this.d.io.readSecret(prompt);
    if (line === null) throw new InputEnded();
    return line;
  }

  // --- saving and applying -----------------------------------------------------------------

  private value(key: string): string | undefined {
    return getSystemValue(this.d.conf.read(), key);
  }

  /**
   * Writes the changes if the whole resulting configuration still loads. Problems the file already
   * had before (someone's hand edit) are reported but do not block the save.
   */
  private async save(changes: Record<string, string | null>): Promise<boolean> {
    const before = this.d.conf.read();
    const after = setSystemValues(before, changes);
    const oldProblems = new Set(problems(before).map((p) => p.reason));
    const fresh = problems(after).filter((p) => !oldProblems.has(p.reason));
    if (fresh.length > 0) {
      this.say('Not saved: with this change the configuration would not load:');
      this.say(indent(fresh.map((p) => p.text).join('\n')));
      return false;
    }
    try {
      await this.d.conf.save(after);
    } catch (e) {
      this.say(`Could not write ${this.d.conf.path}: ${(e as Error).message}`);
      return false;
    }
    this.say(`Saved to ${this.d.conf.path}.`);
    return true;
  }

  private async apply(what: string, action: () => Promise<{ ok: boolean; output: string }>): Promise<void> {
    const r = await action();
    if (!r.ok) this.say(`Applying the ${what} failed${r.output.trim() ? `: ${r.output.trim()}` : ''}.`);
    else if (r.output.trim()) this.say(r.output.trim());
  }

  private async showMenu(): Promise<void> {
    const f = await this.d.system.facts();
    this.say('');
    this.say(`*** PBX ${this.d.version} *** host ${this.value('hostname') ?? 'pbx'}, LAN ${f.addresses.join(', ') || 'no address'}`);
    this.say('');
    ITEMS.forEach((item, i) => this.say(`${String(i + 1).padStart(2)}) ${item.title}`));
    this.say('');
  }

  private say(line: string): void {
    this.d.io.write(`${line}\n`);
  }
}

function problems(text: string): { reason: string; text: string }[] {
  const r = loadConfig({ files: { [PBX_CONF]: text } });
  return r.errors.map((e) => ({ reason: e.reason, text: formatErrors([e]) }));
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
