/**
 * The manager's call-control actions (Asterisk's manager.c and chan_sip's manager actions):
 * Originate, Redirect, SIPpeers, SIPshowpeer, SIPshowregistry, ExtensionState, MailboxCount and
 * MailboxStatus. They parse and answer in Asterisk's words; what they do to the PBX goes through
 * `CallActionDeps` (types.ts), which the runtime fills in (runtime/manager-call-deps.ts).
 */
import type { AmiAction } from '../../action.ts';
import type { CallActionDeps } from './types.ts';
import { originateAction } from './originate.ts';
import { redirectAction } from './redirect.ts';
import { sipPeersAction, sipShowPeerAction, sipShowRegistryAction } from './sip-peers.ts';
import { extensionStateAction } from './extension-state.ts';
import { mailboxCountAction, mailboxStatusAction } from './mailbox.ts';

export * from './types.ts';

export function callActions(): AmiAction<CallActionDeps>[] {
  return [
    originateAction,
    redirectAction,
    sipPeersAction,
    sipShowPeerAction,
    sipShowRegistryAction,
    extensionStateAction,
    mailboxCountAction,
    mailboxStatusAction,
  ];
}
