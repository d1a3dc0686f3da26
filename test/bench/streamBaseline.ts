/** The baseline apply is measured against: GET a URL, stream it through SHA-256 into a file, fdatasync. */
import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { get } from 'node:http';

const [url, out] = process.argv.slice(2);
const fd = openSync(out, 'w');
const h = createHash('sha256');
let at = 0;
get(url, (res) => {
  res.on('data', (c: Buffer) => { h.update(c); for (let d = 0; d < c.length; ) d += writeSync(fd, c, d, c.length - d, at + d); at += c.length; });
  res.on('end', () => { fdatasyncSync(fd); closeSync(fd); process.stdout.write(`${h.digest('hex')} ${at}\n`); });
});
