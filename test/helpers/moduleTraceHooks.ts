/** Module hooks (they run on the loader's thread): every ESM load is appended to $MODULE_TRACE_OUT. */
import { appendFileSync } from 'node:fs';

type Next = (url: string, context: unknown) => Promise<unknown>;

export async function load(url: string, context: unknown, next: Next): Promise<unknown> {
  const result = await next(url, context);
  if (process.env.MODULE_TRACE_OUT) appendFileSync(process.env.MODULE_TRACE_OUT, `${url}\n`);
  return result;
}
