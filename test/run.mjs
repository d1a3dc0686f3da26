// Runs every compiled test file with uvu and ends with the line CI reads: "N passed, N failed".
// The VM lane (vm/: real boots in QEMU) runs first and alone, so that its wall time is its own.
// Then the long end-to-end suites (e2e/, history/) run in a second uvu process beside the rest,
// and the model-based test (model/) in a third: they mostly wait on processes and fsync, so those
// lanes share the machine well.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];
const vmLane = { dir: 'dist/test', pattern: '^vm/.*\\.test\\.js$' };
const lanes = filter !== undefined
  ? [{ dir: 'dist/test', pattern: `${filter}.*\\.test\\.js$` }]
  : [
      { dir: 'dist/test', pattern: '^(?!(e2e|history|model|vm)/).*\\.test\\.js$' },
      { dir: 'dist/test', pattern: '^(e2e|history)/.*\\.test\\.js$' },
      { dir: 'dist/test', pattern: '^model/.*\\.test\\.js$' },
    ];

function runLane(lane) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/uvu/bin.js'), lane.dir, lane.pattern], {
      cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const results = [];
if (filter === undefined) {
  const started = Date.now();
  results.push(await runLane(vmLane));
  console.error(`vm lane: ${((Date.now() - started) / 1000).toFixed(0)} s of wall time, alone on the machine`);
}
results.push(...await Promise.all(lanes.map(runLane)));
let passed = 0, failed = 0, skipped = 0, broken = false;
for (const { code, out } of results) {
  // Each lane's report is printed whole, one after the other, so the two never interleave.
  process.stdout.write(out);
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(plain) ?? [])[1] ?? NaN);
  const total = num('Total'), ok = num('Passed'), skip = num('Skipped') || 0;
  if (Number.isNaN(total) || Number.isNaN(ok)) { broken = true; failed += 1; continue; }
  // uvu's Total counts the tests that ran; a skipped test is in Skipped only.
  passed += ok;
  skipped += skip;
  failed += total - ok;
  if (code !== 0 && total - ok === 0) { broken = true; failed += 1; }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || broken ? 1 : 0);
