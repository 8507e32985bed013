import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getSystemValue, setSystemValues } from '../../../src/menu/conf-edit.ts';

const SAMPLE = `; my PBX, edited by hand
[system]
hostname = office   ; the name on the LAN
lan = dhcp
;gateway = 192.168.1.1
country = fr

[phones]
2000 = secret-2000, Joe ; desk
`;

describe('pbx.conf [system] editing', () => {
  test('reads the value the runtime would read: last one wins, comments stripped, other sections ignored', () => {
    assert.equal(getSystemValue(SAMPLE, 'hostname'), 'office');
    assert.equal(getSystemValue(SAMPLE, 'gateway'), undefined, 'a commented-out line is not a value');
    assert.equal(getSystemValue(SAMPLE, '2000'), undefined, '[phones] entries are not [system] keys');
    assert.equal(getSystemValue('[system]\nlan = dhcp\nlan = 10.0.0.2/8\n', 'lan'), '10.0.0.2/8');
    assert.equal(getSystemValue('[System]\nLAN => dhcp\n', 'lan'), 'dhcp');
  });

  test('changing a value keeps its spacing and trailing comment, and every other line byte for byte', () => {
    const out = setSystemValues(SAMPLE, { hostname: 'pbx1' });
    assert.equal(out, SAMPLE.replace('hostname = office   ;', 'hostname = pbx1   ;'));
  });

  test('a new key goes right after its commented-out example', () => {
    const out = setSystemValues(SAMPLE, { gateway: '192.168.1.254' });
    assert.match(out, /;gateway = 192\.168\.1\.1\ngateway = 192\.168\.1\.254\ncountry = fr\n/);
  });

  test('a new key without an example goes at the end of [system], before the blank line and the next section', () => {
    const out = setSystemValues(SAMPLE, { syslog: '10.0.0.9:514' });
    assert.match(out, /country = fr\nsyslog = 10\.0\.0\.9:514\n\n\[phones\]/);
  });

  test('null removes the key, duplicates included; the rest stays', () => {
    const text = '[system]\nlan = 10.0.0.2/24\ndns = 1.1.1.1\ngateway = 10.0.0.1\ndns = 9.9.9.9\n';
    assert.equal(setSystemValues(text, { dns: null, gateway: null, lan: 'dhcp' }), '[system]\nlan = dhcp\n');
  });

  test('when a key appears twice the first line takes the value and the later duplicate goes', () => {
    const out = setSystemValues('[system]\nlan = dhcp\nlan = 1.2.3.4/24\n', { lan: '10.1.1.1/24' });
    assert.equal(out, '[system]\nlan = 10.1.1.1/24\n');
    assert.equal(getSystemValue(out, 'lan'), '10.1.1.1/24');
  });

  test('a file without [system] gets one in front of its first section; an empty file gets one', () => {
    assert.equal(setSystemValues('; hi\n[phones]\n2000 = x\n', { lan: 'dhcp' }), '; hi\n[system]\nlan = dhcp\n\n[phones]\n2000 = x\n');
    assert.equal(setSystemValues('', { lan: 'dhcp' }), '[system]\nlan = dhcp\n');
  });

  test('CRLF line ends from a Windows editor are kept, new lines included', () => {
    const out = setSystemValues('[system]\r\nlan = dhcp\r\n', { lan: '10.0.0.2/24', dns: '10.0.0.1' });
    assert.equal(out, '[system]\r\nlan = 10.0.0.2/24\r\ndns = 10.0.0.1\r\n');
  });

  test('lines inside a block comment are not touched', () => {
    const text = '[system]\n;--\nlan = 1.1.1.1/24\n--;\nlan = dhcp\n';
    assert.equal(getSystemValue(text, 'lan'), 'dhcp');
    assert.equal(setSystemValues(text, { lan: '10.0.0.2/24' }), '[system]\n;--\nlan = 1.1.1.1/24\n--;\nlan = 10.0.0.2/24\n');
  });

  test('a value that would end the line or start a comment is refused', () => {
    assert.throws(() => setSystemValues(SAMPLE, { hostname: 'a;b' }), /may not contain/);
    assert.throws(() => setSystemValues(SAMPLE, { hostname: 'a\nlan = 1.2.3.4/8' }), /may not contain/);
  });
});
