/**
 * Fuzzing the checkpoint decoder: checkpoints our encoder writes (projections of random event
 * sequences), byte mutations of them, headers forging huge lengths, payload mutations resealed
 * with a correct length and CRC, and random bytes. decodeCheckpoint never throws; it returns the
 * checkpoint exactly for an intact one and null for anything the CRC-protected bytes say is
 * damaged; a resealed payload (a correct CRC over wrong content) returns null or the documented
 * shape. Through the CLI, a damaged checkpoint never changes what `status` says.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { segmentName } from '../../events/format.js';
import type { StoredEvent } from '../../events/types.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../projections/checkpoint.js';
import { fold, PROJECTION_VERSION } from '../../projections/index.js';
import { checkpointPath, loadProjections, saveProjections } from '../../src/persist/store.js';
import { randomBatches } from '../helpers/randomEvents.js';
import { writeScenario } from '../helpers/scenario.js';
import { tmpDir } from '../helpers/tmp.js';
import { CLI_CASES, CLI_JOBS, assertMix, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { INTERESTING_U32, mutate, randomBytes } from './mutate.js';
import { mulberry32, rngFrom, type Rng } from './prng.js';

const FILE = 'fuzz/checkpoint.test.js';
const MAGIC = Buffer.from('KSUCKPT\n');
const HEAD = 20;
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function checkpoint(r: Rng): Checkpoint {
  const events: StoredEvent[] = [];
  let seq = 1;
  for (const batch of randomBatches(r.u32(), r.int(60))) {
    for (const e of batch) events.push({ ...e, seq: seq++, at: 1.7e12 + seq * 1000, boot: `boot-${seq % 3}`, v: 1 } as unknown as StoredEvent);
  }
  const last = seq - 1;
  const seg = segmentName(1 + r.int(Math.max(1, last)));
  return {
    position: { seq: last, head: last ? r.bytes(32).toString('hex') : null, headSegment: last ? seg : null, headOffset: 64 + r.int(1 << 20), segment: last ? seg : null, offset: 64 + r.int(1 << 20) },
    projections: fold(events),
  };
}

/** The payload changed, then length and CRC made to match it again (what a CRC cannot catch). */
function reseal(b: Buffer, r: Rng): { bytes: Buffer; ops: string[] } {
  const m = mutate(b.subarray(HEAD), r, { maxSize: 1 << 20 });
  const head = Buffer.from(b.subarray(0, HEAD));
  head.writeUInt32LE(m.bytes.length, 12);
  head.writeUInt32LE(crc32(m.bytes), 16);
  return { bytes: Buffer.concat([head, m.bytes]), ops: ['reseal', ...m.ops] };
}

interface CpCase extends Case { original?: Buffer; value?: Checkpoint }

// Encodings to mutate, made once (a fold per case would dominate the run); valid cases are fresh.
const POOL = Array.from({ length: 48 }, (_, i) => encodeCheckpoint(checkpoint(rngFrom(mulberry32(500 + i)))));

function gen(r: Rng): CpCase {
  const k = r.int(100);
  if (k < 25) {
    const value = checkpoint(r);
    return { input: encodeCheckpoint(value), kind: 'valid', value };
  }
  if (k < 60) {
    const original = r.pick(POOL);
    const { bytes, ops } = mutate(original, r, { maxSize: 1 << 20 });
    return { input: bytes, kind: 'mutated', how: ops.join('+'), original };
  }
  if (k < 80) {
    const { bytes, ops } = reseal(r.pick(POOL), r);
    return { input: bytes, kind: 'resealed', how: ops.join('+') };
  }
  if (k < 88) {
    // A header claiming a huge payload (up to 4 GiB) over a short one.
    const head = Buffer.alloc(HEAD);
    MAGIC.copy(head);
    head.writeUInt32LE(r.chance(0.8) ? PROJECTION_VERSION : r.pick(INTERESTING_U32), 8);
    head.writeUInt32LE(r.pick(INTERESTING_U32), 12);
    head.writeUInt32LE(r.u32(), 16);
    return { input: Buffer.concat([head, r.bytes(r.size(256))]), kind: 'huge' };
  }
  return { input: randomBytes(r, [0, 8, 19, 20, 21]), kind: 'random' };
}

function check(c: CpCase): string {
  let out: Checkpoint | null;
  try {
    out = decodeCheckpoint(c.input);
  } catch (err) {
    throw new Error(`decodeCheckpoint threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  if (c.kind === 'valid') {
    assert.ok(out !== null, 'an intact checkpoint decodes');
    assert.equal(json(out), json(c.value), 'and decodes to what was encoded');
    return 'decoded';
  }
  if (c.kind === 'mutated' || c.kind === 'random' || c.kind === 'huge') {
    const intact = c.original !== undefined && c.input.equals(c.original);
    if (!intact) assert.is(out, null, 'damaged bytes decode to null');
    return out ? 'decoded' : 'null';
  }
  // Resealed: the CRC cannot tell; the shape check is all there is.
  if (out === null) return 'null';
  assert.type(out.position, 'object');
  assert.type(out.position.seq, 'number');
  assert.ok(out.projections.lifecycle && out.projections.history && out.projections.node, 'the documented shape');
  return 'resealed and decoded';
}

test(`checkpoint: decodeCheckpoint on ${process.env.FUZZ_CASES ?? 10000} inputs`, () => {
  const stats = runFuzz<CpCase>({ name: 'checkpoint', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'resealed', 'huge', 'random']);
});

test(`checkpoint: ${CLI_CASES} damaged checkpoints through the CLI: status is what the log alone says`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => {
    const root = tmpDir('ksu-fuzz-cp-');
    const dataDir = join(root, 'var/lib/kubesolo/update');
    mkdirSync(dataDir, { recursive: true });
    writeScenario(join(dataDir, 'events'));
    return { root, dataDir };
  });
  // The checkpoint a writer would leave, and status with no checkpoint at all.
  const loaded = loadProjections(lanes[0].dataDir);
  saveProjections(lanes[0].dataDir, join(tmpDir(), 'state.json'), loaded, 0);
  const real = readFileSync(checkpointPath(lanes[0].dataDir));
  assert.ok(decodeCheckpoint(real), 'the real checkpoint decodes');
  rmSync(checkpointPath(lanes[0].dataDir));
  const baseline = await runCli(['--root', lanes[0].root, 'status', '--json']);
  assert.is(baseline.code, 0, baseline.stderr);
  await runCliCases('checkpoint', FILE, CLI_CASES, async (r, _index, lane) => {
    const input = r.chance(0.8) ? mutate(real, r).bytes : randomBytes(r, [20]);
    writeFileSync(checkpointPath(lanes[lane].dataDir), input);
    const res = await runCli(['--root', lanes[lane].root, 'status', '--json']);
    withInput(input, () => {
      assert.is(res.code, 0, res.stderr);
      assert.is(res.stderr.replace(/^kubesolo-update: status: warning: .*\n/gm, ''), '', `nothing but warnings on stderr: ${res.stderr}`);
      assert.is(res.stdout.split(lanes[lane].root).join('ROOT'), baseline.stdout.split(lanes[0].root).join('ROOT'), 'status as if there were no checkpoint');
    });
  });
});

test.run();
