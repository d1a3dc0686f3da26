import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FRAME_MARKER, ZERO_HASH, encodeFrame, encodePayload } from '../../events/format.js';
import { bufferSource, scanFrames, type ScanItem } from '../../events/scan.js';

function frame(i: number): Buffer {
  return encodeFrame(encodePayload({ seq: i, at: i, boot: 'b', events: [{ type: 'OperatorNote', v: 1, data: { text: `n${i}` } }] }), ZERO_HASH);
}

function scan(buf: Buffer): ScanItem[] {
  return [...scanFrames(bufferSource(buf), 0)];
}

const kinds = (items: ScanItem[]) => items.map((i) => i.kind);

test('clean frames come back in order with their offsets', () => {
  const frames = [frame(1), frame(2), frame(3)];
  const items = scan(Buffer.concat(frames));
  assert.equal(kinds(items), ['frame', 'frame', 'frame']);
  assert.is(items[1].offset, frames[0].length);
});

test('an incomplete last frame is a tail, not a skip', () => {
  const a = frame(1), b = frame(2);
  for (let cut = 1; cut < b.length; cut++) {
    const items = scan(Buffer.concat([a, b.subarray(0, cut)]));
    assert.equal(kinds(items), ['frame', 'tail'], `cut ${cut}`);
    assert.is(items[1].offset, a.length);
    assert.is((items[1] as { bytes: number }).bytes, cut);
  }
});

test('a damaged frame with a valid one after it is skipped, naming the reason', () => {
  const a = frame(1), b = frame(2), c = frame(3);
  const bad = Buffer.from(b);
  bad[bad.length - 1] ^= 0xff;
  const items = scan(Buffer.concat([a, bad, c]));
  assert.equal(kinds(items), ['frame', 'skip', 'frame']);
  assert.is((items[1] as { reason: string }).reason, 'checksum mismatch');
  assert.is((items[1] as { bytes: number }).bytes, b.length);
});

test('a length past the cap is refused before anything is allocated for it', () => {
  const a = frame(1);
  const bad = Buffer.from(frame(2));
  bad.writeUInt32LE(0xffffffff, 8);
  const items = scan(Buffer.concat([a, bad, frame(3)]));
  assert.equal(kinds(items), ['frame', 'skip', 'frame']);
  assert.is((items[1] as { reason: string }).reason, 'bad record length');
});

test('garbage between frames is skipped, garbage at the end is a tail', () => {
  const junk = Buffer.from('not a frame at all, just text');
  assert.equal(kinds(scan(Buffer.concat([frame(1), junk, frame(2)]))), ['frame', 'skip', 'frame']);
  assert.equal(kinds(scan(Buffer.concat([frame(1), junk]))), ['frame', 'tail']);
  assert.equal(kinds(scan(Buffer.alloc(4096))), ['tail'], 'an all-zero block');
});

test('random bytes never throw and always account for every byte', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let n = 0; n < 2000; n++) {
    const len = Math.floor(rnd() * 600);
    const buf = Buffer.alloc(len);
    for (let i = 0; i < len; i++) buf[i] = rnd() < 0.05 ? FRAME_MARKER[i % 4] : Math.floor(rnd() * 256);
    const items = scan(buf);
    const covered = items.reduce((s, it) => s + it.bytes, 0);
    assert.is(covered, len, `seed run ${n}`);
  }
});

test('forged markers claiming the largest length cannot make a scan hang', () => {
  // 8 MiB of marker + any CRC + 1 MiB length every 12 bytes: each candidate would cost a 1 MiB CRC without the budget.
  const unit = Buffer.concat([FRAME_MARKER, Buffer.from([1, 2, 3, 4]), Buffer.from([0x00, 0x00, 0x10, 0x00])]);
  const hostile = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i + 12 <= hostile.length; i += 12) unit.copy(hostile, i);
  // The resync budget bounds the work; without it this test would not finish.
  assert.equal(kinds(scan(hostile)), ['tail']);
});

test.run();
