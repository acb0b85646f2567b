/**
 * The search attributes every run upserts must exist in the worker's namespace before it takes a task: an upsert
 * of an unregistered attribute fails the workflow task, and every new run would then wait, stuck, until someone
 * registers it. The worker checks once as it starts and refuses to run, naming what to register and how. Where the
 * check itself cannot be made (an API key without operator rights, as on Temporal Cloud), it says so in the log
 * and runs: the attributes may well be there.
 */
import { Runtime, type NativeConnection } from '@temporalio/worker';
import { UserError } from '../contracts/errors';
import { agentSearchAttributeKeys } from '../contracts/search-attributes';

/** The attributes `namespace` lacks, by name and type, or undefined when the server would not say. */
export async function missingSearchAttributes(
  connection: NativeConnection,
  namespace: string,
): Promise<{ name: string; type: string }[] | undefined> {
  let registered: Record<string, unknown>;
  try {
    const answer = await connection.operatorService.listSearchAttributes({ namespace });
    registered = { ...(answer.customAttributes ?? {}), ...(answer.systemAttributes ?? {}) };
  } catch (err) {
    Runtime.instance().logger.warn('could not list the namespace search attributes; assuming they are registered', {
      namespace,
      error: (err as Error).message,
    });
    return undefined;
  }
  return agentSearchAttributeKeys
    .filter((key) => !(key.name in registered))
    .map((key) => ({ name: key.name, type: key.type }));
}

/** Namespaces each connection was found to have every attribute in, so a worker is checked once, not twice. */
const passed = new WeakMap<NativeConnection, Set<string>>();

/** Throws a UserError naming every missing attribute and the command that registers it. */
export async function requireSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  if (passed.get(connection)?.has(namespace)) return;
  const missing = await missingSearchAttributes(connection, namespace);
  if (!missing?.length) {
    passed.set(connection, (passed.get(connection) ?? new Set()).add(namespace));
    return;
  }
  // KEYWORD_LIST → KeywordList, as the temporal CLI spells types.
  const typeName = (type: string): string =>
    type
      .split('_')
      .map((part) => part.charAt(0) + part.slice(1).toLowerCase())
      .join('');
  const commands = missing.map(
    (a) =>
      `temporal operator search-attribute create --namespace ${namespace} --name ${a.name} --type ${typeName(a.type)}`,
  );
  throw new UserError(
    `namespace ${namespace} lacks the search attributes ${missing.map((a) => a.name).join(', ')}, which every run ` +
      `sets: its first workflow task would fail and the run wait until they exist. Register them (docs/deploying.md): ` +
      commands.join('; '),
  );
}
