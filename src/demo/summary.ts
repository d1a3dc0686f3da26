/**
 * The end of the demo: `status` and `history` as an operator reads them, then the check that the
 * log tells the scripted story — and nothing else.
 */
import { ksu, type Demo } from './demoNode.js';
import { expectExit, expectThat } from './expect.js';
import { attemptsOf, statusOf } from './logFacts.js';

export interface Story { installed: string; good: string; bad: string }

export async function summaryStep(d: Demo, story: Story): Promise<string> {
  for (const cmd of ['status', 'history']) {
    d.print.step(`${cmd}: what the log says now`);
    d.print.command([cmd]);
    const r = await ksu(d, [cmd]);
    d.print.output(r);
    expectExit(d.print, r, 0);
  }
  const attempts = await attemptsOf(d.root);
  const s = await statusOf(d.root);
  const [second, first] = attempts;
  expectThat(d.print, attempts.length === 2, `expected 2 attempts in history; it has ${attempts.length}`);
  expectThat(d.print, first.from_version === story.installed && first.to_version === story.good && first.outcome === 'success',
    `expected ${story.installed} -> ${story.good} success; history has ${first.from_version} -> ${first.to_version} ${first.outcome}`);
  expectThat(d.print, second.from_version === story.good && second.to_version === story.bad && second.outcome === 'rolled_back' && second.rollback?.by === 'bootloader',
    `expected ${story.good} -> ${story.bad} rolled back by the bootloader; history has ${second.from_version} -> ${second.to_version} ${second.outcome} (${second.rollback?.by ?? 'no rollback'})`);
  const booted = s.slots.booted;
  expectThat(d.print, booted === first.to_slot && booted !== null && s.slots[booted].version === story.good,
    `expected the node to run ${story.good} on slot ${first.to_slot}; it runs ${booted ? s.slots[booted].version : '?'} on slot ${booted}`);
  return `${first.to_version} was verified on slot ${first.to_slot}; ${second.to_version} failed its health checks on ${second.boots.filter((b) => b.slot === second.to_slot).length} boots `
    + `and was rolled back by the bootloader (${second.rollback!.reason}); the node runs ${s.slots[booted].version} on slot ${booted}.`;
}
