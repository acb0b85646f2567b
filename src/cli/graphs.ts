/** `agentctl graphs` lists the shipped graph specs; `agentctl validate` checks a spec without starting it. */
import { z } from 'zod';
import { shippedGraphs } from '../agents/graphs';
import { resolveSpecReference } from '../agents/references';
import { parseCommandArgs, type Command } from './command';
import { table } from './output';

export const graphsCommand: Command = {
  name: 'graphs',
  usage: 'graphs',
  summary: 'list the shipped graph specs',
  async run(ctx, argv) {
    parseCommandArgs('graphs', argv, { options: {}, positionals: [], flags: z.object({}) });
    const graphs = shippedGraphs();
    ctx.print(
      table(graphs, [
        { header: 'GRAPH', value: (g) => g.name },
        { header: 'DESCRIPTION', value: (g) => g.description, flex: true },
      ]),
    );
  },
};

export const validateCommand: Command = {
  name: 'validate',
  usage: 'validate <spec file | agent or graph name>',
  summary: 'check an agent or graph spec and name every problem with its field path',
  async run(ctx, argv) {
    const { positionals } = parseCommandArgs('validate', argv, {
      options: {},
      positionals: ['spec'],
      flags: z.object({}),
    });
    const target = resolveSpecReference(ctx.agents(), positionals[0] as string);
    if (target.kind === 'graph') {
      const spec = target.spec;
      ctx.print(
        `ok: ${spec.name} (${Object.keys(spec.nodes).length} nodes, ${Object.keys(spec.agents).length} agents)`,
      );
      return;
    }
    const spec = target.spec;
    const mcp = spec.mcpServers.length ? `, MCP servers ${spec.mcpServers.map((s) => s.name).join(', ')}` : '';
    ctx.print(`ok: agent ${spec.name} (${spec.model}, ${spec.tools.length} tools${mcp})`);
  },
};
