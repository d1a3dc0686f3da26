/** `--listen ADDR:PORT` as Prometheus exporters take it: `:9469` (every interface), `127.0.0.1:0`, `[::1]:9469`. */
export interface ListenAddress { host: string | undefined; port: number }

export function parseListen(raw: string): ListenAddress | { error: string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) return { error: `--listen takes ADDR:PORT (":9469", "127.0.0.1:9469", "[::1]:9469"), not ${JSON.stringify(raw)}` };
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}
