/**
 * The scripted lifecycle (DESIGN.md §8) on a node booted from slot A: an update that passes its
 * health check and is verified, then one whose health checks fail on every boot until GRUB falls
 * back by itself, and the first command after that recording the bootloader's rollback.
 */
import { activateStep, applyStep, checkStep } from './updateSteps.js';
import { healthcheckStep, rebootStep } from './bootSteps.js';
import type { Demo } from './demoNode.js';

export async function goodUpdate(d: Demo, version: string): Promise<void> {
  await checkStep(d, version);
  await applyStep(d, version);
  await activateStep(d);
  rebootStep(d, 'B');
  await healthcheckStep(d, { pass: true, phase: 'success' });
}

export async function badUpdate(d: Demo, version: string): Promise<void> {
  await checkStep(d, version);
  await applyStep(d, version);
  const tries = await activateStep(d);
  d.print.line(`\n   From here on the demo makes ${version}'s health check fail (--check-command false), as a broken release would.`);
  for (let failures = 1; failures <= tries; failures++) {
    rebootStep(d, 'A');
    await healthcheckStep(d, { pass: false, phase: 'activated', failures });
  }
  rebootStep(d, 'B');
  await healthcheckStep(d, { pass: true, phase: 'rolled_back', rollbackBy: 'bootloader' });
}
