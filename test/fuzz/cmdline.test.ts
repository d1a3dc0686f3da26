/**
 * Fuzzing the kernel command line: the lines deploy/grub/grub.cfg boots with (as the kernel shows
 * them in /proc/cmdline), other loaders' root=LABEL=KSOLOx forms, mutations, long lines and random
 * bytes. bootedSlot never throws and returns A, B or null; it reads a line our GRUB config wrote
 * as that slot, and adding an unrelated word never changes its answer. Through the CLI, `status`
 * shows the same booted slot for a garbage /proc/cmdline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootedSlot } from '../../src/boot/cmdline.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { CLI_CASES, CLI_JOBS, assertCliOutcome, assertMix, runCli, runCliCases, runFuzz, withInput, type Case } from './harness.js';
import { mutate, randomBytes, randomText } from './mutate.js';
import type { Rng } from './prng.js';

const FILE = 'fuzz/cmdline.test.js';
const GRUB_CFG = fileURLToPath(new URL('../../../deploy/grub/grub.cfg', import.meta.url));
/** The argument lists of grub.cfg's `linux /vmlinuz …` lines. */
const LINUX_LINES = readFileSync(GRUB_CFG, 'utf8').split('\n').map((l) => /^\s*linux\s+(\/\S+)\s+(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m![1], m![2]] as const);
const DICT = ['kubesolo.slot=', 'kubesolo.slot=A', 'kubesolo.slot=B', 'KSOLOA', 'KSOLOB', 'root=LABEL=', ' ', '\t', '\n', '=', ',', ':', '\u00a0', '\u2028', '\0'];

interface LineCase extends Case { slot?: 'A' | 'B' | null }

function grubLine(r: Rng): { text: string; slot: 'A' | 'B' } {
  const [image, args] = r.pick(LINUX_LINES);
  const slot = r.pick(['A', 'B'] as const);
  const line = args.replace(/\$\{kubesolo_slot\}/g, slot);
  // Lines that name a slot literally boot that one, whatever kubesolo_slot says.
  const named = /kubesolo\.slot=(A|B)\b/.exec(line)![1] as 'A' | 'B';
  return { text: `BOOT_IMAGE=${image} ${line}\n`, slot: named };
}

function otherLoader(r: Rng): { text: string; slot: 'A' | 'B' | null } {
  const slot = r.pick(['A', 'B'] as const);
  const forms = [`root=LABEL=KSOLO${slot}`, `root=PARTLABEL:KSOLO${slot}`, `rootflags=x,KSOLO${slot}`, `kubesolo.slot=${slot}`];
  const words = ['console=ttyS0,115200', 'ro', 'quiet', 'init=/sbin/init', r.pick(forms)];
  if (r.chance(0.2)) words.push(r.pick(forms)); // the same slot twice is still that slot
  if (r.chance(0.15)) { words.push(`kubesolo.slot=${slot === 'A' ? 'B' : 'A'}`); return { text: words.join(' '), slot: null }; }
  for (let i = words.length - 1; i > 0; i--) { const j = r.int(i + 1); [words[i], words[j]] = [words[j], words[i]]; }
  return { text: words.join(r.pick([' ', '  ', '\t'])) + r.pick(['', '\n', ' \n']), slot };
}

function gen(r: Rng): LineCase {
  const k = r.int(100);
  if (k < 20) { const { text, slot } = grubLine(r); return { input: Buffer.from(text), kind: 'valid', slot }; }
  if (k < 35) { const { text, slot } = otherLoader(r); return { input: Buffer.from(text), kind: 'valid', slot }; }
  if (k < 85) {
    const { bytes, ops } = mutate(Buffer.from(r.chance(0.5) ? grubLine(r).text : otherLoader(r).text), r, { dictionary: DICT, maxSize: 1 << 18 });
    return { input: bytes, kind: 'mutated', how: ops.join('+') };
  }
  if (k < 86) {
    // Long lines (up to 256 KiB): one huge word, many words, many near-matches.
    const unit = r.pick(['KSOLOA', 'kubesolo.slot=', '=KSOLO', 'a ', ',:=', 'KSOLOAB ']);
    return { input: Buffer.from(unit.repeat(Math.ceil(r.pick([1024, 16384, 262144]) / unit.length)) + r.pick(['', 'KSOLOB', ' kubesolo.slot=A'])), kind: 'long' };
  }
  return { input: r.chance(0.5) ? randomText(r, DICT) : randomBytes(r, [0, 1, 4096]), kind: 'random' };
}

function slotOf(text: string): 'A' | 'B' | null {
  let out: unknown;
  try {
    out = bootedSlot(text);
  } catch (err) {
    throw new Error(`bootedSlot threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
  }
  assert.ok(out === 'A' || out === 'B' || out === null, `returned ${String(out)}`);
  return out as 'A' | 'B' | null;
}

function check(c: LineCase): string {
  const text = c.input.toString(c.kind === 'random' && c.input[0]! & 1 ? 'latin1' : 'utf8');
  const slot = slotOf(text);
  if (c.slot !== undefined) assert.is(slot, c.slot, 'the slot the line names');
  assert.is(slotOf(`${text} quiet`), slot, 'an unrelated word changes nothing');
  assert.is(slotOf(`\t${text}\n`), slot, 'surrounding whitespace changes nothing');
  return slot ?? 'none';
}

test(`cmdline: bootedSlot on ${process.env.FUZZ_CASES ?? 10000} command lines`, () => {
  assert.ok(LINUX_LINES.length >= 3, `grub.cfg's linux lines: ${LINUX_LINES.length}`);
  const stats = runFuzz<LineCase>({ name: 'cmdline', file: FILE, gen, check });
  assertMix(stats, ['valid', 'mutated', 'random', 'long'], 50);
});

test(`cmdline: ${CLI_CASES} garbage /proc/cmdline files through the CLI (status): the booted slot bootedSlot reads`, async () => {
  const lanes = Array.from({ length: CLI_JOBS }, () => makeSandbox());
  await runCliCases('cmdline', FILE, CLI_CASES, async (r, _index, lane) => {
    const { input } = gen(r);
    writeFileSync(join(lanes[lane].root, 'proc/cmdline'), input);
    const res = await runCli(['--root', lanes[lane].root, 'status', '--json']);
    withInput(input, () => {
      assertCliOutcome(res, 'status', [0]);
      assert.is(JSON.parse(res.stdout).slots.booted, bootedSlot(input.toString('utf8')));
    });
  });
});

test.run();
