// Runs every compiled test file with uvu and ends with the line CI reads: "N passed, N failed".
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pattern = `${process.argv[2] ?? ''}.*\\.test\\.js$`;
const child = spawn(process.execPath, [join(root, 'node_modules/uvu/bin.js'), 'dist/test', pattern], {
  cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (chunk) => { out += chunk; process.stdout.write(chunk); });
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(plain) ?? [])[1] ?? NaN);
  const total = num('Total'), passed = num('Passed'), skipped = num('Skipped') || 0;
  if (Number.isNaN(total) || Number.isNaN(passed)) {
    console.log(`0 passed, 1 failed`);
    process.exit(code || 1);
  }
  const failed = total - passed - skipped;
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? (failed > 0 ? 1 : 0));
});
