/**
 * Preloaded (`node --import`) into a process whose module graph a test checks: every module it
 * loads ends up in $MODULE_TRACE_OUT, one file URL a line. ESM loads come from the hooks; the
 * CommonJS ones (prom-client's, rxjs's and proper-lockfile's insides, or a `require` made at run
 * time) from the require cache at exit, since CommonJS `require` does not pass the hooks.
 */
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register(new URL('./moduleTraceHooks.js', import.meta.url));

process.on('exit', () => {
  const out = process.env.MODULE_TRACE_OUT;
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  if (out) appendFileSync(out, Object.keys(cache).map((f) => `${pathToFileURL(f).href}\n`).join(''));
});
