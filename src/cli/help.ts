/** `agentctl help`: the commands, the shipped agents and the environment agentctl reads. */
import { shippedAgentSpecs } from '../agents';
import type { Command } from './command';
import { UsageError } from './errors';

const environment: ReadonlyArray<readonly [string, string]> = [
  ['TEMPORAL_ADDRESS', 'Temporal frontend host:port (default localhost:7233)'],
  ['TEMPORAL_NAMESPACE', 'namespace (default default)'],
  ['TEMPORAL_TASK_QUEUE', 'task queue the agent workers poll (default durable-agents)'],
  ['TEMPORAL_UI_URL', 'Web UI base URL for links (default http://localhost:8233)'],
  ['TEMPORAL_API_KEY', 'API key (Temporal Cloud); turns TLS on'],
  ['TEMPORAL_TLS', 'true/false: force TLS on or off'],
  ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'mTLS client certificate (with TEMPORAL_TLS_CLIENT_KEY_PATH)'],
  ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'mTLS client key'],
  ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'CA certificate of the server'],
  ['TEMPORAL_TLS_SERVER_NAME', 'TLS server name override'],
  ['AGENT_SPECS_DIR', 'a folder of your own agent specs, started by name (agentctl agents lists them)'],
  ['TEMPORAL_PROFILE', "profile of Temporal's temporal.toml (TEMPORAL_CONFIG_FILE names the file); TEMPORAL_* win"],
];

const exitCodes: ReadonlyArray<readonly [string, string]> = [
  ['0', 'done; a run that was waited for (result, watch, start --wait) completed'],
  ['1', 'failed: a run that failed, was cancelled, terminated or timed out; a refusal; no worker for start --wait'],
  ['2', 'usage: an unknown command or flag, a missing or bad argument'],
  ['3', 'a graph run that ended rejected, limit_reached or budget_exceeded'],
];

function aligned(rows: ReadonlyArray<readonly [string, string]>, indent = '  '): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n');
}

/** The full usage text of `agentctl help`. */
export function usageText(commands: readonly Command[]): string {
  return [
    'agentctl: start, watch and steer durable agent runs on Temporal',
    '',
    'usage:',
    ...commands.map((c) => `  agentctl ${c.usage}`),
    '',
    'commands:',
    aligned(commands.map((c) => [c.name, c.summary])),
    '',
    'agents:',
    ...shippedAgentSpecs().flatMap((a) => [
      `  ${a.name}`,
      `      ${a.description}`,
      `      model ${a.model}${a.mockScenario ? `; offline: --model mock:${a.mockScenario}` : ''}`,
    ]),
    '  your own: agent spec files in AGENT_SPECS_DIR, or `agentctl start ./my-agent.yaml`',
    '',
    'environment:',
    aligned(environment),
    '',
    'exit codes:',
    aligned(exitCodes),
    '',
    'Run `agentctl <command> --help` for its flags. Everything agentctl does is plain Temporal API:',
    'the same runs show in the Web UI and answer `temporal workflow query --name state`.',
  ].join('\n');
}

/** The usage of one command, with its flags. */
export function commandUsageText(command: Command): string {
  return [
    `usage: agentctl ${command.usage}`,
    '',
    command.summary,
    ...(command.details?.length ? ['', ...command.details] : []),
  ].join('\n');
}

/** The `help` command; it takes the other commands so the registry stays in `client.ts`. */
export function helpCommand(commands: readonly Command[]): Command {
  const self: Command = {
    name: 'help',
    usage: 'help [command]',
    summary: 'show this help, or one command’s flags',
    async run(ctx, argv) {
      const all = [...commands, self];
      const topic = argv.find((a) => !a.startsWith('-'));
      const command = topic ? all.find((c) => c.name === topic) : undefined;
      if (topic && !command)
        throw new UsageError(`unknown command "${topic}"; commands: ${all.map((c) => c.name).join(', ')}`);
      ctx.print(command ? commandUsageText(command) : usageText(all));
    },
  };
  return self;
}
