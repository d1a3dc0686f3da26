/**
 * What the README and docs/commands.md say about the CLI agrees with the CLI: the commands its
 * --help lists, the flags each command's --help knows (the help texts are the source for
 * flags), the exit codes of src/errors.ts, and the quick start that .ci/run runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../../src/errors.js';
import { cliSync } from '../helpers/cli.js';
import { section, tableRows } from '../helpers/markdown.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const commandsPage = readFileSync(join(REPO, 'docs', 'commands.md'), 'utf8');

function help(...args: string[]): string {
  const r = cliSync([...args, '--help']);
  assert.is(r.code, 0, `${args.join(' ')} --help: ${r.stderr}`);
  return r.stdout;
}

/** The command names `kubesolo-update --help` lists under "Commands:". */
function cliCommands(): string[] {
  const text = help();
  const block = text.slice(text.indexOf('Commands:\n') + 'Commands:\n'.length).split('\n\n')[0]!;
  return block.split('\n').map((l) => /^ {2}(\S+) {2,}/.exec(l)?.[1]).filter((c): c is string => c !== undefined);
}

/** For every table row whose first cell starts with a code span: its first word, and the cell. */
function rowsByFirstWord(text: string): { word: string; cell: string }[] {
  return tableRows(text)
    .map((cells) => ({ cell: cells[0]!, m: /^`([^`\s]+)/.exec(cells[0]!) }))
    .filter((r) => r.m !== null)
    .map((r) => ({ word: r.m![1]!, cell: r.cell }));
}

const commands = cliCommands();

test('the CLI lists the commands the docs tests check', () => {
  assert.ok(commands.length >= 18, `--help lists ${commands.join(', ')}`);
  for (const c of ['status', 'apply', 'activate', 'rollback', 'healthcheck', 'bootenv', 'serve', 'demo']) {
    assert.ok(commands.includes(c), `--help lists ${c}`);
  }
});

test("the README's command table has every command, and only commands", () => {
  const table = section(readme, 'Commands');
  const rows = rowsByFirstWord(table).map((r) => r.word).filter((w) => !w.startsWith('-'));
  assert.equal([...rows].sort(), [...commands].sort());
});

test('docs/commands.md has a synopsis for every command, and only commands', () => {
  const rows = rowsByFirstWord(commandsPage).map((r) => r.word).filter((w) => !w.startsWith('-'));
  assert.equal([...rows].sort(), [...commands].sort());
});

test("every flag docs/commands.md names is one the command's --help (or config's, or the global help) knows", () => {
  const known = help() + help('config');
  const unknown: string[] = [];
  for (const { word, cell } of rowsByFirstWord(commandsPage)) {
    if (word.startsWith('-')) {
      for (const flag of cell.match(/--[a-z][a-z-]*/g) ?? []) if (!known.includes(flag) && flag !== '--version') unknown.push(`global ${flag}`);
      continue;
    }
    const own = help(word) + known;
    for (const flag of cell.match(/--[a-z][a-z-]*/g) ?? []) if (!own.includes(flag)) unknown.push(`${word} ${flag}`);
  }
  assert.equal(unknown, [], `flags no help text knows: ${unknown.join(', ')}`);
  assert.ok(/^[\d.]+$/.test(cliSync(['--version']).stdout.trim()), '--version, the one global flag the help does not list, prints a version');
});

test('the exit codes in the README and in docs/commands.md are exactly those of src/errors.ts', () => {
  const codes = (text: string): number[] => tableRows(text).map((cells) => cells[0]!).filter((c) => /^\d+$/.test(c)).map(Number).sort((a, b) => a - b);
  const expected = Object.values(EXIT).sort((a, b) => a - b);
  assert.equal(codes(section(readme, 'Commands')), expected);
  assert.equal(codes(section(commandsPage, 'Exit codes')), expected);
});

test('the quick start runs the demo and states the test command, which .ci/run runs', () => {
  const block = /```sh\n([\s\S]*?)```/.exec(section(readme, 'Quick start'))?.[1] ?? '';
  assert.ok(block.includes('npm run demo'), 'the quick start runs the demo');
  assert.ok(/^npm test$/m.test(block), 'the quick start states the test command');
  const scripts = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts;
  assert.type(scripts.demo, 'string');
  assert.type(scripts.test, 'string');
  const ci = readFileSync(join(REPO, '.ci', 'run'), 'utf8');
  assert.ok(ci.includes('npm run demo'), '.ci/run runs the demo');
  assert.ok(/^npm test\b/m.test(ci), '.ci/run ends with the test command');
});

test.run();
