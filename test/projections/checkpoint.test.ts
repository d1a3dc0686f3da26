/**
 * Checkpoint + tail must give exactly what a full replay gives, for any event sequence; and a
 * checkpoint that does not match the log (damaged, another version, ahead of a truncated or
 * edited log) is ignored, never trusted.
 */
import { readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogWriter } from '../../events/writer.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../projections/checkpoint.js';
import { fold } from '../../projections/index.js';
import { checkpointPath, loadProjections, saveProjections } from '../../src/persist/store.js';
import { LogCursor } from '../../events/cursor.js';
import { randomBatches, rng } from '../helpers/randomEvents.js';
import { tmpDir } from '../helpers/tmp.js';

const SEEDS = Number(process.env.PROPERTY_SEEDS ?? 150);
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function writeBatches(eventsDir: string, batches: ReturnType<typeof randomBatches>, t0 = 1_790_000_000_000): void {
  let t = t0;
  const w = LogWriter.open(eventsDir, { clock: () => (t += 1000), bootId: 'b', segmentBytes: 2048 });
  for (const b of batches) w.append(b);
  w.close();
}

test(`${SEEDS} random sequences: checkpoint at a random point + tail == full replay (pure and on disk)`, () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = rng(seed * 7919);
    const batches = randomBatches(seed, 5 + r(120));
    const k = r(batches.length + 1);
    const dataDir = tmpDir('ksu-cp-');
    const eventsDir = join(dataDir, 'events');
    writeBatches(eventsDir, batches.slice(0, k));
    const first = loadProjections(dataDir);
    saveProjections(dataDir, join(dataDir, 'state.json'), first, 0);
    writeBatches(eventsDir, batches.slice(k), 1_800_000_000_000);
    const resumed = loadProjections(dataDir);
    const full = loadProjections(dataDir, { ignoreCheckpoint: true });
    const label = `seed ${seed} (split ${k}/${batches.length})`;
    assert.is(resumed.checkpointIgnored, null, label);
    assert.is(resumed.replayed, full.replayed - first.position.seq, `${label}: only the tail replayed`);
    assert.equal(json(resumed.projections), json(full.projections), label);
    assert.equal(resumed.position, full.position, label);
    // The same, purely: the checkpoint's encoding round-trips what the fold needs.
    const all = new LogCursor(eventsDir).poll();
    const cp = decodeCheckpoint(encodeCheckpoint({ position: first.position, projections: fold(all.slice(0, first.position.seq)) }));
    assert.equal(json(fold(all.slice(first.position.seq), cp!.projections)), json(fold(all)), label);
  }
});

function withCheckpoint() {
  const dataDir = tmpDir('ksu-cp-');
  writeBatches(join(dataDir, 'events'), randomBatches(4242, 60));
  const loaded = loadProjections(dataDir);
  saveProjections(dataDir, join(dataDir, 'state.json'), loaded, 0);
  return { dataDir, loaded };
}

test('a damaged checkpoint is ignored and the log replayed', () => {
  const { dataDir, loaded } = withCheckpoint();
  const bytes = readFileSync(checkpointPath(dataDir));
  bytes[bytes.length - 5] ^= 0x40;
  writeFileSync(checkpointPath(dataDir), bytes);
  const again = loadProjections(dataDir);
  assert.match(String(again.checkpointIgnored), 'damaged');
  assert.equal(json(again.projections), json(loaded.projections));
});

test('a checkpoint of another projection version is ignored', () => {
  const { dataDir } = withCheckpoint();
  const bytes = readFileSync(checkpointPath(dataDir));
  bytes.writeUInt32LE(bytes.readUInt32LE(8) + 1, 8);
  writeFileSync(checkpointPath(dataDir), bytes);
  assert.match(String(loadProjections(dataDir).checkpointIgnored), 'another version');
});

test('a checkpoint ahead of a truncated log is ignored; the projections are those of what is left', () => {
  const { dataDir, loaded } = withCheckpoint();
  const segs = new LogCursor(join(dataDir, 'events'));
  segs.poll();
  const pos = loaded.position;
  truncateSync(join(dataDir, 'events', pos.headSegment!), pos.headOffset);
  const again = loadProjections(dataDir);
  assert.match(String(again.checkpointIgnored), 'truncated or edited');
  assert.ok(again.position.seq < pos.seq);
  assert.equal(json(again.projections), json(loadProjections(dataDir, { ignoreCheckpoint: true }).projections));
});

test('a checkpoint whose head record was edited (CRC fixed up or not) is ignored', () => {
  const { dataDir, loaded } = withCheckpoint();
  const path = join(dataDir, 'events', loaded.position.headSegment!);
  const bytes = readFileSync(path);
  bytes[loaded.position.headOffset + 50] ^= 0x01;
  writeFileSync(path, bytes);
  assert.ok(statSync(path).size > 0);
  assert.match(String(loadProjections(dataDir).checkpointIgnored), 'truncated or edited');
});

test.run();
