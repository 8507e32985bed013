/**
 * The built-in demo configuration `npm start` runs: two phones that can call each other and the
 * echo test, listening on every interface so a real phone on the LAN can register too. Its
 * pbx.conf is the first configuration file a newcomer reads, so it explains itself.
 */
export interface DemoConfig {
  files: Record<string, string>;
}

/**
 * The demo configuration; the control socket and the data directory go under `runDir`. `sip`
 * (HOST:PORT, default every interface on 5060) lets a second demo run beside the user's, as the
 * tests do, so they never touch the user's registrations or port.
 */
export function demoConfig(runDir: string, sip = '0.0.0.0:5060'): DemoConfig {
  const dir = runDir.replace(/\/+$/, '');
  return { files: { 'pbx.conf': demoPbxConf(dir, sip), 'extensions.conf': demoExtensionsConf(dir) } };
}

/** The demo dialplan: the phones (generated from pbx.conf) plus a tour of what the dialplan does. */
function demoExtensionsConf(runDir: string): string {
  return `; extensions.conf - the dialplan, exactly as Asterisk reads it.
;
; The phones from pbx.conf live in the generated context 'pbx-phones' (each number rings its
; phone for 20 s; 600 is the echo test). Show it all with:  pbx -rx "dialplan show"
; It also includes 'parkedcalls' (features.conf defaults): 700 parks your call and says its
; space, 701-720 take a parked call back; *8 answers the other phone while it rings.

[general]
static = yes
writeprotect = no
autofallthrough = yes

[globals]
DEMO_GREETING = demo-congrats

[phones]
include => pbx-phones
include => demo

[demo]
; s: a call coming in on the analog line (FXO port 2) rings both phones.
exten => s,1,Dial(SIP/2000&SIP/2001,20)

; 500: Asterisk's classic demo menu. Press 1 for the echo test, 2 to hear your extension,
; 3 to record a message and hear it back, # to leave.
exten => 500,1,Goto(demo-menu,s,1)

; 501: your caller ID name as stored with:  pbx -rx 'database put cidname 2000 "Front desk"'
exten => 501,1,Answer()
 same => n,LookupCIDName()
 same => n,Verbose(1,Caller is \${CALLERID(name)} <\${CALLERID(num)}>)
 same => n,SayDigits(\${CALLERID(num)})
 same => n,Hangup()

; 502: office hours (Mon-Fri 09:00-17:59) or not.
exten => 502,1,Answer()
 same => n,GotoIfTime(09:00-17:59,mon-fri,*,*?open)
 same => n,Playback(please-try-call-later&goodbye)
 same => n,Hangup()
 same => n(open),Playback(hello-world&goodbye)
 same => n,Hangup()

; 800: a conference room (MeetMe): whoever dials 800 talks with everyone else there; music
; while alone, # leaves. Rooms with a PIN go in meetme.conf ([rooms] conf => 1234,4321).
exten => 800,1,MeetMe(800,dMp)
 same => n,Hangup()

[demo-menu]
exten => s,1,Answer()
 same => n,Set(TIMEOUT(digit)=5)
 same => n,Set(TIMEOUT(response)=10)
 same => n(instruct),Background(\${DEMO_GREETING})
 same => n,WaitExten()
exten => 1,1,Playback(demo-echotest)
 same => n,Echo()
exten => 2,1,SayNumber(\${CALLERID(num)})
 same => n,Goto(s,instruct)
exten => 3,1,Record(${runDir}/msg%d.wav,3,30)
 same => n,Playback(\${RECORDED_FILE})
 same => n,Goto(s,instruct)
exten => #,1,Playback(demo-thanks)
 same => n,Hangup()
exten => i,1,Playback(invalid)
 same => n,Goto(s,instruct)
exten => t,1,Goto(#,1)
`;
}

function demoPbxConf(runDir: string, sip: string): string {
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
sip = ${sip}

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
; Dial 600 for the echo test, 500 for the demo menu, 800 for the conference room
; (extensions.conf next to this file).
2000 = amber-kettle-42, Alice
2001 = velvet-harbor-17, Bob
; A third field gives the mailbox an email address:  2000 = amber-kettle-42, Alice, alice@example.com

[voicemail]
; Voicemail PINs. A box without a PIN opens only from its own phone, so nobody can guess
; their way in; a PIN lets you listen from any phone. It must not be guessable (at least
; 4 digits, no 1234 or 0000, not the extension) or the PBX refuses to start.
2000 = 739184
; Mail each new message (with the recording attached) through your mail server:
;   smtp = mail.example.com:587        (465 means TLS from the start)
;   smtpuser = pbx@example.com
;   smtppassword = <password>
;   serveremail = pbx@example.com      (the From address)

[analog]
; Analog ports: FXS ports take a phone, FXO ports take a line from the exchange.
; backend = sim simulates both inside the PBX (no hardware needed); try from the console:
;   pbx -rx "sim phone 1 offhook"   then   pbx -rx "sim phone 1 dial 2000"
;   pbx -rx 'sim line 2 ring 5551234 "JOHN DOE"'      and    pbx -rx "sim show"
; A real DAHDI card uses backend = dahdi: port numbers are then DAHDI channel numbers, set up
; by DAHDI's system.conf (fxoks for a phone port, fxsks for a line port) and dahdi_cfg.
backend = sim
fxs = 1
fxo = 2
; The phone on FXS port 1 is extension 2100.
1 = 2100
; Calls coming in on the line start at extension s of this context.
context = phones
`;
}
