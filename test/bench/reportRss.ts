/** Preloaded (`node --import`) into a process under benchmark: writes its peak RSS (KiB) to $RSS_OUT at exit. */
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.RSS_OUT) writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS));
});
