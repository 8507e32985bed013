/**
 * The plain data of a channel (src/channels/channel.ts) for the fake legs of bridge and feature
 * tests: an answered inbound SIP channel in ulaw, bridged to nothing, at `context`/`exten`. The
 * fake adds what it is about: rtp, media and the hangup hooks.
 */
export function upChannelData(name: string, context: string, exten: string) {
  return {
    name,
    tech: 'SIP',
    direction: 'inbound',
    state: 'Up',
    callerId: {},
    context,
    exten,
    application: '',
    appData: '',
    format: 'ulaw',
    bridgedTo: undefined as string | undefined,
    variables: new Map<string, string>(),
    createdAt: 0,
  };
}
