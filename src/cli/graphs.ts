/** `agentctl graphs` lists the shipped graph specs; `agentctl validate` checks a spec without starting it. */
import { z } from 'zod';
import { loadGraphSpec, shippedGraphs } from '../agents/graphs';
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
  usage: 'validate <spec file | graph name>',
  summary: 'check a graph spec and name every problem with its field path',
  async run(ctx, argv) {
    const { positionals } = parseCommandArgs('validate', argv, {
      options: {},
      positionals: ['spec'],
      flags: z.object({}),
    });
    const spec = loadGraphSpec(positionals[0] as string);
    ctx.print(`ok: ${spec.name} (${Object.keys(spec.nodes).length} nodes, ${Object.keys(spec.agents).length} agents)`);
  },
};
