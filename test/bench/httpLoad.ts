/** A closed-loop HTTP load generator: `clients` keep-alive connections, each sending its next GET as the last one ends. */
import { Agent, get } from 'node:http';

export async function load(url: string, clients: number, requests: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let left = requests;
  const one = () => new Promise<void>((resolve, reject) => {
    const t = process.hrtime.bigint();
    get(url, { agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.resume();
      res.on('end', () => { latencies.push(Number(process.hrtime.bigint() - t) / 1e6); resolve(); });
    }).on('error', reject);
  });
  await Promise.all(Array.from({ length: clients }, async () => {
    while (left-- > 0) await one();
  }));
  agent.destroy();
  return latencies.sort((a, b) => a - b);
}
