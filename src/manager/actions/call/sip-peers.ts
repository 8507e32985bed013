/**
 * chan_sip's manager actions: SIPpeers (a PeerEntry event per peer, then PeerlistComplete),
 * SIPshowpeer (one peer's settings in the response), SIPshowregistry (a RegistryEntry per
 * outbound registration, then RegistrationsComplete). Field names and spellings are
 * chan_sip's (`Y`/`N` in SIPshowpeer, `yes`/`no` in PeerEntry), since panels parse them.
 */
import type { AmiAction, AmiFields } from '../../action.ts';
import { failure, listResponse, success, withHeaders } from '../reply.ts';
import type { CallActionDeps, SipPeerDetail, SipPeerSummary, SipRegistrySummary } from './types.ts';

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const yn = (b: boolean): string => (b ? 'Y' : 'N');

export function peerEntryFields(p: SipPeerSummary): AmiFields {
  return [
    ['Channeltype', 'SIP'],
    ['ObjectName', p.name],
    ['ChanObjectType', 'peer'],
    ['IPaddress', p.address ?? '-none-'],
    ['IPport', String(p.address === undefined ? 0 : p.port)],
    ['Dynamic', yesNo(p.dynamic)],
    ['AutoForcerport', 'no'],
    ['Forcerport', yesNo(p.nat)],
    ['AutoComedia', 'no'],
    ['Comedia', yesNo(p.nat)],
    ['VideoSupport', 'no'],
    ['TextSupport', 'no'],
    ['ACL', yesNo(p.acl)],
    ['Status', p.status],
    ['RealtimeDevice', 'no'],
    ['Description', p.description],
  ];
}

export const sipPeersAction: AmiAction<CallActionDeps> = {
  name: 'SIPpeers',
  privilege: 'system',
  synopsis: 'List SIP peers (text format)',
  run: (_request, _session, deps) => listResponse('Peer status list will follow', 'PeerEntry', deps.sipPeers().map(peerEntryFields), 'PeerlistComplete'),
};

export function showPeerFields(p: SipPeerDetail): AmiFields {
  const cid = p.callerId ? `"${p.callerId.name ?? ''}" <${p.callerId.number ?? ''}>` : '';
  return [
    ['Channeltype', 'SIP'],
    ['ObjectName', p.name],
    ['ChanObjectType', 'peer'],
    ['SecretExist', yn(p.secretSet)],
    ['RemoteSecretExist', 'N'],
    ['MD5SecretExist', yn(p.md5SecretSet)],
    ['Context', p.context],
    ['Language', p.language],
    ['Accountcode', p.accountCode],
    ['AMAflags', 'Unknown'],
    ['Callgroup', p.callGroup],
    ['Pickupgroup', p.pickupGroup],
    ['MOHSuggest', p.mohSuggest],
    ['VoiceMailbox', p.voiceMailbox],
    ['TransferMode', p.transfer ? 'open' : 'closed'],
    ['Call-limit', String(p.callLimit ?? 0)],
    ['Dynamic', yn(p.dynamic)],
    ['Callerid', cid],
    ['SIP-Forcerport', yn(p.nat)],
    ['SIP-Comedia', yn(p.nat)],
    ['ACL', yn(p.acl)],
    ['SIP-CanReinvite', 'N'],
    ['SIP-DirectMedia', 'N'],
    ['SIP-DTMFmode', 'rfc2833'],
    ['ToHost', p.dynamic ? '' : (p.address ?? '')],
    ['Address-IP', p.address ?? '(null)'],
    ['Address-Port', String(p.address === undefined ? 0 : p.port)],
    ['Default-Username', p.defaultUser],
    ['FromUser', p.fromUser],
    ['FromDomain', p.fromDomain],
    ['Codecs', `(${p.codecs.join('|')})`],
    ['Status', p.status],
    ['SIP-Useragent', p.userAgent],
    ['Reg-Contact', p.regContact],
    ['QualifyFreq', `${p.qualifyFreq} ms`],
    ['Description', p.description],
  ];
}

export const sipShowPeerAction: AmiAction<CallActionDeps> = {
  name: 'SIPshowpeer',
  privilege: 'system',
  synopsis: 'Show SIP peer (text format)',
  run: withHeaders(
    [['Peer', 'Peer: <name> missing.']],
    ([name], _request, _session, deps) => {
      const peer = deps.sipPeer(name);
      return peer ? success(undefined, showPeerFields(peer)) : failure(`Peer ${name} not found.`);
    },
    'trimmed',
  ),
};

export const sipShowRegistryAction: AmiAction<CallActionDeps> = {
  name: 'SIPshowregistry',
  privilege: 'system',
  synopsis: 'Show SIP registrations (text format)',
  run: (_request, _session, deps) => listResponse('Registrations will follow', 'RegistryEntry', deps.sipRegistry().map(registryEntryFields), 'RegistrationsComplete'),
};

export function registryEntryFields(r: SipRegistrySummary): AmiFields {
  return [
    ['Host', r.host],
    ['Port', String(r.port)],
    ['Username', r.username],
    ['Domain', r.domain],
    ['DomainPort', String(r.domainPort)],
    ['Refresh', String(r.refresh)],
    ['State', r.state],
    ['RegistrationTime', String(r.registeredAt === undefined ? 0 : Math.floor(r.registeredAt / 1000))],
  ];
}
