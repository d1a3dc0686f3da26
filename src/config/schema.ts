/**
 * Every setting the agent reads: its update.conf key, its flag (`--x-y` for key `x_y`), its type
 * and default. One table, so `config`, `--help` and the loader cannot drift apart.
 */
export type ConfigType = 'string' | 'url' | 'int' | 'list' | 'strings' | 'bool';

export interface KeySpec {
  key: string;
  type: ConfigType;
  default: string | number | string[] | null;
  help: string;
}

export const DEFAULT_CHECKS = ['containerd', 'apiserver', 'node-ready', 'kube-system', 'disk-writable'];

export const KEYS: KeySpec[] = [
  { key: 'checks', type: 'list', default: DEFAULT_CHECKS, help: 'health checks to run, comma-separated (probe-url and command are added when configured)' },
  { key: 'check_command', type: 'strings', default: [], help: 'a command that passes the health check by exiting 0 (repeatable; one per line in update.conf)' },
  { key: 'healthcheck_url', type: 'url', default: null, help: 'an operator URL that must answer HTTP 200 (the probe-url check)' },
  { key: 'auto_rollback_after', type: 'int', default: 0, help: 'roll back after this many consecutive failed health checks on trial (0: never)' },
  { key: 'timeout', type: 'int', default: 120, help: 'seconds a health check run may take in all, retries included' },
  { key: 'server', type: 'url', default: null, help: 'update server base URL; latest.json is fetched from <server>/latest.json' },
  { key: 'registry', type: 'string', default: null, help: 'an OCI registry repository, host[:port]/repo, instead of a server (with tag)' },
  { key: 'tag', type: 'string', default: null, help: 'the tag to pull from the registry (an image index or a manifest for this architecture)' },
  { key: 'plain_http', type: 'bool', default: 0, help: 'talk to the registry over plain http (tests, closed sites): credentials then cross the wire in the clear' },
  { key: 'registry_auth_realm', type: 'url', default: null, help: "the registry's token service when it lives on another origin (e.g. https://auth.docker.io): the login is sent there too, and nowhere else" },
  { key: 'docker_config', type: 'string', default: null, help: "registry credentials: a Docker config.json ('auths'); never printed" },
  { key: 'channel', type: 'string', default: null, help: 'accept only releases of this channel (unset: any)' },
  { key: 'maintenance_window', type: 'string', default: null, help: 'apply only between HH:MM-HH:MM local time (may wrap midnight; unset: always; equal ends: never)' },
  { key: 'pubkey', type: 'string', default: null, help: 'Ed25519 public key file (64 hex chars); when set, anything unsigned is refused' },
  { key: 'allow_legacy_signature', type: 'bool', default: 0, help: "with pubkey: also accept a Go-era latest.json signed whole, without a signed statement's serial (a replayed older one cannot be told apart)" },
  { key: 'http_timeout', type: 'int', default: 30, help: 'seconds to connect, and to wait for each next byte (never a whole-transfer limit)' },
  { key: 'http_retries', type: 'int', default: 5, help: 'retries of a transient download failure (5xx, reset, stall), with backoff from 0.5 s doubling to 8 s' },
  { key: 'allow_downgrade', type: 'bool', default: 0, help: 'allow installing a version older than the running one (0 or 1)' },
];

export const flagOf = (key: string) => key.replace(/_/g, '-');
export const keyOfFlag = (flag: string) => flag.replace(/-/g, '_');
export const specOf = (key: string) => KEYS.find((k) => k.key === key);
