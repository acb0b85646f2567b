/** `agentctl agents`: the agents agentctl can start by name, shipped and from AGENT_SPECS_DIR, with their source. */
import path from 'node:path';
import { z } from 'zod';
import { parseCommandArgs, type Command } from './command';
import { json, table } from './output';

/** A file as a person reads it: relative to the current folder when inside it, absolute otherwise. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

export const agentsCommand: Command = {
  name: 'agents',
  usage: 'agents [--json]',
  summary: 'list the agents to start by name: shipped ones and those in AGENT_SPECS_DIR',
  details: ['--json  print the list (and any invalid spec files) as JSON'],
  async run(ctx, argv) {
    const { flags } = parseCommandArgs('agents', argv, {
      options: { json: { type: 'boolean' } },
      positionals: [],
      flags: z.object({ json: z.boolean().default(false) }),
    });
    const { agents, problems } = ctx.agents().list();
    const rows = agents.map((a) => ({
      name: a.spec.name,
      description: a.spec.description,
      model: a.spec.model,
      tools: [...a.spec.tools, ...a.spec.mcpServers.map((s) => `${s.name}__*`)],
      source: a.source === 'shipped' ? 'shipped' : a.file,
    }));
    if (flags.json) {
      ctx.print(json({ agents: rows, invalid: problems }));
      return;
    }
    ctx.print(
      table(rows, [
        { header: 'AGENT', value: (r) => r.name },
        { header: 'MODEL', value: (r) => r.model },
        { header: 'TOOLS', value: (r) => r.tools.join(',') || '-' },
        {
          header: 'SOURCE',
          value: (r) => (r.source === 'shipped' ? r.source : shownPath(r.source)),
        },
        { header: 'DESCRIPTION', value: (r) => r.description, flex: true },
      ]),
    );
    // A broken file is not an agent, but its author wants to know why it is missing from the list.
    for (const p of problems) ctx.print(`invalid: ${shownPath(p.file)}: ${p.problems.join('; ')}`);
  },
};
