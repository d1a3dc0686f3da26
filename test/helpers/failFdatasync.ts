/**
 * Preloaded with `node --import` into a CLI process under test: the first fdatasync fails with
 * EIO, as a dying disk reports it. Test-only; production code has no such switch.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const real = fs.fdatasyncSync;
let calls = 0;
fs.fdatasyncSync = (fd: number) => {
  if (++calls === 1) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' });
  real(fd);
};
syncBuiltinESMExports();
