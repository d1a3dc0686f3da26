/**
 * Every output of every command, from a node that went through a whole story (auditedNode):
 * one key style in every --json (each camelCase key has its snake_case twin beside it), and one
 * time format everywhere we print (ISO-8601 UTC, exactly three fractional digits) — except
 * state.json, which keeps the Go agent's format. serve's endpoints are read too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goTime } from '../../projections/goTime.js';
import { ISO_TIME } from '../../projections/isoTime.js';
import { isCamelCase, snakeCase } from '../../projections/snakeKeys.js';
import { auditedNode, type Run } from '../helpers/auditedNode.js';
import { cliSync } from '../helpers/cli.js';
import { writeScenario } from '../helpers/scenario.js';
import { get, startServe } from '../helpers/serveProcess.js';
import { sse } from '../helpers/sseClient.js';
import { tmpDir } from '../helpers/tmp.js';

/** Key paths that are camelCase without a snake_case twin of the same value in the same object. */
function camelOnly(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => camelOnly(v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Record<string, unknown>;
  return Object.keys(o).flatMap((k) => [
    ...(isCamelCase(k) && JSON.stringify(o[snakeCase(k)]) !== JSON.stringify(o[k]) ? [`${path}.${k}`] : []),
    ...camelOnly(o[k], `${path}.${k}`),
  ]);
}

/** Every time-like string in a text: a date, a T, and whatever time and zone follow. */
const TIMES = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}[0-9:.,]*(?:Z|[+-]\d{2}:?\d{2})?/g;
/** Go's RFC 3339 as encoding/json writes a UTC time.Time: trailing zeros of the fraction dropped. */
const GO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/;
/** Key names that hold a time. */
const TIME_KEY = /(^at$|_at$|At$|^date$|_date$|_time$|Time$)/;

/** Times held by time-named keys that are not isoTime strings, and numbers that look like epoch ms. */
function badTimes(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => badTimes(v, `${path}[${i}]`));
  if (typeof value === 'number') return value > 946_684_800_000 && value < 4_102_444_800_000 ? [`${path}: ${value} looks like epoch ms`] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(TIME_KEY.test(k) && v !== null && !(typeof v === 'string' && ISO_TIME.test(v)) ? [`${path}.${k}: ${JSON.stringify(v)}`] : []),
    ...badTimes(v, `${path}.${k}`),
  ]);
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

const jsonStory = await auditedNode({ json: true });
const humanStory = await auditedNode({ json: false });
await jsonStory.server.close();
await humanStory.server.close();

/** serve's answers on the JSON story's node: every JSON endpoint, and /events as SSE from seq 0. */
async function serveBodies(): Promise<Run[]> {
  const srv = await startServe(['--root', jsonStory.sb.root]);
  try {
    const paths = ['/status', '/history', '/healthz', ...jsonStory.attempts.map((id) => `/history?attempt=${id}`)];
    const out: Run[] = [];
    for (const path of paths) {
      const r = await get(`${srv.url}${path.slice(1)}`);
      assert.is(r.status, 200, path);
      out.push({ args: ['serve', path], code: 0, stdout: r.body, stderr: '' });
    }
    const lastSeq = JSON.parse(out[0].stdout).log.seq as number;
    const stream = sse(`${srv.url}events?since=0`);
    assert.is(await stream.opened, 200);
    for (let i = 0; i < 200 && stream.messages.length < lastSeq; i++) await new Promise((r) => setTimeout(r, 50));
    stream.close();
    assert.is(stream.messages.length, lastSeq, 'every event streamed');
    out.push({ args: ['serve', '/events'], code: 0, stdout: stream.messages.map((m) => m.data).join('\n'), stderr: '' });
    return out;
  } finally {
    assert.is(await srv.stop(), 0, srv.stderr());
  }
}
const served = await serveBodies();

test('the key checker flags a camelCase key without its twin, and accepts one beside its twin', () => {
  assert.equal(camelOnly({ lastSeq: 1 }), ['$.lastSeq']);
  assert.equal(camelOnly({ a: [{ bootId: 'x', boot_id: 'y' }] }), ['$.a[0].bootId'], 'a twin must hold the same value');
  assert.equal(camelOnly({ lastSeq: 1, last_seq: 1, A: { version: 'v1' }, 'kubesolo-os.gz': 1 }), []);
});

test('every --json output of every command: stdout is JSON, and every camelCase key has its snake_case twin', () => {
  const docs = [...jsonStory.runs, ...served].filter((r) => r.args[0] !== 'metrics');
  for (const r of docs) {
    for (const line of lines(r.stdout)) {
      let doc: unknown;
      try { doc = JSON.parse(line); } catch { assert.unreachable(`${r.args.join(' ')} --json printed a line that is not JSON: ${line}`); }
      assert.equal(camelOnly(doc), [], `${r.args.join(' ')}: ${line.slice(0, 300)}`);
    }
  }
  // The twins this issue added, where camelCase keys were: verify's report and the events' data.
  const verify = JSON.parse(jsonStory.runs.find((r) => r.args[0] === 'verify')!.stdout);
  assert.is(verify.last_seq, verify.lastSeq);
  const events = lines(jsonStory.runs.find((r) => r.args[0] === 'events')!.stdout).map((l) => JSON.parse(l));
  const started = events.find((e) => e.type === 'AttemptStarted');
  assert.equal([started.data.fromVersion, started.data.from_version, started.data.to_slot], ['v1.0.0', 'v1.0.0', 'B']);
});

test('every command in --help has its --json output scanned above, or a stated reason it has none', () => {
  const help = cliSync(['--help']).stdout;
  const section = help.slice(help.indexOf('Commands:'), help.indexOf('Global flags:'));
  const commands = lines(section).slice(1).map((l) => l.trim().split(/\s+/)[0]);
  assert.ok(commands.length >= 18, section);
  const scanned = new Set([...jsonStory.runs, ...served].map((r) => r.args[0]));
  const none: Record<string, () => void> = {
    // A story for people: it refuses --json outright.
    demo: () => {
      const r = cliSync(['demo', '--json']);
      assert.is(r.code, 2);
      assert.match(r.stderr, /^kubesolo-update: demo: demo prints for people; it has no --json output/);
    },
    // Text for people, as --help and --version are.
    help: () => assert.match(cliSync(['help']).stdout, /^kubesolo-update — /),
    version: () => assert.match(cliSync(['version']).stdout, /^\d+\.\d+\.\d+\n$/),
    // The Prometheus text exposition is the format; --json does not change it.
    metrics: () => assert.match(jsonStory.runs.find((r) => r.args[0] === 'metrics')!.stdout, /^# HELP kubesolo_update_/),
  };
  for (const c of commands) {
    if (none[c]) none[c]();
    else assert.ok(scanned.has(c), `${c}: its --json output is not scanned; add it to test/helpers/auditedNode.ts`);
  }
});

test('every time we print, human and --json, events export and serve, is ISO-8601 UTC with three fractional digits', () => {
  const all = [...jsonStory.runs, ...humanStory.runs, ...served];
  let seen = 0;
  for (const r of all) {
    for (const t of `${r.stdout}\n${r.stderr}`.match(TIMES) ?? []) {
      seen++;
      assert.match(t, ISO_TIME, `${r.args.join(' ')} printed the time ${JSON.stringify(t)}`);
    }
  }
  assert.ok(seen > 200, `only ${seen} times seen: the story prints fewer than it should`);
  for (const r of [...jsonStory.runs, ...served].filter((x) => x.args[0] !== 'metrics')) {
    for (const line of lines(r.stdout)) assert.equal(badTimes(JSON.parse(line)), [], `${r.args.join(' ')}: ${line.slice(0, 300)}`);
  }
  // The places that printed Go's format or a cut fraction before: history, status's state, the timeline, latest.json.
  const hist = humanStory.runs.find((r) => r.args[0] === 'history' && r.args[1] === '--attempt')!.stdout;
  assert.match(hist, /^\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  #\d+  AttemptStarted/m);
  const released = JSON.parse(jsonStory.runs.find((r) => r.args[0] === 'release')!.stdout).latest.release_date;
  assert.match(released, ISO_TIME);
});

test('the time checker catches the formats we no longer print', () => {
  for (const t of ['2026-11-01T08:26:00Z', '2026-11-01T08:26:00.25Z', '2026-11-01T08:26:00.123456Z', '2026-11-01T09:26:00+01:00', '2026-11-01 08:26:00']) {
    assert.not.match((t.match(TIMES) ?? [''])[0], ISO_TIME, t);
  }
  assert.equal(badTimes({ startedAt: 1_790_000_000_000 }), ['$.startedAt: 1790000000000', '$.startedAt: 1790000000000 looks like epoch ms']);
});

test('history --attempt lists the boots the attempt got (boot id, slot, counter, observed or inferred); --json boots carry boot_id', () => {
  // The rolled-back attempt: one trial boot seen (boot 3, counter 2), two that never reached the
  // agent (counters 1 and 0), then GRUB's fallback to B (boot 6), seen by the next command.
  const id = humanStory.attempts[1];
  const text = humanStory.runs.find((r) => r.args.join(' ') === `history --attempt ${id}`)!.stdout;
  const boots = text.slice(text.indexOf('\nBoots\n') + 7, text.indexOf('\n\nTimeline')).split('\n').map((l) => l.trim().split(/\s+/));
  assert.equal(boots.map((cells) => cells.slice(1)), [
    ['BOOT', 'ID', 'SLOT', 'COUNTER', 'SUCCESS', 'SEEN'],
    ['sandbox-boot-3', 'A', '2', '0', 'observed'],
    ['-', 'A', '1', '0', 'inferred'],
    ['-', 'A', '0', '0', 'inferred'],
    ['sandbox-boot-6', 'B', '3', '1', 'observed'],
  ]);
  assert.ok(boots.slice(1).every((cells) => ISO_TIME.test(cells[0])), 'each boot with its time');
  const json = JSON.parse(jsonStory.runs.find((r) => r.args.join(' ') === `history --attempt ${jsonStory.attempts[1]}`)!.stdout);
  assert.equal(json.boots.map((b: { boot_id: string | null; slot: string; boot_counter: number; inferred?: boolean }) => [b.boot_id, b.slot, b.boot_counter, b.inferred ?? false]),
    [['sandbox-boot-3', 'A', 2, false], [null, 'A', 1, true], [null, 'A', 0, true], ['sandbox-boot-6', 'B', 3, false]]);
  // "Which boots did the attempt before last get?" without jq: the newest but one in `history`.
  const successful = humanStory.runs.find((r) => r.args.join(' ') === `history --attempt ${humanStory.attempts[0]}`)!.stdout;
  assert.match(successful, /\nBoots\n +AT +BOOT ID +SLOT +COUNTER +SUCCESS +SEEN\n +\S+ +sandbox-boot-2 +B +2 +0 +observed\n\nTimeline\n/);
});

test("state.json keeps the Go agent's format while status --json shows the same times as isoTime", () => {
  const dir = tmpDir();
  writeScenario(join(dir, 'events'));
  assert.is(cliSync(['--data-dir', dir, 'rebuild']).code, 0);
  const file = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  const shown = JSON.parse(cliSync(['--data-dir', dir, 'status', '--json']).stdout).state;
  assert.is(file.started_at, '2026-11-01T08:26:00Z', 'Go drops a zero fraction');
  assert.is(shown.started_at, '2026-11-01T08:26:00.000Z');
  for (const name of ['activated', 'failed', 'rolled_back', 'success']) {
    const go = JSON.parse(readFileSync(new URL(`../../../test/golden/go-agent/${name}.json`, import.meta.url), 'utf8'));
    assert.match(go.updated_at, GO_TIME, `the Go agent's own ${name}.json fits the pattern`);
  }
  const live = JSON.parse(readFileSync(join(jsonStory.sb.dataDir, 'state.json'), 'utf8'));
  for (const t of [live.started_at, live.updated_at]) {
    assert.match(t, GO_TIME);
    assert.is(goTime(Date.parse(t)), t);
  }
});

test.run();
