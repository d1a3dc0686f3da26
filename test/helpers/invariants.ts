/** The lifecycle invariants the crash, kill and concurrency suites check after recovery. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { cli } from './cli.js';
import type { Sandbox } from './sandbox.js';
import { abSelect, abVarsOf } from '../../src/boot/abSelectModel.js';
import { parseGrubenv } from '../../src/boot/grubenv.js';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** version → artifact name → SHA-256 of every release a test published (and the one installed). */
export type Published = Map<string, Map<string, string>>;

/** The SHA-256 of each file in a slot directory except `version`. */
export function slotHashes(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).filter((f) => f !== 'version').map((f) => [f, sha256(readFileSync(join(dir, f)))]));
}

/** The slot GRUB boots next, by the proven model of ab-select.cfg (A when the block is missing or garbage). */
export function nextBoot(grubenv: string): string {
  let vars: Map<string, string> | null = null;
  try { vars = new Map(parseGrubenv(readFileSync(grubenv))); } catch { /* GRUB boots A */ }
  return abSelect(vars ? abVarsOf(vars) : null).slot;
}

/** GRUB's next boot is a complete image of a release we published. */
export function assertBootsPublished(sb: Sandbox, published: Published, when: string): void {
  const slot = nextBoot(sb.grubenv);
  const dir = join(sb.root, 'slots', slot);
  assert.ok(existsSync(join(dir, 'version')), `${when}: GRUB boots slot ${slot} next, which has no version file`);
  const version = readFileSync(join(dir, 'version'), 'utf8').trim();
  const want = published.get(version);
  assert.ok(want, `${when}: slot ${slot} claims ${version}, which nobody published`);
  const have = slotHashes(dir);
  for (const [name, hash] of want!) assert.is(have.get(name), hash, `${when}: slot ${slot} ${name} is not ${version}'s`);
}

/** state.json equals what `rebuild` folds from the log (apart from its write time). */
export async function assertStateMatchesRebuild(sb: Sandbox, when: string): Promise<void> {
  const read = () => { const s = JSON.parse(readFileSync(join(sb.dataDir, 'state.json'), 'utf8')); delete s.updated_at; return s; };
  const before = read();
  const r = await cli(['--root', sb.root, 'rebuild']);
  assert.is(r.code, 0, `${when}: rebuild: ${r.stderr}`);
  assert.equal(read(), before, `${when}: state.json differs from a rebuild of the log`);
}
