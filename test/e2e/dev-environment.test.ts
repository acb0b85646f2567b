/**
 * The local Temporal environment: the Compose stack's declarations, the CLI resolver's order and its build hygiene
 * (with fake `temporal` and `go` executables in temp folders), and the real dev server surviving a restart.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { parse } from 'yaml';
import { hashApiKey } from '../../src/servers/api/auth';
import { readSse } from '../helpers/sse';
import { agentNameKey, searchAttributeCliSpecs } from '../../src/contracts/search-attributes';
import { DevServerError, ensureDevServer, findFreePort, isServerUp, startDevServer } from '../../scripts/dev-server';
import {
  resolveTemporalCli,
  temporalCliCachePath,
  TEMPORAL_CLI_FALLBACK_MODULE_DIR,
  TEMPORAL_CLI_FALLBACK_TAGS,
  TEMPORAL_CLI_VERSION,
  TemporalCliInstallInterrupted,
} from '../../scripts/temporal-cli';

const repoRoot = path.resolve(__dirname, '..', '..');
const DEV_API_KEY = 'dev-environment-key-0123456789';

/**
 * dev's API shares a token broker with dev's worker: a run of the shipped `streaming` scenario (one word every
 * 50 ms) shows its text as `token` events on the SSE stream before `run.ended`, spelling the answer.
 */
async function assertDevStreamsTokens(api: string): Promise<void> {
  const auth = { authorization: `Bearer ${DEV_API_KEY}` };
  const started = await fetch(`${api}/v1/runs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ agent: 'research-assistant', model: 'mock:streaming', input: 'stream it' }),
  });
  const { workflowId } = (await started.json()) as { workflowId: string };
  assert.equal(started.status, 202);
  const stream = await fetch(`${api}/v1/runs/${workflowId}/events`, {
    headers: auth,
    signal: AbortSignal.timeout(60_000),
  });
  assert.equal(stream.status, 200);
  let text = '';
  let answer: string | undefined;
  for await (const event of readSse(stream)) {
    if (event.event === 'token') text += (event.data as { text: string }).text;
    if (event.event === 'run.ended') {
      answer = (event.data as { outcome: { result: { text: string } } }).outcome.result.text;
    }
  }
  assert.ok(answer?.startsWith('Durable agents keep their state in Temporal'), `answer: ${answer}`);
  assert.equal(text, answer, 'the token events spell the answer');
}
const expectedAttributes = searchAttributeCliSpecs.map((spec) => spec.split('=') as [string, string]);

interface ComposeService {
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  command?: string | string[];
}

describe('temporal-dev.yml', () => {
  const compose = parse(fs.readFileSync(path.join(repoRoot, 'temporal-dev.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
  };
  const services = Object.values(compose.services);
  const commandOf = (s: ComposeService): string => [s.command ?? []].flat().join('\n');

  it('publishes the frontend on host port 7233 and the Web UI on 8233', () => {
    const hostPorts = services.flatMap((s) => s.ports ?? []).map((p) => p.split(':')[0]);
    assert.ok(hostPorts.includes('7233'), `host ports: ${hostPorts.join(', ')}`);
    assert.ok(hostPorts.includes('8233'), `host ports: ${hostPorts.join(', ')}`);
    const ui = services.find((s) => s.image?.startsWith('temporalio/ui'));
    assert.equal(ui?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    const server = services.find((s) => s.ports?.includes('7233:7233'));
    assert.equal(server?.environment?.DB, 'postgres12');
    assert.ok(services.some((s) => s.image === 'postgres:16'));
  });

  it('creates the default namespace and registers exactly our search attributes with their types', () => {
    const setup = services.filter((s) => /search-attribute create/.test(commandOf(s)));
    assert.equal(setup.length, 1, 'one service registers the search attributes');
    const script = commandOf(setup[0]!);
    assert.match(setup[0]!.image ?? '', /^temporalio\/admin-tools/);
    assert.match(script, /namespace create --namespace default/);
    const creates = [...script.matchAll(/search-attribute create (.*)/g)].map((m) => m[1] ?? '');
    assert.ok(
      creates.every((args) => /--namespace default\b/.test(args)),
      'every attribute goes to namespace default',
    );
    const registered = creates.map((args) => [/--name (\w+)/.exec(args)?.[1], /--type (\w+)/.exec(args)?.[1]]);
    assert.deepEqual(registered.sort(), [...expectedAttributes].sort());
  });
});

/** A temp sandbox: fake executables and a cache dir, and an env that sees only them. */
class Sandbox {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'da-cli-'));
  readonly cacheBase = path.join(this.root, 'cache');
  readonly emptyBin = this.dir('empty-bin');

  dir(name: string): string {
    const d = path.join(this.root, name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  exe(dir: string, name: string, body: string, mode = 0o755): string {
    const file = path.join(this.dir(dir), name);
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode });
    return file;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: this.emptyBin, HOME: this.root, TEMPORAL_CLI_CACHE_DIR: this.cacheBase, ...extra };
  }

  cachePath(version = TEMPORAL_CLI_VERSION): string {
    return temporalCliCachePath(version, this.env());
  }

  /** Everything under the cache's parent folder (where temp build folders live). */
  cacheEntries(): string[] {
    const parent = path.dirname(path.dirname(this.cachePath()));
    return fs.existsSync(parent) ? fs.readdirSync(parent, { recursive: true }).map(String) : [];
  }

  seedCache(version = TEMPORAL_CLI_VERSION): string {
    const file = this.cachePath(version);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '#!/bin/sh\necho cached\n', { mode: 0o755 });
    return file;
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A stand-in for `go install -v`: module downloads, a few compiled packages, then $GOBIN/temporal. */
const fakeGoThatBuilds = `
case "$1" in install) ;; *) echo "go: unexpected command $*" >&2; exit 2 ;; esac
echo "go: downloading github.com/temporalio/cli ${TEMPORAL_CLI_VERSION}" >&2
echo "go: downloading go.temporal.io/server v1.29.1" >&2
/bin/sleep 0.3
echo "go.temporal.io/server/common/log" >&2
echo "github.com/temporalio/cli/cmd/temporal" >&2
printf '#!/bin/sh\\necho built\\n' > "$GOBIN/temporal"
/bin/chmod 755 "$GOBIN/temporal"
`;

describe('resolveTemporalCli', () => {
  const sandboxes: Sandbox[] = [];
  const sandbox = (): Sandbox => {
    const s = new Sandbox();
    sandboxes.push(s);
    return s;
  };
  after(() => sandboxes.forEach((s) => s.cleanup()));
  const quiet = (): void => undefined;

  it('prefers TEMPORAL_CLI_PATH over PATH and the cache', async () => {
    const s = sandbox();
    const fromEnv = s.exe('env-bin', 'my-temporal', 'echo env');
    const onPath = s.exe('path-bin', 'temporal', 'echo path');
    s.seedCache();
    const env = s.env({ TEMPORAL_CLI_PATH: fromEnv, PATH: path.dirname(onPath) });
    assert.deepEqual(await resolveTemporalCli({ env, log: quiet }), { path: fromEnv, source: 'env' });
  });

  it('prefers temporal on PATH over the cache', async () => {
    const s = sandbox();
    const onPath = s.exe('path-bin', 'temporal', 'echo path');
    s.seedCache();
    const env = s.env({ PATH: `${s.emptyBin}${path.delimiter}${path.dirname(onPath)}` });
    assert.deepEqual(await resolveTemporalCli({ env, log: quiet }), { path: onPath, source: 'path' });
  });

  it('uses the cached build without running go', async () => {
    const s = sandbox();
    const marker = path.join(s.root, 'go-ran');
    const goBin = path.dirname(s.exe('go-bin', 'go', `: > '${marker}'\nexit 1`));
    const cached = s.seedCache();
    const result = await resolveTemporalCli({ env: s.env({ PATH: goBin }), allowInstall: true, log: quiet });
    assert.deepEqual(result, { path: cached, source: 'cache' });
    assert.equal(fs.existsSync(marker), false, 'go must not run when the cache has the binary');
    assert.equal(
      s.cachePath(),
      path.join(s.cacheBase, 'durable-agents', 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal'),
    );
  });

  it('says clearly when TEMPORAL_CLI_PATH is not executable or missing', async () => {
    const s = sandbox();
    const notExecutable = s.exe('env-bin', 'temporal', 'echo', 0o644);
    await assert.rejects(
      resolveTemporalCli({ env: s.env({ TEMPORAL_CLI_PATH: notExecutable }), log: quiet }),
      (err: Error) =>
        err.name === 'UserError' &&
        err.message.includes(`TEMPORAL_CLI_PATH=${notExecutable} is not an executable file`),
    );
    await assert.rejects(
      resolveTemporalCli({ env: s.env({ TEMPORAL_CLI_PATH: path.join(s.root, 'nope') }), log: quiet }),
      /TEMPORAL_CLI_PATH=.*nope does not exist/,
    );
  });

  it('refuses to build unless allowed, naming what it looked for', async () => {
    const s = sandbox();
    await assert.rejects(resolveTemporalCli({ env: s.env(), log: quiet }), (err: Error) => {
      assert.equal(err.name, 'UserError');
      assert.match(err.message, /No Temporal CLI found/);
      assert.ok(err.message.includes(s.cachePath()));
      return true;
    });
  });

  it('builds with go install into the cache, warns it takes minutes and reports progress', async () => {
    const s = sandbox();
    const goBin = path.dirname(s.exe('go-bin', 'go', fakeGoThatBuilds));
    const lines: string[] = [];
    const result = await resolveTemporalCli({
      env: s.env({ PATH: goBin }),
      allowInstall: true,
      log: (l) => lines.push(l),
      progressIntervalMs: 100,
    });
    assert.deepEqual(result, { path: s.cachePath(), source: 'go-install' });
    assert.match(fs.readFileSync(result.path, 'utf8'), /echo built/);
    assert.match(lines.join('\n'), /takes several minutes/);
    assert.match(lines.join('\n'), /elapsed, (downloading modules|compiling|linking)/);
    assert.deepEqual(
      s.cacheEntries().sort(),
      [TEMPORAL_CLI_VERSION, path.join(TEMPORAL_CLI_VERSION, 'temporal')].sort(),
    );
  });

  it('shows go errors, tries the fallback tags, then leaves the download to the SDK', async () => {
    const s = sandbox();
    const goBin = path.dirname(
      s.exe(
        'go-bin',
        'go',
        'echo "go: github.com/temporalio/cli/cmd/temporal@v1.5.1: no route to proxy.golang.org" >&2\nexit 1',
      ),
    );
    const lines: string[] = [];
    const result = await resolveTemporalCli({
      env: s.env({ PATH: goBin }),
      allowInstall: true,
      log: (l) => lines.push(l),
    });
    assert.deepEqual(result, { path: '', source: 'sdk-download' });
    const text = lines.join('\n');
    assert.match(text, /exited with code 1[\s\S]*no route to proxy\.golang\.org/);
    assert.ok(text.includes(`Trying Temporal CLI ${TEMPORAL_CLI_FALLBACK_TAGS[0]}`));
    assert.match(text, /Temporal SDK's own download/);
    assert.deepEqual(s.cacheEntries(), [], 'failed builds leave nothing in the cache');
  });

  it('says when go is missing and falls back to the SDK download', async () => {
    const s = sandbox();
    const lines: string[] = [];
    const result = await resolveTemporalCli({ env: s.env(), allowInstall: true, log: (l) => lines.push(l) });
    assert.equal(result.source, 'sdk-download');
    assert.match(lines.join('\n'), /go is not installed/);
  });

  it('deletes the partial binary when a build is aborted', async () => {
    const s = sandbox();
    const goBin = path.dirname(s.exe('go-bin', 'go', `printf 'partial' > "$GOBIN/temporal"\nexec /bin/sleep 30`));
    const controller = new AbortController();
    const pending = resolveTemporalCli({
      env: s.env({ PATH: goBin }),
      allowInstall: true,
      log: quiet,
      signal: controller.signal,
    });
    await waitFor(() => s.cacheEntries().some((e) => e.endsWith(`${path.sep}temporal`)), 'the partial binary');
    controller.abort();
    await assert.rejects(pending, TemporalCliInstallInterrupted);
    assert.deepEqual(s.cacheEntries(), []);
  });

  it('deletes the partial binary on Ctrl-C (SIGINT) and exits', async () => {
    const s = sandbox();
    const goBin = path.dirname(s.exe('go-bin', 'go', `printf 'partial' > "$GOBIN/temporal"\nexec /bin/sleep 30`));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'scripts', 'install-temporal-cli.ts')],
      {
        cwd: repoRoot,
        env: s.env({ PATH: goBin }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await waitFor(() => s.cacheEntries().some((e) => e.endsWith(`${path.sep}temporal`)), 'the partial binary');
    child.kill('SIGINT');
    const exit = await exited;
    assert.ok(exit.signal === 'SIGINT' || exit.code !== 0, `exit ${JSON.stringify(exit)}\n${output}`);
    assert.match(output, /Received SIGINT/);
    assert.deepEqual(s.cacheEntries(), [], output);
  });

  it('pins the first fallback tag in src/testing/temporal-cli-module/go.mod', () => {
    const goMod = fs.readFileSync(path.join(TEMPORAL_CLI_FALLBACK_MODULE_DIR, 'go.mod'), 'utf8');
    assert.match(
      goMod,
      new RegExp(`github\\.com/temporalio/cli ${TEMPORAL_CLI_FALLBACK_TAGS[0]?.replace(/\./g, '\\.')}\\n`),
    );
    assert.match(goMod, /replace github\.com\/temporalio\/cli\/cliext => \.\/cliext/);
  });
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('startDevServer errors', () => {
  const s = new Sandbox();
  after(() => s.cleanup());

  it("reports the server's last output when it exits during startup", async () => {
    const broken = s.exe('bin', 'temporal', 'echo "starting"\necho "error: unable to open database file" >&2\nexit 3');
    const port = await findFreePort();
    await assert.rejects(startDevServer({ cliPath: broken, port, headless: true }), (err: Error) => {
      assert.ok(err instanceof DevServerError);
      assert.match(err.message, /exited with code 3/);
      assert.match(err.message, /unable to open database file/);
      return true;
    });
  });

  it('refuses a port that something else holds', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      assert.equal(await isServerUp(`127.0.0.1:${port}`, { timeoutMs: 500 }), false);
      await assert.rejects(
        startDevServer({ cliPath: '/bin/false', port, headless: true }),
        /Port \d+ on 127\.0\.0\.1 \(frontend\) is already in use/,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('the real dev server', () => {
  let cliPath: string | undefined;
  let skipReason = '';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'da-devserver-'));
  before(async () => {
    try {
      cliPath = (await resolveTemporalCli({ allowInstall: false, log: () => undefined })).path;
    } catch (err) {
      skipReason = `no Temporal CLI without installing (${(err as Error).message.split('.')[0]}); run scripts/install-temporal-cli.ts`;
    }
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('registers our search attributes and keeps runs across a restart on the same SQLite file', async (t) => {
    if (!cliPath) return t.skip(skipReason);
    const dbFile = path.join(work, 'nested', 'dev.sqlite');
    const port = await findFreePort();
    const uiPort = await findFreePort();
    const opts = { cliPath, port, uiPort, dbFile, log: () => undefined };
    const workflowId = `restart-${process.pid}-${Date.now()}`;

    let server = await startDevServer(opts);
    try {
      assert.equal(server.address, `127.0.0.1:${port}`);
      assert.equal(server.uiUrl, `http://localhost:${uiPort}`);
      assert.equal((await fetch(server.uiUrl)).ok, true, 'the Web UI answers');
      await withClient(server.address, async (client, connection) => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        for (const [name, type] of expectedAttributes) {
          const indexed = encodeSearchAttributeIndexedValueType(
            type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as 'KEYWORD',
          );
          assert.equal(customAttributes?.[name], indexed, `search attribute ${name} is a ${type}`);
        }
        // No worker polls this queue, so the run stays open: exactly what must survive the restart.
        await client.workflow.start('NobodyImplementsThis', {
          taskQueue: 'no-worker-here',
          workflowId,
          typedSearchAttributes: [{ key: agentNameKey, value: workflowId }],
        });
      });

      const reused = await ensureDevServer(opts);
      assert.equal(reused.reused, true);
      await reused.stop();
      assert.equal(await isServerUp(server.address), true, "stopping a reused server's handle leaves it running");
    } finally {
      await server.stop();
    }
    assert.equal(await isServerUp(server.address), false);

    server = await startDevServer(opts);
    try {
      await withClient(server.address, async (client) => {
        const description = await client.workflow.getHandle(workflowId).describe();
        assert.equal(description.status.name, 'RUNNING');
        const listed = await eventually(async () => {
          const ids: string[] = [];
          for await (const wf of client.workflow.list({ query: `AgentName = "${workflowId}"` }))
            ids.push(wf.workflowId);
          return ids.length > 0 ? ids : undefined;
        });
        assert.deepEqual(listed, [workflowId]);
        await client.workflow.getHandle(workflowId).terminate('test done');
      });
    } finally {
      await server.stop();
    }
  });
});

async function withClient(
  address: string,
  fn: (client: Client, connection: Connection) => Promise<void>,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await fn(new Client({ connection, namespace: 'default' }), connection);
  } finally {
    await connection.close();
  }
}

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(200);
  }
}

/** A finished `npm run <script>` or script process: how it ended and what it printed. */
interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running script: its output so far, and how it ends. */
interface ScriptProcess {
  child: ReturnType<typeof spawn>;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<ScriptRun>;
}

/**
 * The environment of a script under test: offline (no provider keys) and pointed at nothing of the caller's, so a
 * TEMPORAL_* variable in the shell never sends a test to someone's real cluster.
 */
function scriptEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('TEMPORAL_') && k !== 'TEMPORAL_CLI_PATH' && k !== 'TEMPORAL_CLI_CACHE_DIR') delete env[k];
  }
  for (const k of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'MOCK_LLM_URL']) {
    delete env[k];
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

/** The file behind each npm script, for a test that must run it without npm and tsx in between. */
const scriptFiles: Record<string, string> = { demo: 'scripts/demo.ts', dev: 'scripts/dev.ts' };

/**
 * Starts `npm run <script> -- <args>` in the repository, as a person types it (or, with `direct`, the script's file
 * under `node --import tsx`); killed after timeoutMs.
 */
function startScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 180_000,
  direct = false,
): ScriptProcess {
  const [command, argv] = direct
    ? [process.execPath, ['--import', 'tsx', scriptFiles[script] ?? script, ...args]]
    : ['npm', ['run', '--silent', script, '--', ...args]];
  // A process group of its own, like a terminal's foreground job: Ctrl-C (SIGINT) reaches every process in it,
  // and a script that overstays is killed with everything it started.
  const child = spawn(command, argv, {
    cwd: repoRoot,
    env: scriptEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<ScriptRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      reject(new Error(`npm run ${script} ${args.join(' ')} ran over ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}

/** Sends a signal to the script's whole process group, as a terminal does. */
function signalGroup(child: ReturnType<typeof spawn>, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

const runScript = (script: string, args: string[], env?: Record<string, string>, timeoutMs?: number) =>
  startScript(script, args, env, timeoutMs).done;

describe('npm scripts: --help', () => {
  for (const script of ['demo', 'dev', 'server', 'worker']) {
    it(`npm run ${script} -- --help prints the usage and exits 0 without starting anything`, async () => {
      const run = await runScript(script, ['--help'], {}, 60_000);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: npm run ${script}\\b`));
      assert.match(run.stdout, /docs\/configuration\.md/);
      assert.doesNotMatch(
        run.stdout + run.stderr,
        /Starting: |dev server (started|already running|ready) at|Worker polling|worker started/,
      );
    });
  }

  it('refuses an unknown option with the usage and a non-zero exit', async () => {
    const run = await runScript('demo', ['--no-such-option'], {}, 60_000);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /Unknown option '--no-such-option'[\s\S]*Usage: npm run demo/);
  });
});

describe('npm scripts: a server that refuses the connection', () => {
  for (const script of ['demo', 'dev']) {
    it(`npm run ${script} fails fast with a message naming the address`, async () => {
      const port = await findFreePort();
      const started = Date.now();
      const run = await runScript(script, [], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, 60_000);
      assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
      assert.match(
        run.stderr,
        new RegExp(`cannot connect to the Temporal server at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`),
      );
      assert.match(run.stderr, /npm run server/);
      assert.ok(Date.now() - started < 45_000, `took ${Date.now() - started} ms`);
    });
  }
});

describe('npm run demo and npm run dev on the real dev server', () => {
  let cliPath: string | undefined;
  let skipReason = '';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'da-scripts-'));
  before(async () => {
    try {
      cliPath = (await resolveTemporalCli({ allowInstall: false, log: () => undefined })).path;
    } catch (err) {
      skipReason = `no Temporal CLI without installing (${(err as Error).message.split('.')[0]})`;
    }
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  /** True once something answers HTTP at the URL; polled while `running` says the script still runs. */
  async function answeredWhileRunning(url: string, running: () => boolean): Promise<boolean> {
    while (running()) {
      if (
        await fetch(url).then(
          (r) => r.ok,
          () => false,
        )
      )
        return true;
      await sleep(250);
    }
    return false;
  }

  it('the demo starts its server on TEMPORAL_PORT, TEMPORAL_UI_PORT and TEMPORAL_DB_FILE, links that UI, stops it', async (t) => {
    if (!cliPath) return t.skip(skipReason);
    const port = await findFreePort();
    const uiPort = await findFreePort();
    const dbFile = path.join(work, 'demo', 'dev.sqlite');
    const env = { TEMPORAL_PORT: String(port), TEMPORAL_UI_PORT: String(uiPort), TEMPORAL_DB_FILE: dbFile };
    const demo = startScript('demo', [], env);
    let running = true;
    void demo.done.finally(() => (running = false)).catch(() => undefined);
    const uiAnswered = answeredWhileRunning(`http://127.0.0.1:${uiPort}`, () => running);
    const run = await demo.done;
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.ok(run.stdout.includes(`Temporal dev server started at 127.0.0.1:${port}`), run.stdout);
    assert.match(run.stdout, new RegExp(`Web UI: http://localhost:${uiPort}/namespaces/default/workflows/demo-`));
    assert.equal(await uiAnswered, true, 'the Web UI answered on TEMPORAL_UI_PORT while the demo ran');
    assert.ok(fs.existsSync(dbFile), `the server kept its data in ${dbFile}`);
    assert.match(run.stdout, /Offline: the model is a script/);
    assert.match(run.stdout, /2400 seconds/);
    assert.equal(await isServerUp(`127.0.0.1:${port}`), false, 'the demo stopped the server it started');
  });

  it("the demo's scripted answer follows the question, on a server it reuses", async (t) => {
    if (!cliPath) return t.skip(skipReason);
    const port = await findFreePort();
    const uiPort = await findFreePort();
    const server = await startDevServer({ cliPath, port, uiPort, log: () => undefined });
    try {
      const env = { TEMPORAL_PORT: String(port), TEMPORAL_UI_PORT: String(uiPort) };
      const approval = await runScript('demo', ['--question', 'How does a human approve a risky tool call?'], env);
      assert.equal(approval.code, 0, `${approval.stdout}\n${approval.stderr}`);
      assert.ok(approval.stdout.includes(`Temporal dev server already running at 127.0.0.1:${port}`));
      assert.match(approval.stdout, /Question: How does a human approve a risky tool call\?/);
      assert.match(approval.stdout, /approvalRequiredTools/);
      assert.doesNotMatch(approval.stdout, /2400 seconds/);
      assert.match(approval.stdout, /search_knowledge_base/);

      const other = await runScript('demo', ['What is the capital of France?'], env);
      assert.equal(other.code, 0, `${other.stdout}\n${other.stderr}`);
      assert.match(other.stdout, /plays a script and cannot read your question/);

      // --api: the same run through the HTTP API, its SSE events printed as they arrive, the API stopped after.
      const apiPort = await findFreePort();
      const viaApi = await runScript('demo', ['--api', 'How much does it cost?'], {
        ...env,
        AGENT_API_PORT: String(apiPort),
      });
      assert.equal(viaApi.code, 0, `${viaApi.stdout}\n${viaApi.stderr}`);
      assert.ok(viaApi.stdout.includes(`HTTP API: http://127.0.0.1:${apiPort}`), viaApi.stdout);
      assert.match(
        viaApi.stdout,
        new RegExp(`curl -N http://127\\.0\\.0\\.1:${apiPort}/v1/runs/demo-research-assistant-`),
      );
      assert.match(viaApi.stdout, /through POST http:\/\/127\.0\.0\.1:\d+\/v1\/runs/);
      assert.match(
        viaApi.stdout,
        /Events \(SSE\):[\s\S]*step\.started[\s\S]*step\.finished[\s\S]*run\.ended +completed/,
      );
      assert.match(viaApi.stdout, /\n {2}token {6}\S/, 'the model text streamed as token events');
      assert.match(viaApi.stdout, /Answer:[\s\S]*Steps:[\s\S]*cost: \$/);
      await assert.rejects(fetch(`http://127.0.0.1:${apiPort}/healthz`), 'the demo stopped its API');
      assert.equal(await isServerUp(server.address), true, 'a reused server is left running');
    } finally {
      await server.stop();
    }
  });

  it('npm run dev serves on TEMPORAL_PORT and TEMPORAL_UI_PORT until Ctrl-C', async (t) => {
    if (!cliPath) return t.skip(skipReason);
    const port = await findFreePort();
    const uiPort = await findFreePort();
    const apiPort = await findFreePort();
    const dbFile = path.join(work, 'dev', 'dev.sqlite');
    const env = {
      TEMPORAL_PORT: String(port),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_DB_FILE: dbFile,
      AGENT_API_PORT: String(apiPort),
      AGENT_API_KEYS: JSON.stringify({
        keys: [{ name: 'dev', sha256: hashApiKey(DEV_API_KEY), scopes: ['runs:start', 'runs:read'] }],
      }),
    };
    // Run directly: the tsx launcher behind `npm run` SIGKILLs its child when the child's acknowledgement of a
    // relayed SIGINT takes over 30 ms, which a loaded machine misses; that is tsx's race, not the script's.
    const dev = startScript('dev', [], env, 180_000, true);
    try {
      await waitFor(() => /Running\. Ctrl-C/.test(dev.stdout) || dev.child.exitCode !== null, 'dev to start', 150_000);
      assert.match(dev.stdout, /Running\. Ctrl-C/, `${dev.stdout}\n${dev.stderr}`);
      assert.ok(dev.stdout.includes(`Temporal dev server started at 127.0.0.1:${port}`), dev.stdout);
      assert.ok(dev.stdout.includes(`Web UI: http://localhost:${uiPort}`), dev.stdout);
      assert.equal((await fetch(`http://127.0.0.1:${uiPort}`)).ok, true, 'the Web UI answers where the link points');
      assert.equal(await isServerUp(`127.0.0.1:${port}`), true);
      assert.ok(dev.stdout.includes(`HTTP API: http://127.0.0.1:${apiPort}`), dev.stdout);
      const ready = await fetch(`http://127.0.0.1:${apiPort}/readyz`);
      assert.equal(ready.status, 200, 'the API reaches the dev server');
      await assertDevStreamsTokens(`http://127.0.0.1:${apiPort}`);
    } finally {
      signalGroup(dev.child, 'SIGINT');
    }
    const run = await dev.done;
    assert.equal(run.code, 0, `${run.code} ${run.signal}\n${run.stderr}`);
    assert.match(run.stdout, /Stopped\.\n$/, `${run.stdout}\n${run.stderr}`);
    assert.equal(await isServerUp(`127.0.0.1:${port}`), false, 'Ctrl-C stopped the server dev started');
  });
});
