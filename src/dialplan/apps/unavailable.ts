/**
 * Applications Asterisk users write that need features this PBX does not have yet. They are
 * registered (so `core show applications` lists them and the parser does not call them
 * unknown) with an `unavailable` reason: `pbx check` and `dialplan reload` report it as an
 * error, and a call that reaches one is hung up with that reason logged, never a silent success.
 */
import type { DialplanApplication } from '../types.ts';

const LATER: { name: string; synopsis: string; syntax: string; needs: string }[] = [
  { name: 'Directory', synopsis: 'Provide directory of voicemail extensions', syntax: 'Directory([vm-context][,dial-context[,options]])', needs: 'the dial-by-name directory' },
  { name: 'Queue', synopsis: 'Queue a call for a call queue', syntax: 'Queue(queuename[,options[,URL[,announceoverride[,timeout[,AGI[,macro[,gosub[,rule]]]]]]]])', needs: 'call queues' },
  { name: 'AddQueueMember', synopsis: 'Dynamically adds queue members', syntax: 'AddQueueMember(queuename[,interface[,penalty[,options[,membername]]]])', needs: 'call queues' },
  { name: 'RemoveQueueMember', synopsis: 'Dynamically removes queue members', syntax: 'RemoveQueueMember(queuename[,interface[,options]])', needs: 'call queues' },
  { name: 'ConfBridge', synopsis: 'Conference bridge application', syntax: 'ConfBridge(confno[,options])', needs: 'conferences' },
  { name: 'Page', synopsis: 'Pages phones', syntax: 'Page(Technology/Resource[&Technology2/Resource2[&...]][,options[,timeout]])', needs: 'conferences' },
  { name: 'PickupChan', synopsis: 'Pickup a ringing channel', syntax: 'PickupChan(channel[&channel...])', needs: 'call pickup' },
  { name: 'ChanSpy', synopsis: 'Listen to a channel, and optionally whisper into it', syntax: 'ChanSpy([chanprefix][,options])', needs: 'channel spying' },
  { name: 'MixMonitor', synopsis: 'Record a call and mix the audio during the recording', syntax: 'MixMonitor(filename.extension[,options[,command]])', needs: 'call recording' },
  { name: 'Monitor', synopsis: 'Monitor a channel', syntax: 'Monitor([file_format[:urlbase],[fname_base],[options]])', needs: 'call recording' },
  { name: 'Festival', synopsis: 'Say text to the user', syntax: 'Festival(text[,intkeys])', needs: 'text to speech' },
  { name: 'DISA', synopsis: 'Direct Inward System Access', syntax: 'DISA(passcode|filename[,context[,cid[,mailbox[@context][,options]]]])', needs: 'DISA' },
  { name: 'Authenticate', synopsis: 'Authenticate a user', syntax: 'Authenticate(password[,options[,maxdigits[,prompt]]])', needs: 'authentication prompts' },
  { name: 'SendDTMF', synopsis: 'Sends arbitrary DTMF digits', syntax: 'SendDTMF(digits[,timeout_ms])', needs: 'DTMF sending from the dialplan' },
  { name: 'Transfer', synopsis: 'Transfer caller to remote extension', syntax: 'Transfer([Tech/]dest[,options])', needs: 'SIP transfer (REFER)' },
];

export function unavailableApplications(): DialplanApplication[] {
  return LATER.map((a) => {
    const reason = `needs ${a.needs} (not available yet)`;
    return {
      name: a.name,
      synopsis: a.synopsis,
      syntax: a.syntax,
      description: `Not available in this PBX yet: it ${reason.replace(/^needs/, 'needs')}. A dialplan using it is reported by \`pbx check\`; a call reaching it is hung up.`,
      unavailable: reason,
      async run() {
        return { kind: 'hangup' as const };
      },
    };
  });
}
