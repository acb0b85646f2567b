/**
 * `npm run mock-llm`: its --help (options and the shipped scenarios) and --scenarios DIR (a user's own folder,
 * played beside the shipped scenarios), through the real CLI process and the real OpenAI client.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import OpenAI from 'openai';
import { defaultScenarioDir } from '../../src/servers/mock-llm/server';
import { loadScenarioDir } from '../../src/servers/mock-llm/scenario';

const cli = path.resolve(__dirname, '../../src/servers/mock-llm/cli.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts the CLI as a server and resolves with its URL, the first line it prints on stdout. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve({ child, url: line.trim(), stderr: () => stderr });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`mock-llm exited with ${code} before printing its URL\n${stderr}`)));
  });
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'da-mock-cli-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

describe('mock-llm --help', () => {
  it('lists the options and every shipped scenario, and exits 0', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Usage: npm run mock-llm/);
    for (const option of ['--port N', '--host ADDRESS', '--scenarios DIR', '--default-scenario NAME', '--help']) {
      assert.ok(run.stdout.includes(option), `--help names ${option}`);
    }
    const shipped = Object.keys(loadScenarioDir(defaultScenarioDir));
    assert.ok(shipped.length > 5);
    for (const name of shipped) assert.match(run.stdout, new RegExp(`^  ${name} +\\S`, 'm'), `lists ${name}`);
    assert.match(run.stdout, /hello +A plain answer, no tools/);
    assert.match(run.stdout, /docs\/mock-llm\.md/);
  });

  it('refuses an unknown option with the usage and exit code 2', async () => {
    const run = await runCli(['--scenario', 'x']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown option '--scenario'[\s\S]*Usage: npm run mock-llm/);
  });
});

describe('mock-llm --scenarios DIR', () => {
  const children: ChildProcess[] = [];
  after(() => children.forEach((c) => c.kill('SIGTERM')));

  it("plays the folder's scenarios beside the shipped ones, through the OpenAI client", async () => {
    const dir = path.join(work, 'mine');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'greeter.yaml'),
      [
        'description: Greets by language.',
        'cases:',
        '  - when: { contains: [bonjour, salut], ignoreCase: true, in: input }',
        '    turns: [{ text: Bonjour ! }]',
        '  - turns: [{ text: Hello! }]',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, 'weather.json'), JSON.stringify({ turns: [{ text: 'Sunny.' }] }));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a scenario');

    const server = await startCli(['--port', '0', '--scenarios', dir]);
    children.push(server.child);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const ask = async (model: string, content: string): Promise<string> => {
      const reply = await client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
      return reply.choices[0]?.message.content ?? '';
    };
    assert.equal(await ask('greeter', 'SALUT tout le monde'), 'Bonjour !');
    assert.equal(await ask('greeter', 'Good morning'), 'Hello!');
    assert.equal(await ask('weather', 'Any rain?'), 'Sunny.');
    assert.equal(await ask('hello', 'hi'), 'Hello from the mock LLM server.', 'shipped scenarios still play');

    const health = (await (await fetch(`${server.url}/health`)).json()) as { scenarios: string[] };
    assert.ok(health.scenarios.includes('greeter') && health.scenarios.includes('weather'));
    assert.ok(health.scenarios.includes('research-assistant'));
    assert.ok(!health.scenarios.includes('notes'));
    assert.match(server.stderr(), /Loaded 2 scenario\(s\) of your own: greeter, weather/);
  });

  it('a folder that is missing, empty or holds a broken scenario stops the CLI with the reason', async () => {
    const missing = await runCli(['--scenarios', path.join(work, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--scenarios .*nope: no such folder/);

    const empty = path.join(work, 'empty');
    fs.mkdirSync(empty);
    const none = await runCli(['--scenarios', empty]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /holds no \.yaml, \.yml or \.json scenario file/);

    const broken = path.join(work, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'bad.yaml'), 'turns:\n  - usage: { input: 1, output: 1 }\n');
    const bad = await runCli(['--scenarios', broken]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid mock scenario .*bad\.yaml: turns\.0: a turn needs text or toolCalls/);
  });
});
