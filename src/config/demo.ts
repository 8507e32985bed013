/**
 * The built-in demo configuration `npm start` runs: two phones that can call each other and the
 * echo test, listening on every interface so a real phone on the LAN can register too. Its
 * pbx.conf is the first configuration file a newcomer reads, so it explains itself.
 */
export interface DemoConfig {
  files: Record<string, string>;
}

/** The demo configuration; the control socket and the data directory go under `runDir`. */
export function demoConfig(runDir: string): DemoConfig {
  const dir = runDir.replace(/\/+$/, '');
  return { files: { 'pbx.conf': demoPbxConf(dir) } };
}

function demoPbxConf(runDir: string): string {
  return `; pbx.conf - the one file you edit to set up this PBX.
;
; Syntax is Asterisk's: [section] headers, "key = value" lines, ';' starts a comment
; (write \\; for a literal semicolon). Power users may add Asterisk-style sip.conf,
; extensions.conf, voicemail.conf next to this file; what those define wins.
; Check your edits with:  pbx check --config DIR

[system]
; Name of the box on the network (one word).
hostname = pbx-demo

; SIP listens here on UDP and TCP. 0.0.0.0 means every interface, so phones on your
; LAN can register to this computer's address; use 127.0.0.1 to keep it local.
sip = 0.0.0.0:5060

; UDP ports for call audio (RTP), START-END. Each call uses two ports per leg.
rtp = 10000-20000

; Unix socket of the console: "pbx -r" connects here. The demo uses a temporary directory.
control = ${runDir}/control.sock

; Where the PBX keeps its state (voicemail, database); a temporary directory for the demo.
data = ${runDir}/data

; Tones (dial tone, ringback, busy) and caller ID follow this country: us, uk, fr, de...
country = us

; Time zone for voicemail dates and GotoIfTime: a name like Europe/Paris.
timezone = UTC

; How much the PBX tells you: 0 is quiet, 3 shows calls and registrations, 5 and up is debugging.
verbose = 3

; On the real box you would also set:
;   lan = dhcp                  (or lan = 192.168.1.10/24 with gateway = and dns =)
;   syslog = 192.168.1.2:514/udp  (everything the box logs goes there)
;   admin_password = <hash written by the setup menu>

[phones]
; EXTENSION = SECRET, NAME
; A SIP phone registers with the extension as user name and the secret as password.
; Each phone gets a voicemail box, and phones call each other by extension.
; Dial 600 for the echo test.
2000 = amber-kettle-42, Alice
2001 = velvet-harbor-17, Bob
`;
}
