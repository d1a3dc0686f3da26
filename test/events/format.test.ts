import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  FRAME_OVERHEAD, HEADER_SIZE, MAX_PAYLOAD, decodeHeader, decodePayload, encodeFrame, encodeHeader,
  encodePayload, frameCrc, parseSegmentName, segmentName,
} from '../../events/format.js';
import { Packr } from 'msgpackr';
import { crc32 } from 'node:zlib';

test('segment names are the base seq in 20 digits and parse back', () => {
  assert.is(segmentName(1), '00000000000000000001.seg');
  assert.is(parseSegmentName(segmentName(4711)), 4711);
  assert.is(parseSegmentName('00000000000000000001.seg.tmp'), null);
  assert.is(parseSegmentName('00000000000000000000.seg'), null);
  assert.is(parseSegmentName('lock'), null);
});

test('a header round-trips, and any flipped byte is refused with a reason', () => {
  const prev = Buffer.alloc(32, 7);
  const h = encodeHeader({ baseSeq: 123, prevHash: prev });
  assert.is(h.length, HEADER_SIZE);
  const d = decodeHeader(h);
  assert.ok(!('error' in d));
  if (!('error' in d)) { assert.is(d.baseSeq, 123); assert.ok(d.prevHash.equals(prev)); }
  for (let i = 0; i < HEADER_SIZE; i++) {
    const bad = Buffer.from(h);
    bad[i] ^= 0x01;
    assert.ok('error' in decodeHeader(bad), `byte ${i}`);
  }
  assert.equal(decodeHeader(h.subarray(0, 10)), { error: 'truncated segment header' });
});

test('a frame is marker, CRC, length, previous hash, payload; the CRC covers all after it', () => {
  const payload = encodePayload({ seq: 1, at: 5, boot: 'b', events: [{ type: 'OperatorNote', v: 1, data: { text: 'hi' } }] });
  const prev = Buffer.alloc(32, 0xab);
  const frame = encodeFrame(payload, prev);
  assert.is(frame.length, FRAME_OVERHEAD + payload.length);
  assert.equal([...frame.subarray(0, 4)], [0xc1, 0x4b, 0x53, 0x55]);
  assert.is(frame.readUInt32LE(8), payload.length);
  assert.ok(frame.subarray(12, 44).equals(prev));
  assert.is(frame.readUInt32LE(4), crc32(frame.subarray(8)));
  assert.is(frame.readUInt32LE(4), frameCrc(frame, 0, payload.length));
  const back = decodePayload(frame, FRAME_OVERHEAD);
  assert.ok(!('error' in back));
  if (!('error' in back)) assert.equal(back.events, [{ type: 'OperatorNote', v: 1, data: { text: 'hi' } }]);
});

test('payloads are plain MessagePack maps any library can read (no msgpackr records)', () => {
  const payload = encodePayload({ seq: 9, at: 5, boot: 'b', events: [{ type: 'OperatorNote', v: 1, data: { text: 'x', nothing: undefined } }] });
  assert.is(payload[0] & 0xf0, 0x80, 'fixmap');
  const other = new Packr({ useRecords: false, mapsAsObjects: true }).unpack(payload);
  assert.is(other.seq, 9);
  assert.equal(other.events[0].data, { text: 'x' }, 'undefined fields are left out, as JSON does');
});

test('decodePayload names what is wrong instead of throwing', () => {
  const p = new Packr({ useRecords: false });
  const enc = (x: unknown) => Buffer.from(p.pack(x));
  const ok = { seq: 1, at: 1, boot: 'b', events: [{ type: 'T', v: 1, data: {} }] };
  assert.equal(decodePayload(Buffer.from([0x85, 0xa3])), { error: 'undecodable payload' });
  assert.ok('error' in decodePayload(Buffer.from([0xc1])), 'the never-used byte');
  assert.equal(decodePayload(enc([1, 2])), { error: 'payload is not a map' });
  assert.equal(decodePayload(enc({ ...ok, seq: 0 })), { error: 'bad seq in payload' });
  assert.equal(decodePayload(enc({ ...ok, at: 'soon' })), { error: 'bad time in payload' });
  assert.equal(decodePayload(enc({ ...ok, events: [] })), { error: 'bad event list in payload' });
  assert.equal(decodePayload(enc({ ...ok, events: [{ type: 'T', v: 1, data: 5 }] })), { error: 'bad event in payload' });
  assert.equal(decodePayload(enc({ ...ok, events: [{ type: 'T', v: 0, data: {} }] })), { error: 'bad event in payload' });
  assert.ok(!('error' in decodePayload(enc(ok))));
});

test('the payload cap is one MiB', () => {
  assert.is(MAX_PAYLOAD, 1024 * 1024);
});

test.run();
