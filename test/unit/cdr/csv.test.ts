/**
 * cdr_csv's line format: quoted text with doubled quotes, bare integers, `%Y-%m-%d %T` times,
 * empty answer for an unanswered call, the optional uniqueid and userfield columns; and the
 * manager's Cdr field names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvLine } from '../../../src/cdr/csv.ts';
import { cdrEventFields, emptyRecord, finishRecord, callerIdText } from '../../../src/cdr/record.ts';

function record() {
  const start = Date.UTC(2026, 0, 2, 3, 4, 5);
  const r = emptyRecord(start);
  Object.assign(r, { src: '2000', dst: '2001', dcontext: 'phones', clid: callerIdText('Joe "JB" Bloggs', '2000'), channel: 'SIP/2000-00000001', dstchannel: 'SIP/2001-00000002', lastapp: 'Dial', lastdata: 'SIP/2001,20', uniqueid: '1767323045.1', userfield: 'a,b' });
  r.answer = start + 2000;
  finishRecord(r, start + 12_500);
  return r;
}

test('Asterisk column order and quoting', () => {
  assert.equal(
    csvLine(record(), { utc: true, loguniqueid: false, loguserfield: false }),
    '"","2000","2001","phones","""Joe ""JB"" Bloggs"" <2000>","SIP/2000-00000001","SIP/2001-00000002","Dial","SIP/2001,20","2026-01-02 03:04:05","2026-01-02 03:04:07","2026-01-02 03:04:17",12,10,"ANSWERED","DOCUMENTATION"\n',
  );
  assert.match(csvLine(record(), { utc: true, loguniqueid: true, loguserfield: true }), /,"DOCUMENTATION","1767323045\.1","a,b"\n$/);
});

test('an unanswered call has an empty answer time and billsec 0', () => {
  const r = emptyRecord(Date.UTC(2026, 0, 2, 3, 4, 5));
  finishRecord(r, r.start + 5000);
  r.disposition = 'BUSY';
  assert.match(csvLine(r, { utc: true, loguniqueid: false, loguserfield: false }), /,"2026-01-02 03:04:05","","2026-01-02 03:04:10",5,0,"BUSY","DOCUMENTATION"\n$/);
});

test('the Cdr event fields carry the manager\'s names', () => {
  const f = cdrEventFields(record(), true);
  assert.deepEqual(Object.keys(f), ['AccountCode', 'Source', 'Destination', 'DestinationContext', 'CallerID', 'Channel', 'DestinationChannel', 'LastApplication', 'LastData', 'StartTime', 'AnswerTime', 'EndTime', 'Duration', 'BillableSeconds', 'Disposition', 'AMAFlags', 'UniqueID', 'UserField']);
  assert.equal(f.BillableSeconds, '10');
  assert.equal(f.Disposition, 'ANSWERED');
});
