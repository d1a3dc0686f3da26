/**
 * What the binary says when it is used wrongly: negative numbers get the flag's own message,
 * every usage error names its command, stray arguments are refused, an unknown event type lists
 * the known ones, help and version are commands, and a server answering HTML is named with its
 * content type.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_TYPES } from '../../events/types.js';
import { encodeFrame, encodePayload, hashFrame, HEADER_SIZE } from '../../events/format.js';
import { cli, cliSync, type CliResult } from '../helpers/cli.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';
import { serve } from '../helpers/updateServer.js';

/** Exactly one line on stderr, and it is `line`; exit 2; no stack trace. */
function usageLine(r: CliResult, line: string | RegExp, what: string): void {
  assert.is(r.code, 2, `${what}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.is(lines.length, 1, `${what}: ${r.stderr}`);
  if (typeof line === 'string') assert.is(lines[0], line, what);
  else assert.match(lines[0], line, what);
  assert.not.match(r.stderr, /\n\s+at /);
}

test('negative numbers: the flag says what it takes, never "ambiguous"', () => {
  const root = tmpDir();
  assert.is(cliSync(['--root', root, 'note', 'x']).code, 0);
  const cases: Array<[string[], string]> = [
    [['history', '--limit', '-1'], 'kubesolo-update: history: --limit takes a whole number of attempts (1 or more), not "-1"'],
    [['--wait', '-1', 'note', 'x'], 'kubesolo-update: note: --wait takes seconds (0 or more), not "-1"'],
    [['note', 'x', '--wait', '-1'], 'kubesolo-update: note: --wait takes seconds (0 or more), not "-1"'],
    [['events', '--since', '-5'], 'kubesolo-update: events: --since takes a seq number (0 or more), not "-5"'],
    [['healthcheck', '--timeout', '-.5'], 'kubesolo-update: healthcheck: --timeout: timeout must be a whole number (0 or more), not "-.5"'],
  ];
  for (const [args, line] of cases) usageLine(cliSync(['--root', root, ...args]), line, args.join(' '));
  // A negative number after a flag that takes none is still a stray argument, not a value.
  usageLine(cliSync(['--root', root, 'status', '--json', '-1']), /^kubesolo-update: status: Unknown option '-1'/, 'status --json -1');
  // `note` text may begin with a dash once `--` ends the flags.
  const n = cliSync(['--root', root, 'note', '--', '-1 degrees outside']);
  assert.is(n.code, 0, n.stderr);
});

test('every usage error of a command starts with its name, parse errors included', () => {
  const root = tmpDir();
  const cases: Array<[string[], string]> = [
    [['history', '--bogus'], "kubesolo-update: history: Unknown option '--bogus'; see 'kubesolo-update history --help'"],
    [['events', '--since'], "kubesolo-update: events: Option '--since <value>' argument missing; see 'kubesolo-update events --help'"],
    [['check', '--http-timeout', 'soon'], 'kubesolo-update: check: --http-timeout: http_timeout must be a whole number (0 or more), not "soon"'],
    [['rollback', '--to', 'C'], 'kubesolo-update: rollback: --to takes A or B, not "C"'],
    [['--slots', 'disk', 'status'], 'kubesolo-update: status: --slots takes dir or partitions, not "disk"'],
    [['note'], 'kubesolo-update: note: a note needs text: kubesolo-update note "what happened"'],
  ];
  for (const [args, line] of cases) usageLine(cliSync(['--root', root, ...args]), line, args.join(' '));
  // Without a command there is no name to give.
  usageLine(cliSync(['--bogus']), "kubesolo-update: Unknown option '--bogus'; see 'kubesolo-update --help'", '--bogus');
});

test('unexpected arguments are refused with exit 2 before anything runs', () => {
  const sb = makeSandbox();
  const cases: Array<[string[], string]> = [
    [['rollback', 'B'], 'rollback'], [['status', 'extra'], 'status'], [['verify', 'now'], 'verify'],
    [['apply', 'v2.0.0'], 'apply'], [['activate', 'B'], 'activate'], [['history', '5'], 'history'],
  ];
  for (const [args, command] of cases) {
    const stray = args[1];
    usageLine(cliSync(['--root', sb.root, ...args]), `kubesolo-update: ${command}: unexpected argument "${stray}"; see 'kubesolo-update ${command} --help'`, args.join(' '));
  }
  usageLine(cliSync(['--root', sb.root, 'bootenv', 'init', 'now']), `kubesolo-update: bootenv: unexpected argument "now"; see 'kubesolo-update bootenv --help'`, 'bootenv init now');
  // Nothing ran: no writer opened the log, so the sandbox has no data directory yet.
  assert.not.ok(existsSync(sb.dataDir));
  // note takes its text as any number of words.
  const n = cliSync(['--root', sb.root, 'note', 'replaced', 'the', 'disk']);
  assert.is(n.code, 0, n.stderr);
});

test('events --type with an unknown type lists the known ones; a type the log holds (from a newer agent) is a fair filter', () => {
  const dir = tmpDir();
  assert.is(cliSync(['--data-dir', dir, 'note', 'x']).code, 0);
  const r = cliSync(['--data-dir', dir, 'events', '--type', 'OperatorNote,Bogus']);
  usageLine(r, `kubesolo-update: events: unknown event type "Bogus"; the types are ${EVENT_TYPES.join(', ')}`, '--type Bogus');
  assert.is(r.stdout, '');
  // A record of a type this version does not know, appended after the note as a newer agent would.
  const seg = join(dir, 'events', '00000000000000000001.seg');
  const first = readFileSync(seg).subarray(HEADER_SIZE);
  appendFileSync(seg, encodeFrame(encodePayload({ seq: 2, at: Date.now(), boot: 'b', events: [{ type: 'SlotResized', v: 1, data: { slot: 'B' } }] }), hashFrame(first)));
  const f = cliSync(['--data-dir', dir, 'events', '--type', 'SlotResized']);
  assert.is(f.code, 0, f.stderr);
  assert.equal(f.stdout.trim().split('\n').map((l) => [JSON.parse(l).type, JSON.parse(l).foreign]), [['SlotResized', true]]);
});

test('help and version work as commands', () => {
  const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
  const v = cliSync(['version']);
  assert.equal([v.code, v.stdout, v.stderr], [0, `${version}\n`, '']);
  assert.is(cliSync(['--version']).stdout, v.stdout);
  const h = cliSync(['help']);
  assert.is(h.code, 0);
  assert.is(h.stdout, cliSync(['--help']).stdout);
  assert.match(h.stdout, /^ {2}help {2,}/m);
  assert.match(h.stdout, /^ {2}version {2,}/m);
  assert.match(h.stdout, '130/143 stopped by SIGINT/SIGTERM');
  const ha = cliSync(['help', 'apply']);
  assert.is(ha.code, 0);
  assert.is(ha.stdout, cliSync(['apply', '--help']).stdout);
  assert.match(cliSync(['help', 'version']).stdout, 'Usage: kubesolo-update version');
  usageLine(cliSync(['help', 'bogus']), `kubesolo-update: help: unknown command "bogus"; see 'kubesolo-update --help'`, 'help bogus');
  usageLine(cliSync(['version', 'x']), `kubesolo-update: version: unexpected argument "x"; see 'kubesolo-update help'`, 'version x');
});

test('apply against a server answering HTML: exit 1, one line naming the URL and its content type, no attempt', async () => {
  const srv = await serve(tmpDir(), {
    '/latest.json': (_q, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><title>Login</title>'); },
  });
  const sb = makeSandbox();
  try {
    const r = await cli(['--root', sb.root, 'apply', '--server', srv.url]);
    assert.is(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l && !/: (note|warning): /.test(l));
    assert.equal(lines, [`kubesolo-update: apply: ${srv.url}latest.json answered with content type text/html, not JSON (it begins "<!doctype html><title>Login</title>"); is the server URL the directory that holds latest.json?`]);
    const evs = cliSync(['--root', sb.root, 'events']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const checked = evs.filter((e) => e.type === 'UpdateChecked');
    assert.is(checked.length, 1);
    assert.match(checked[0].data.error, 'answered with content type text/html, not JSON');
    assert.not.ok(evs.some((e) => e.type === 'AttemptStarted'));
  } finally {
    await srv.close();
  }
});

test.run();
