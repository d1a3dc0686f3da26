/**
 * deploy/: the files installed on target systems, checked with the real tools of this machine.
 *
 * - Prometheus: `promtool check rules`, `promtool check config` (which resolves rule_files) and
 *   `promtool test rules` on the rules' unit tests; every metric the rules, their tests and the
 *   Grafana dashboard name is in the exposition the agent really prints.
 * - systemd: `systemd-analyze verify` (any warning fails), `systemd-analyze calendar` on the
 *   timer, `systemd-analyze security --offline` for the hardening, and the units' ordering.
 * - Kubernetes: STRUCTURAL ONLY. No API server can run here, so the manifests are parsed with
 *   Debian's python3-yaml and checked for what the API server and kubelet would need (apiVersion,
 *   kind, metadata.name, a 5-field cron schedule, volumes behind every mount, RBAC pointing at
 *   objects that exist) and for what the agent needs (hostPath mounts, privileged, the ConfigMap's
 *   update.conf accepted by the real `kubesolo-update config` with no warning). That the API
 *   server would admit them is not tested.
 *
 * Each check is also shown to fail on a broken copy, so none of them passes by construction.
 * Tools missing from this machine skip their part with a printed reason (a failure under CI,
 * whose .ci/run installs prometheus, python3-yaml and systemd).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, cliSync } from '../helpers/cli.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { tmpDir } from '../helpers/tmp.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(REPO, 'deploy');
const PROM = join(DEPLOY, 'prometheus');
const SYSTEMD = join(DEPLOY, 'systemd');
const K8S = join(DEPLOY, 'kubernetes');
const GRAFANA = join(DEPLOY, 'grafana/kubesolo-update.json');
const PYTHON = '/usr/bin/python3';
const BIN = '/usr/local/bin/kubesolo-update';

interface Run { code: number | null; stdout: string; stderr: string; error?: Error }
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** false (and a printed reason) when a tool cannot run here; under CI that is a failure. */
function available(what: string, ok: boolean, why: string): boolean {
  if (ok) return true;
  if (process.env.CI) assert.unreachable(`CI must have ${what}: ${why}`);
  console.log(`    (skipped: ${why})`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// The real exposition: a sandbox node that has observed a boot, so the boot_* gauges are there.

const exposition = (() => {
  const sb = makeSandbox();
  const note = cliSync(['--root', sb.root, 'note', 'deploy test']);
  if (note.code !== 0) throw new Error(note.stderr);
  const r = cliSync(['--root', sb.root, 'metrics']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
})();

const METRICS: Set<string> = (() => {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
  }
  return names;
})();

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'Inf', 'NaN']);

/** The metric names a PromQL expression selects (strings, matchers, ranges, label lists and
 *  function or aggregation names removed; what is left are bare selectors). */
function metricNames(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/'(?:[^'\\]|\\.)*'/g, "''");
  s = s.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const out: string[] = [];
  for (const m of s.matchAll(/(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (KEYWORDS.has(m[0])) continue;
    if (s.slice(m.index! + m[0].length).trimStart().startsWith('(')) continue;
    out.push(m[0]);
  }
  return out;
}

function unknownMetrics(exprs: string[]): string[] {
  return [...new Set(exprs.flatMap(metricNames))].filter((n) => !METRICS.has(n));
}

test('the exposition the names are checked against is the real one, boot gauges included', () => {
  for (const n of ['kubesolo_update_phase', 'kubesolo_update_attempt_outcomes_total', 'kubesolo_update_boot_tries_remaining', 'kubesolo_update_boot_success', 'kubesolo_update_attempt_duration_seconds_bucket']) {
    assert.ok(METRICS.has(n), `${n} in the exposition`);
  }
  // The extractor itself: it must see through functions, matchers and label lists, and catch a typo.
  assert.equal(metricNames('sum by (cause) (increase(kubesolo_update_rollbacks_total{instance=~"$x"}[5m])) > 0'), ['kubesolo_update_rollbacks_total']);
  assert.equal(metricNames('(a <= 1 and b == 0) and on (instance, job) (c{phase=~"x|y"} == 1)'), ['a', 'b', 'c']);
  assert.equal(metricNames('time() - kubesolo_update_last_check_timestamp_seconds offset 5m > 86400'), ['kubesolo_update_last_check_timestamp_seconds']);
  assert.equal(unknownMetrics(['rate(kubesolo_update_rollback_total[5m])', 'up == 0']), ['kubesolo_update_rollback_total', 'up']);
});

// ---------------------------------------------------------------------------------------------
// YAML through Debian's python3-yaml (no YAML library in our dependencies).

const haveYaml = () => run(PYTHON, ['-c', 'import yaml']).code === 0;
const YAML_TO_JSON = 'import sys, yaml, json; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)';
function yamlDocs(path: string): any[] {
  const r = run(PYTHON, ['-c', YAML_TO_JSON, path]);
  if (r.code !== 0) throw new Error(`${path} is not YAML: ${r.stderr.trim().split('\n').pop()}`);
  return (JSON.parse(r.stdout) as any[]).filter((d) => d !== null);
}

// ---------------------------------------------------------------------------------------------
// Prometheus

const RULES = join(PROM, 'kubesolo-update.rules.yml');
const RULES_TEST = join(PROM, 'kubesolo-update.rules.test.yml');
const havePromtool = () => available('promtool', run('promtool', ['--version']).code === 0, 'promtool is not installed (Debian package prometheus)');

test('promtool check rules / check config (rule_files resolved next to prometheus.yml)', () => {
  if (!havePromtool()) return;
  const rules = run('promtool', ['check', 'rules', RULES]);
  assert.is(rules.code, 0, rules.stdout + rules.stderr);
  assert.match(rules.stdout + rules.stderr, /SUCCESS: 9 rules found/);
  const conf = run('promtool', ['check', 'config', join(PROM, 'prometheus.yml')]);
  assert.is(conf.code, 0, conf.stdout + conf.stderr);
  assert.match(conf.stdout + conf.stderr, /SUCCESS: 1 rule files found/);
  assert.match(conf.stdout + conf.stderr, /Checking .*kubesolo-update\.rules\.yml\s+SUCCESS: 9 rules found/);
  // …and it does fail: a rule file with a PromQL syntax error.
  const dir = tmpDir();
  writeFileSync(join(dir, 'bad.yml'), readFileSync(RULES, 'utf8').replace('> 0', '> > 0'));
  assert.is.not(run('promtool', ['check', 'rules', join(dir, 'bad.yml')]).code, 0);
});

test('prometheus.yml scrapes serve on :9469/metrics', () => {
  if (!haveYaml() && !available('python3-yaml', false, `${PYTHON} has no yaml module (Debian package python3-yaml)`)) return;
  const [conf] = yamlDocs(join(PROM, 'prometheus.yml'));
  assert.equal(conf.rule_files, ['kubesolo-update.rules.yml']);
  const job = conf.scrape_configs.find((j: any) => j.job_name === 'kubesolo-update');
  assert.ok(job, 'a kubesolo-update job');
  assert.is(job.metrics_path ?? '/metrics', '/metrics');
  const targets: string[] = job.static_configs.flatMap((s: any) => s.targets);
  assert.ok(targets.length > 0 && targets.every((t) => t.endsWith(':9469')), targets.join(', '));
});

test('promtool test rules: every alert fires on its series and stays quiet otherwise', () => {
  if (!havePromtool()) return;
  const r = run('promtool', ['test', 'rules', RULES_TEST]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);

  if (!haveYaml() && !available('python3-yaml', false, `${PYTHON} has no yaml module (Debian package python3-yaml)`)) return;
  const alerts: Array<{ alert: string; expr: string }> = yamlDocs(RULES)[0].groups.flatMap((g: any) => g.rules);
  const names = alerts.map((a) => a.alert);
  for (const wanted of ['KubesoloUpdateAttemptFailed', 'KubesoloUpdateRolledBack', 'KubesoloUpdateBootTriesLow', 'KubesoloUpdateLogRepaired', 'KubesoloUpdatePhaseStuck', 'KubesoloUpdateLogLost']) {
    assert.ok(names.includes(wanted), `${wanted} is defined`);
  }
  const tests: any[] = yamlDocs(RULES_TEST)[0].tests;
  const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const name of names) {
    assert.ok(cases.some((c) => c.alertname === name && c.exp_alerts.length > 0), `${name} is tested firing`);
    assert.ok(cases.some((c) => c.alertname === name && c.exp_alerts.length === 0), `${name} is tested quiet`);
  }
  // Only the agent's real metric names, in the rules and in the tests' input series.
  assert.equal(unknownMetrics(alerts.map((a) => a.expr)), [], 'rules name only real metrics');
  const series: string[] = tests.flatMap((t) => t.input_series.map((s: any) => s.series));
  assert.equal(unknownMetrics(series), [], 'test series use only real metrics');
});

test('promtool test rules fails when a rule stops matching its metric (the tests bite)', () => {
  if (!havePromtool()) return;
  const dir = tmpDir();
  copyFileSync(RULES_TEST, join(dir, basename(RULES_TEST)));
  writeFileSync(join(dir, basename(RULES)), readFileSync(RULES, 'utf8').replace('kubesolo_update_log_repairs_total', 'kubesolo_update_log_repair_total'));
  const broken = run('promtool', ['test', 'rules', join(dir, basename(RULES_TEST))]);
  assert.is.not(broken.code, 0);
  assert.match(broken.stdout + broken.stderr, /KubesoloUpdateLogRepaired/);
  // and when an alert fires where it should stay quiet (the staged-phase node counted as stuck)
  writeFileSync(join(dir, basename(RULES)), readFileSync(RULES, 'utf8').replace('phase=~"checking|downloading|verifying"', 'phase=~"checking|downloading|verifying|staged"'));
  const noisy = run('promtool', ['test', 'rules', join(dir, basename(RULES_TEST))]);
  assert.is.not(noisy.code, 0);
  assert.match(noisy.stdout + noisy.stderr, /KubesoloUpdatePhaseStuck/);
});

// ---------------------------------------------------------------------------------------------
// systemd

type Unit = Record<string, Record<string, string[]>>;
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) { section = sec[1]; unit[section] ??= {}; continue; }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv) throw new Error(`not a unit line: ${line}`);
    (unit[section][kv[1]] ??= []).push(kv[2]);
  }
  return unit;
}
const UNITS = readdirSync(SYSTEMD).sort();
const unit = (name: string) => parseUnit(readFileSync(join(SYSTEMD, name), 'utf8'));
const words = (vals: string[] | undefined) => (vals ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);

/** The units copied to a temp dir with ExecStart pointing at the built CLI (a real executable). */
function unitsForVerify(edit: (name: string, text: string) => string = (_n, t) => t): { dir: string; files: string[] } {
  const dir = tmpDir('ksu-units-');
  const files = UNITS.map((name) => {
    const text = readFileSync(join(SYSTEMD, name), 'utf8').split(BIN).join(CLI);
    writeFileSync(join(dir, name), edit(name, text));
    return join(dir, name);
  });
  return { dir, files };
}

function systemdAnalyzeUsable(): boolean {
  const v = run('systemd-analyze', ['--version']);
  if (!available('systemd-analyze', v.code === 0, `systemd-analyze cannot run here: ${v.error?.message ?? v.stderr.trim()} (Debian package systemd)`)) return false;
  // A trivially good unit must verify cleanly, or the tool cannot work in this environment.
  const dir = tmpDir('ksu-units-');
  writeFileSync(join(dir, 'probe.service'), '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\n');
  const p = run('systemd-analyze', ['verify', '--man=no', join(dir, 'probe.service')]);
  return available('a working systemd-analyze verify', p.code === 0 && p.stderr.trim() === '', `systemd-analyze verify fails on a trivial unit here: ${(p.stderr || String(p.code)).trim()}`);
}

test('the systemd units are exactly the four asked for', () => {
  assert.equal(UNITS, ['kubesolo-update-check.service', 'kubesolo-update-check.timer', 'kubesolo-update-healthcheck.service', 'kubesolo-update-serve.service']);
});

test('systemd-analyze verify: all units load with no warning', () => {
  if (!systemdAnalyzeUsable()) return;
  const { files } = unitsForVerify();
  const r = run('systemd-analyze', ['verify', '--man=no', ...files]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr.trim(), '', 'no warnings');
  // It does complain: a misspelt setting only warns (exit 0), so stderr is what counts…
  const typo = unitsForVerify((name, t) => (name === 'kubesolo-update-healthcheck.service' ? t.replace('Type=oneshot', 'Type=oneshoot') : t));
  const w = run('systemd-analyze', ['verify', '--man=no', ...typo.files]);
  assert.match(w.stderr, /oneshoot/);
  // …and a missing executable is an error (hence the copies: /usr/local/bin/kubesolo-update is
  // not installed here).
  const gone = unitsForVerify((_n, t) => t.split(CLI).join('/nonexistent/kubesolo-update'));
  const missing = run('systemd-analyze', ['verify', '--man=no', ...gone.files]);
  assert.is.not(missing.code, 0);
  assert.match(missing.stderr, /\/nonexistent\/kubesolo-update is not executable/);
});

test('the timer: every 6 hours (systemd-analyze calendar), after boot, persistent, randomized', () => {
  const t = unit('kubesolo-update-check.timer').Timer;
  assert.ok(t.OnCalendar?.length === 1, 'OnCalendar');
  assert.ok(t.OnBootSec?.length === 1, 'OnBootSec');
  assert.equal(t.Persistent, ['true']);
  assert.ok(t.RandomizedDelaySec?.length === 1, 'RandomizedDelaySec');
  assert.equal(t.Unit ?? ['kubesolo-update-check.service'], ['kubesolo-update-check.service']);
  assert.equal(unit('kubesolo-update-check.timer').Install.WantedBy, ['timers.target']);
  if (!systemdAnalyzeUsable()) return;
  // In UTC, so that a daylight-saving change cannot stretch an interval.
  const r = run('systemd-analyze', ['calendar', '--iterations=5', t.OnCalendar[0]], { env: { TZ: 'UTC' } });
  assert.is(r.code, 0, r.stderr);
  const times = [...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => Date.parse(`${m[1].replace(' ', 'T')}Z`));
  assert.is(times.length, 5, r.stdout);
  for (let i = 1; i < times.length; i++) assert.is(times[i] - times[i - 1], 6 * 3600_000, r.stdout);
});

test('the health-check unit runs once per boot, after KubeSolo and the network, and may write grubenv and the log', () => {
  const u = unit('kubesolo-update-healthcheck.service');
  assert.equal(u.Service.Type, ['oneshot']);
  assert.equal(u.Service.ExecStart, [`${BIN} --wait 60 healthcheck`]);
  const after = words(u.Unit.After);
  for (const dep of ['network-online.target', 'containerd.service', 'kubesolo.service']) assert.ok(after.includes(dep), `After=${dep}`);
  assert.ok(words(u.Unit.Wants).includes('network-online.target'), 'Wants=network-online.target');
  assert.equal(u.Install.WantedBy, ['multi-user.target']);
  // Hardened, but not so far that it cannot do its job: grubenv and the data dir stay writable.
  assert.equal(u.Service.ProtectSystem, ['strict']);
  assert.ok(words(u.Service.ReadWritePaths).some((p) => p.replace(/^-/, '') === '/boot/grub'), 'ReadWritePaths /boot/grub');
  assert.equal(u.Service.StateDirectory, ['kubesolo/update'], 'StateDirectory = /var/lib/kubesolo/update');
  assert.ok(!u.Service.PrivateDevices, 'block devices visible (blkid, mount of a slot)');
  assert.ok(!u.Service.MemoryDenyWriteExecute, "Node's JIT");
  // The command line is one the CLI accepts.
  const args = u.Service.ExecStart[0].split(/\s+/).slice(1);
  const help = cliSync([...args, '--help']);
  assert.is(help.code, 0, help.stderr);
});

test('the check service runs check (a comment shows apply) and serve listens on :9469 with Restart=on-failure', () => {
  const check = unit('kubesolo-update-check.service');
  assert.equal(check.Service.Type, ['oneshot']);
  assert.match(check.Service.ExecStart[0], new RegExp(`^${BIN} (--wait \\d+ )?check$`));
  assert.match(readFileSync(join(SYSTEMD, 'kubesolo-update-check.service'), 'utf8'), new RegExp(`^#\\s*ExecStart=${BIN} (--wait \\d+ )?apply$`, 'm'));
  assert.ok(!check.Install, 'started by its timer, not enabled on its own');
  const serve = unit('kubesolo-update-serve.service');
  assert.equal(serve.Service.ExecStart, [`${BIN} serve --listen :9469`]);
  assert.equal(serve.Service.Restart, ['on-failure']);
  for (const u of [check, serve]) {
    const args = u.Service.ExecStart[0].split(/\s+/).slice(1);
    const help = cliSync([...args, '--help']);
    assert.is(help.code, 0, `${args.join(' ')}: ${help.stderr}`);
  }
  for (const line of ['--wait 300 apply']) assert.is(cliSync([...line.split(' '), '--help']).code, 0);
});

test('systemd-analyze security --offline: the hardening holds (exposure thresholds)', () => {
  if (!systemdAnalyzeUsable()) return;
  const { dir } = unitsForVerify();
  // Root writers that mount block devices cannot go far below MEDIUM; serve, a reader, can.
  const limits: Record<string, number> = { 'kubesolo-update-healthcheck.service': 65, 'kubesolo-update-check.service': 65, 'kubesolo-update-serve.service': 30 };
  for (const [name, limit] of Object.entries(limits)) {
    const r = run('systemd-analyze', ['security', '--offline=true', `--threshold=${limit}`, '--no-pager', name], { cwd: dir });
    const level = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout);
    assert.ok(level, r.stdout + r.stderr);
    assert.is(r.code, 0, `${name}: exposure ${level![1]} above ${limit / 10}`);
  }
  // …and an unhardened copy is over the limit.
  const bare = tmpDir('ksu-units-');
  writeFileSync(join(bare, 'bare.service'), `[Service]\nType=oneshot\nExecStart=${CLI} --wait 60 healthcheck\n`);
  assert.is.not(run('systemd-analyze', ['security', '--offline=true', '--threshold=65', '--no-pager', 'bare.service'], { cwd: bare }).code, 0);
});

// ---------------------------------------------------------------------------------------------
// Kubernetes (structural: no API server here)

const NAMESPACED = new Set(['ServiceAccount', 'ConfigMap', 'CronJob', 'Job', 'Role', 'RoleBinding']);
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** One cron field: *, N, N-M, lists, with /step; within its range. */
function cronField(field: string, min: number, max: number): number[] | null {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    const lo = m[1] === '*' ? min : Number(m[2]);
    const hi = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] ? max : lo;
    const step = m[4] ? Number(m[4]) : 1;
    if (lo < min || hi > max || lo > hi || step < 1) return null;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}
function cronHours(schedule: string): number[] | null {
  const f = schedule.trim().split(/\s+/);
  if (f.length !== 5) return null;
  const ranges: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
  const parsed = f.map((x, i) => cronField(x, ...ranges[i]));
  return parsed.every(Boolean) ? parsed[1] : null;
}

function podSpecOf(doc: any): any {
  return doc.kind === 'CronJob' ? doc.spec?.jobTemplate?.spec?.template?.spec : doc.spec?.template?.spec;
}

/** Everything the structural check finds wrong with a set of manifests ([] when fine). */
function manifestProblems(docs: any[]): string[] {
  const problems: string[] = [];
  const find = (kind: string, name: string, ns?: string) => docs.find((d) => d.kind === kind && d.metadata?.name === name && (ns === undefined || d.metadata?.namespace === ns));
  for (const d of docs) {
    const id = `${d?.kind ?? '?'}/${d?.metadata?.name ?? '?'}`;
    if (typeof d?.apiVersion !== 'string' || typeof d?.kind !== 'string' || typeof d?.metadata?.name !== 'string') { problems.push(`${id}: apiVersion, kind and metadata.name are required`); continue; }
    if (!DNS1123.test(d.metadata.name)) problems.push(`${id}: name is not a DNS-1123 name`);
    if (NAMESPACED.has(d.kind)) {
      if (typeof d.metadata.namespace !== 'string') problems.push(`${id}: no namespace`);
      else if (d.metadata.namespace !== 'kube-system' && !find('Namespace', d.metadata.namespace)) problems.push(`${id}: namespace ${d.metadata.namespace} is not created here`);
    }
    if (d.kind === 'CronJob') {
      const hours = cronHours(String(d.spec?.schedule));
      if (!hours) problems.push(`${id}: schedule ${JSON.stringify(d.spec?.schedule)} is not a 5-field cron expression`);
      else if (hours.length !== 4 || hours.some((h, i) => i > 0 && h - hours[i - 1] !== 6)) problems.push(`${id}: schedule is not every 6 hours (hours ${hours.join(',')})`);
      if (d.spec?.concurrencyPolicy !== 'Forbid') problems.push(`${id}: concurrencyPolicy is not Forbid`);
    }
    if (d.kind === 'CronJob' || d.kind === 'Job') {
      const pod = podSpecOf(d);
      if (!pod) { problems.push(`${id}: no pod template`); continue; }
      if (!['Never', 'OnFailure'].includes(pod.restartPolicy)) problems.push(`${id}: a Job's restartPolicy must be Never or OnFailure`);
      if (!find('ServiceAccount', pod.serviceAccountName, d.metadata.namespace)) problems.push(`${id}: serviceAccountName ${pod.serviceAccountName} does not exist`);
      const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]));
      const c = pod.containers?.[0];
      if (!c || pod.containers.length !== 1) { problems.push(`${id}: one container expected`); continue; }
      if (c.image !== 'ghcr.io/kubesolo/kubesolo-update:latest') problems.push(`${id}: image ${c.image}`);
      if (c.securityContext?.privileged !== true) problems.push(`${id}: not privileged (grubenv, slot partitions)`);
      const mounts = new Map<string, any>();
      for (const m of c.volumeMounts ?? []) {
        const v = volumes.get(m.name);
        if (!v) problems.push(`${id}: mount ${m.mountPath} names no volume (${m.name})`);
        mounts.set(m.mountPath, v);
      }
      for (const name of volumes.keys()) if (!(c.volumeMounts ?? []).some((m: any) => m.name === name)) problems.push(`${id}: volume ${name} is not mounted`);
      for (const path of ['/boot', '/var/lib/kubesolo/update']) {
        if (mounts.get(path)?.hostPath?.path !== path) problems.push(`${id}: ${path} is not the host's ${path} (hostPath)`);
      }
      const conf = mounts.get('/etc/kubesolo');
      if (!conf?.configMap || !find('ConfigMap', conf.configMap.name, d.metadata.namespace)) problems.push(`${id}: /etc/kubesolo is not the ConfigMap`);
      if (pod.hostPID !== true && mounts.get('/proc/cmdline')?.hostPath?.path !== '/proc/cmdline') problems.push(`${id}: neither hostPID nor a hostPath /proc/cmdline`);
      if (c.command?.[0] !== 'kubesolo-update') problems.push(`${id}: command is not kubesolo-update`);
      const kc = (c.env ?? []).find((e: any) => e.name === 'KUBECONFIG')?.value;
      const cm = conf?.configMap && find('ConfigMap', conf.configMap.name);
      if (kc && !(kc.startsWith('/etc/kubesolo/') && cm?.data?.[kc.slice('/etc/kubesolo/'.length)])) problems.push(`${id}: KUBECONFIG ${kc} is not a key of the mounted ConfigMap`);
    }
    if (d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding') {
      const roleNs = d.roleRef?.kind === 'Role' ? d.metadata.namespace : undefined;
      if (!find(d.roleRef?.kind, d.roleRef?.name, roleNs)) problems.push(`${id}: roleRef ${d.roleRef?.kind}/${d.roleRef?.name} does not exist`);
      for (const s of d.subjects ?? []) if (s.kind === 'ServiceAccount' && !find('ServiceAccount', s.name, s.namespace)) problems.push(`${id}: subject ServiceAccount ${s.namespace}/${s.name} does not exist`);
    }
  }
  return problems;
}

function manifests(): any[] {
  return readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => yamlDocs(join(K8S, f)));
}
const haveYamlOrSkip = () => haveYaml() || available('python3-yaml', false, `${PYTHON} has no yaml module (Debian package python3-yaml)`);

test('Kubernetes manifests (structural, no API server here): names, schedule, mounts, RBAC', () => {
  if (!haveYamlOrSkip()) return;
  const docs = manifests();
  assert.equal(manifestProblems(docs), []);
  const kinds = docs.map((d) => d.kind).sort();
  for (const k of ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CronJob', 'Job', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount']) assert.ok(kinds.includes(k), `a ${k}`);
  // The checks shell out to kubectl: nodes must be readable (node-ready, the node-block pre-flight).
  const cr = docs.find((d) => d.kind === 'ClusterRole');
  assert.ok(cr.rules.some((r: any) => r.resources?.includes('nodes') && r.verbs.includes('get') && r.verbs.includes('list')), 'get/list nodes');
  const role = docs.find((d) => d.kind === 'Role');
  assert.is(role.metadata.namespace, 'kube-system');
  assert.ok(role.rules.some((r: any) => r.resources?.includes('pods') && r.verbs.includes('list')), 'list kube-system pods');
  // The commands are ones the CLI accepts, and the right ones.
  const cron = docs.find((d) => d.kind === 'CronJob');
  const job = docs.find((d) => d.kind === 'Job');
  const argsOf = (d: any) => podSpecOf(d).containers[0].args as string[];
  assert.ok(['check', 'apply'].includes(argsOf(cron).at(-1)!), argsOf(cron).join(' '));
  assert.is(argsOf(job).at(-1), 'healthcheck');
  for (const d of [cron, job]) assert.is(cliSync([...argsOf(d), '--help']).code, 0, argsOf(d).join(' '));
  // The placeholder image is said to be one.
  for (const f of ['cronjob.yaml', 'healthcheck-job.yaml']) assert.match(readFileSync(join(K8S, f), 'utf8'), /image: ghcr\.io\/kubesolo\/kubesolo-update:latest\s+# placeholder/);
});

test('the structural check fails on broken manifests', () => {
  if (!haveYamlOrSkip()) return;
  const breakages: Array<[string, (docs: any[]) => void, RegExp]> = [
    ['a 4-field schedule', (d) => { d.find((x) => x.kind === 'CronJob').spec.schedule = '*/6 * * *'; }, /not a 5-field cron/],
    ['every 5 hours', (d) => { d.find((x) => x.kind === 'CronJob').spec.schedule = '0 */5 * * *'; }, /not every 6 hours/],
    ['hour 24', (d) => { d.find((x) => x.kind === 'CronJob').spec.schedule = '0 24 * * *'; }, /not a 5-field cron/],
    ['concurrency allowed', (d) => { d.find((x) => x.kind === 'CronJob').spec.concurrencyPolicy = 'Allow'; }, /Forbid/],
    ['no /boot hostPath', (d) => { podSpecOf(d.find((x) => x.kind === 'Job')).volumes.find((v: any) => v.name === 'boot').hostPath.path = '/mnt/boot'; }, /\/boot is not the host's/],
    ['a mount without a volume', (d) => { podSpecOf(d.find((x) => x.kind === 'CronJob')).containers[0].volumeMounts[0].name = 'nope'; }, /names no volume/],
    ['no name', (d) => { delete d[0].metadata.name; }, /metadata\.name are required/],
    ['a binding to a missing account', (d) => { d.find((x) => x.kind === 'ClusterRoleBinding').subjects[0].name = 'other'; }, /does not exist/],
    ['no hostPID', (d) => { delete podSpecOf(d.find((x) => x.kind === 'Job')).hostPID; }, /hostPID/],
  ];
  for (const [what, breakIt, msg] of breakages) {
    const docs = manifests();
    breakIt(docs);
    const p = manifestProblems(docs);
    assert.ok(p.some((x) => msg.test(x)), `${what}: ${p.join('; ') || 'no problem found'}`);
  }
});

test("the ConfigMap's update.conf is accepted by the real kubesolo-update config, every key from the file, no warning", () => {
  if (!haveYamlOrSkip()) return;
  const cm = manifests().find((d) => d.kind === 'ConfigMap');
  const dir = tmpDir();
  const conf = join(dir, 'update.conf');
  writeFileSync(conf, cm.data['update.conf']);
  const r = cliSync(['--conf', conf, 'config', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '', 'no warnings');
  const settings = JSON.parse(r.stdout).settings;
  for (const key of ['server', 'channel', 'maintenance_window', 'pubkey', 'http_timeout', 'http_retries', 'allow_downgrade', 'checks', 'auto_rollback_after', 'timeout']) {
    assert.is(settings[key].source, 'file', `${key} comes from update.conf`);
  }
  // pubkey names a file the same ConfigMap provides.
  assert.ok(settings.pubkey.value.startsWith('/etc/kubesolo/') && cm.data[basename(settings.pubkey.value)], settings.pubkey.value);
  // The kubeconfig given to kubectl in the pods is a kubeconfig whose context exists.
  const kcPath = join(dir, 'kubeconfig');
  writeFileSync(kcPath, cm.data.kubeconfig);
  const [kc] = yamlDocs(kcPath);
  assert.is(kc.kind, 'Config');
  assert.ok(kc.contexts.some((c: any) => c.name === kc['current-context']), 'current-context exists');
  // …and the check does fail on a bad file: an unknown key warns, a bad value is an error.
  writeFileSync(conf, `${cm.data['update.conf']}\nmaintenance_windw=01:00-02:00\n`);
  assert.match(cliSync(['--conf', conf, 'config', '--json']).stderr, /unknown key "maintenance_windw"/);
  writeFileSync(conf, cm.data['update.conf'].replace('http_retries=5', 'http_retries=five'));
  assert.is(cliSync(['--conf', conf, 'config', '--json']).code, 2);
});

// ---------------------------------------------------------------------------------------------
// Grafana

test('the Grafana dashboard: datasource variable, every query real PromQL over real metrics', () => {
  const dash = JSON.parse(readFileSync(GRAFANA, 'utf8'));
  const vars: any[] = dash.templating.list;
  const dsVar = vars.find((v) => v.type === 'datasource');
  assert.ok(dsVar, 'a datasource template variable');
  assert.is(dsVar.query, 'prometheus');
  const dsRef = `\${${dsVar.name}}`;
  const panels: any[] = dash.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]).filter((p: any) => p.type !== 'row');
  assert.ok(panels.length >= 8, `${panels.length} panels`);
  const exprs: string[] = [];
  for (const p of panels) {
    assert.is(p.datasource?.uid, dsRef, `panel ${p.title} uses the datasource variable`);
    assert.ok(p.targets?.length > 0, `panel ${p.title} has queries`);
    for (const t of p.targets) {
      assert.is(t.datasource?.uid, dsRef, `a query of ${p.title} uses the datasource variable`);
      assert.type(t.expr, 'string');
      exprs.push(t.expr);
    }
  }
  for (const v of vars.filter((x) => x.type === 'query')) {
    assert.is(v.datasource?.uid, dsRef);
    const q = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /^label_values\(([a-zA-Z_:][\w:]*)\s*,\s*\w+\)$/.exec(q);
    assert.ok(m, `variable ${v.name}: ${q}`);
    exprs.push(m![1]);
  }
  // Grafana's own variables replaced as Grafana would, then: only real metric names…
  const promql = exprs.map((e) => e.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\{?(\w+)\}?/g, '.*'));
  assert.equal(unknownMetrics(promql), []);
  for (const e of promql) assert.ok(metricNames(e).length > 0, `${e} selects a metric`);
  // …covering what the dashboard is for…
  const used = new Set(promql.flatMap(metricNames));
  for (const n of ['kubesolo_update_phase', 'kubesolo_update_attempts_started_total', 'kubesolo_update_attempt_outcomes_total', 'kubesolo_update_rollbacks_total',
    'kubesolo_update_healthcheck_failures_total', 'kubesolo_update_health_check_failures', 'kubesolo_update_boot_tries_remaining', 'kubesolo_update_log_bytes', 'kubesolo_update_events_total']) {
    assert.ok(used.has(n), `a panel shows ${n}`);
  }
  // …and valid PromQL, as promtool parses it (each query as a recording rule).
  if (!havePromtool()) return;
  const dir = tmpDir();
  const rules = ['groups:', '  - name: grafana', '    rules:', ...promql.flatMap((e, i) => [`      - record: grafana:query_${i}`, `        expr: ${JSON.stringify(e)}`])].join('\n');
  writeFileSync(join(dir, 'queries.yml'), rules + '\n');
  const r = run('promtool', ['check', 'rules', join(dir, 'queries.yml')]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  writeFileSync(join(dir, 'bad.yml'), rules.replace('sum by (outcome)', 'sum by (outcome') + '\n');
  assert.is.not(run('promtool', ['check', 'rules', join(dir, 'bad.yml')]).code, 0, 'promtool rejects broken PromQL');
});

// ---------------------------------------------------------------------------------------------

test('deploy/README.md describes every file', () => {
  const readme = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
  const files = ['systemd', 'kubernetes', 'prometheus', 'grafana', 'grub'].flatMap((d) => readdirSync(join(DEPLOY, d)).map((f) => f));
  for (const f of files) assert.ok(readme.includes(f), `README mentions ${f}`);
  assert.ok(existsSync(join(DEPLOY, 'grub/grub.cfg')), 'deploy/grub untouched');
});

test.run();
