import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipError } from '../../../src/core/errors.ts';
import {
  combineDirections,
  createOffer,
  mediaDirection,
  negotiateAnswer,
  parseAnswer,
  parseSdp,
  rtpMaps,
  serializeSdp,
} from '../../../src/sip/sdp/index.ts';
import type { SessionDescription } from '../../../src/sip/sdp/index.ts';

const OURS = { address: '203.0.113.1', port: 20000, sessionId: '1700000000', sessionVersion: 1 };

function sdp(lines: string[]): SessionDescription {
  return parseSdp(lines.join('\r\n') + '\r\n');
}

function is488(fault: string) {
  return (e: unknown) => e instanceof SipError && e.status === 488 && e.reason.includes(fault);
}

describe('createOffer', () => {
  test('codecs in allow order, telephone-event 101, ptime and direction, exact text', () => {
    const offer = createOffer({ ...OURS, codecs: ['alaw', 'g729', 'ulaw'], telephoneEvent: true });
    assert.equal(
      serializeSdp(offer),
      [
        'v=0',
        'o=pbx 1700000000 1 IN IP4 203.0.113.1',
        's=pbx',
        'c=IN IP4 203.0.113.1',
        't=0 0',
        'm=audio 20000 RTP/AVP 8 0 101',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-16',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  test('hold offer (sendonly), another event type, none, IPv6', () => {
    const hold = createOffer({ ...OURS, codecs: ['ulaw'], direction: 'sendonly', telephoneEvent: 96 });
    assert.equal(mediaDirection(hold, hold.media[0]!), 'sendonly');
    assert.deepEqual(hold.media[0]!.formats, ['0', '96']);
    assert.deepEqual(createOffer({ ...OURS, codecs: ['ulaw'], telephoneEvent: false }).media[0]!.formats, ['0']);
    const v6 = createOffer({ ...OURS, address: '2001:db8::1', codecs: ['ulaw'] });
    assert.ok(serializeSdp(v6).includes('c=IN IP6 2001:db8::1\r\n'));
  });

  test('no codec we can do: 488', () => {
    assert.throws(() => createOffer({ ...OURS, codecs: ['g729', 'gsm'] }), is488('no supported codec'));
  });
});

describe('negotiateAnswer', () => {
  const offer = sdp([
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.5',
    's=-',
    'c=IN IP4 192.0.2.5',
    't=0 0',
    'm=audio 4000 RTP/AVP 0 8 102',
    'a=rtpmap:102 telephone-event/8000',
    'a=fmtp:102 0-16',
    'a=ptime:30',
  ]);

  test('honours the offer\'s telephone-event number (102) in the answer', () => {
    const r = negotiateAnswer(offer, { ...OURS, allow: ['ulaw'] });
    assert.equal(r.telephoneEventPt, 102);
    assert.deepEqual(r.answer.media[0]!.formats, ['0', '102']);
    assert.equal(r.remotePtime, 30);
    assert.equal(r.ptime, 20);
  });

  test('allow order wins by default; preferOfferOrder picks the offer\'s first', () => {
    assert.equal(negotiateAnswer(offer, { ...OURS, allow: ['alaw', 'ulaw'] }).codec, 'alaw');
    assert.equal(negotiateAnswer(offer, { ...OURS, allow: ['alaw', 'ulaw'], preferOfferOrder: true }).codec, 'ulaw');
  });

  test('telephoneEvent: false leaves events out of the answer', () => {
    const r = negotiateAnswer(offer, { ...OURS, allow: ['ulaw'], telephoneEvent: false });
    assert.equal(r.telephoneEventPt, undefined);
    assert.deepEqual(r.answer.media[0]!.formats, ['0']);
  });

  test('our own hold combines with theirs: we sendonly + they sendrecv -> sendonly; they sendonly -> inactive', () => {
    assert.equal(negotiateAnswer(offer, { ...OURS, allow: ['ulaw'], direction: 'sendonly' }).direction, 'sendonly');
    const theirHold = sdp([...serializeSdp(offer).trim().split('\r\n'), 'a=sendonly']);
    const r = negotiateAnswer(theirHold, { ...OURS, allow: ['ulaw'], direction: 'sendonly' });
    assert.equal(r.direction, 'inactive');
    assert.equal(r.hold, true);
  });

  test('a codec on a dynamic payload type is answered with that type', () => {
    const dyn = sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.5', 's=-', 'c=IN IP4 192.0.2.5', 't=0 0', 'm=audio 4000 RTP/AVP 97', 'a=rtpmap:97 pcmu/8000']);
    const r = negotiateAnswer(dyn, { ...OURS, allow: ['ulaw'] });
    assert.equal(r.payloadType, 97);
    assert.ok(serializeSdp(r.answer).includes('a=rtpmap:97 PCMU/8000'));
  });

  test('a second audio stream is rejected with port 0, the first is used', () => {
    const two = sdp([
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.5',
      's=-',
      'c=IN IP4 192.0.2.5',
      't=0 0',
      'm=audio 4000 RTP/AVP 0',
      'm=audio 4002 RTP/AVP 8',
    ]);
    const r = negotiateAnswer(two, { ...OURS, allow: ['ulaw', 'alaw'] });
    assert.equal(r.mediaIndex, 0);
    assert.deepEqual(r.answer.media.map((m) => m.port), [20000, 0]);
  });

  test('a first stream with no common codec is skipped for a later one that has one', () => {
    const two = sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.5', 's=-', 'c=IN IP4 192.0.2.5', 't=0 0', 'm=audio 4000 RTP/AVP 18', 'm=audio 4002 RTP/AVP 8']);
    const r = negotiateAnswer(two, { ...OURS, allow: ['alaw'] });
    assert.equal(r.mediaIndex, 1);
    assert.deepEqual(r.answer.media.map((m) => m.port), [0, 20000]);
  });

  test('PCMU at 16 kHz or stereo is not our PCMU', () => {
    const odd = sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.5', 's=-', 'c=IN IP4 192.0.2.5', 't=0 0', 'm=audio 4000 RTP/AVP 96 97', 'a=rtpmap:96 PCMU/16000', 'a=rtpmap:97 PCMA/8000/2']);
    assert.throws(() => negotiateAnswer(odd, { ...OURS, allow: ['ulaw', 'alaw'] }), is488('no common codec'));
  });
});

describe('parseAnswer (outgoing calls)', () => {
  const offer = createOffer({ ...OURS, codecs: ['ulaw', 'alaw'] });

  test('takes the answerer\'s codec and its telephone-event number for sending', () => {
    const answer = sdp([
      'v=0',
      'o=phone 9 9 IN IP4 192.0.2.8',
      's=-',
      'c=IN IP4 192.0.2.8',
      't=0 0',
      'm=audio 5000 RTP/AVP 8 100',
      'a=rtpmap:100 telephone-event/8000',
      'a=sendrecv',
    ]);
    const r = parseAnswer(offer, answer);
    assert.equal(r.codec, 'alaw');
    assert.equal(r.payloadType, 8);
    assert.equal(r.telephoneEventPt, 100);
    assert.equal(r.receiveTelephoneEventPt, 101);
    assert.deepEqual(r.remote, { address: '192.0.2.8', port: 5000 });
    assert.deepEqual(r.remoteRtcp, { address: '192.0.2.8', port: 5001 });
    assert.equal(r.hold, false);
  });

  test('rejected stream, wrong m= count, foreign codec: 488 naming the fault', () => {
    const base = ['v=0', 'o=phone 9 9 IN IP4 192.0.2.8', 's=-', 'c=IN IP4 192.0.2.8', 't=0 0'];
    assert.throws(() => parseAnswer(offer, sdp([...base, 'm=audio 0 RTP/AVP 0'])), is488('rejected'));
    assert.throws(() => parseAnswer(offer, sdp([...base, 'm=audio 5000 RTP/AVP 0', 'm=video 0 RTP/AVP 96'])), is488('m= lines'));
    assert.throws(() => parseAnswer(offer, sdp([...base, 'm=audio 5000 RTP/AVP 18'])), is488('no common codec'));
  });

  test('an answer without telephone-event leaves DTMF off', () => {
    const r = parseAnswer(offer, sdp(['v=0', 'o=p 1 1 IN IP4 192.0.2.8', 's=-', 'c=IN IP4 192.0.2.8', 't=0 0', 'm=audio 5000 RTP/AVP 0']));
    assert.equal(r.telephoneEventPt, undefined);
  });
});

describe('parseSdp details', () => {
  test('LF line ends, blank lines, missing s= and t= are tolerated; serialisation fills them in', () => {
    const sd = parseSdp('v=0\no=- 1 1 IN IP4 192.0.2.1\n\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\n');
    assert.equal(sd.sessionName, '');
    assert.ok(serializeSdp(sd).includes('s=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n'));
  });

  test('static payload types without rtpmap are known; rtpmap overrides', () => {
    const sd = sdp(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0 8 18 96', 'a=rtpmap:96 telephone-event/8000']);
    assert.deepEqual(
      rtpMaps(sd.media[0]!).map((m) => `${m.payloadType} ${m.encoding}`),
      ['0 PCMU', '8 PCMA', '18 G729', '96 telephone-event'],
    );
  });

  test('multicast connection suffixes, r= lines and unknown attributes survive a round trip', () => {
    const text = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=x', 'i=info', 'c=IN IP4 233.252.0.1/127/2', 'b=AS:64', 't=0 0', 'r=7d 1h 0 25h', 'a=tool:x', 'm=audio 4000/2 RTP/AVP 0', 'i=m', 'a=x-custom', ''].join('\r\n');
    assert.equal(serializeSdp(parseSdp(text)), text);
  });

  test('combineDirections is the intersection of send and receive', () => {
    assert.equal(combineDirections('sendrecv', 'sendonly'), 'sendonly');
    assert.equal(combineDirections('recvonly', 'sendonly'), 'inactive');
    assert.equal(combineDirections('recvonly', 'sendrecv'), 'recvonly');
  });

  test('limits: too many m= lines, a long line, a big body are 400s naming the limit', () => {
    const head = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0'];
    const many = [...head, ...Array.from({ length: 17 }, () => 'm=audio 4000 RTP/AVP 0')].join('\r\n');
    assert.throws(() => parseSdp(many), (e: unknown) => e instanceof SipError && e.status === 400 && e.reason.includes('m= lines'));
    assert.throws(() => parseSdp([...head, 'a=x:' + 'y'.repeat(3000)].join('\r\n')), (e: unknown) => e instanceof SipError && e.reason.includes('longer than'));
    assert.throws(() => parseSdp('v=0\r\n' + 'a=x\r\n'.repeat(5000)), (e: unknown) => e instanceof SipError && e.reason.includes('larger than'));
  });
});
