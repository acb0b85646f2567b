/**
 * A small CRM for the sales follow-up example: account records as JSON files in the workspace. Updates
 * carry the call's idempotency key, so a retried update is recognised and applied once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineTool, type DefinedTool } from './define-tool';
import { ErrorType } from '../../contracts/errors';
import { ToolError } from './tool-activity';

interface CrmRecord {
  accountId: string;
  notes: string[];
  fields: Record<string, unknown>;
  appliedUpdates: string[];
}

const accountId = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and -');

function recordPath(workspaceDir: string, id: string): string {
  return path.join(workspaceDir, 'crm', `${id}.json`);
}

/** Seeds the demo account `acme` that the shipped sales follow-up reads, unless it exists. */
export function seedDemoCrm(workspaceDir: string): void {
  const file = recordPath(workspaceDir, 'acme');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const record: CrmRecord = {
    accountId: 'acme',
    notes: [
      'Call 2026-11-10: CFO asked about annual pricing and SSO; wants a decision before Q1 budget lock.',
      'Email 2026-11-14: their platform team trialled the SDK, two engineers active daily.',
      'Call 2026-11-18: concern about data residency in the EU; asked for the security pack.',
    ],
    fields: { stage: 'evaluation', owner: 'dana' },
    appliedUpdates: [],
  };
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

function readRecord(workspaceDir: string, id: string): CrmRecord {
  seedDemoCrm(workspaceDir);
  const file = recordPath(workspaceDir, id);
  if (!fs.existsSync(file)) throw new ToolError(ErrorType.ToolFailed, `no CRM account "${id}"`);
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CrmRecord>;
    return { accountId: id, notes: [], fields: {}, appliedUpdates: [], ...record };
  } catch (err) {
    // A damaged record stays damaged on every attempt: say so once instead of retrying.
    throw new ToolError(ErrorType.ToolFailed, `CRM account "${id}" is not valid JSON`, { cause: err });
  }
}

/** Writes through a temporary file and a rename, so a crash mid-write never leaves half a record. */
function writeRecord(workspaceDir: string, record: CrmRecord): void {
  const file = recordPath(workspaceDir, record.accountId);
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(temp, file);
}

/**
 * The CRM tools over `<workspaceDir>/crm/<accountId>.json`: `crm_read_notes` (no side effects) and
 * `crm_update_record` (idempotent: the call's idempotency key is kept in the record's `appliedUpdates`, so an
 * attempt retried after a lost reply changes nothing and answers "already applied").
 */
export function createCrmTools(workspaceDir: string): DefinedTool[] {
  return [
    defineTool({
      name: 'crm_read_notes',
      description: 'Read the notes and fields of a CRM account.',
      schema: z.object({ accountId }).strict(),
      sideEffects: 'none',
      timeout: '10s',
      run: ({ accountId: id }) => {
        const record = readRecord(workspaceDir, id);
        return [`account ${id} (${JSON.stringify(record.fields)})`, ...record.notes.map((n) => `- ${n}`)].join('\n');
      },
    }),
    defineTool({
      name: 'crm_update_record',
      description: 'Set fields on a CRM account.',
      schema: z.object({ accountId, fields: z.record(z.string(), z.unknown()) }).strict(),
      sideEffects: 'idempotent',
      timeout: '10s',
      run: ({ accountId: id, fields }, call) => {
        const record = readRecord(workspaceDir, id);
        if (record.appliedUpdates.includes(call.idempotencyKey)) return `already applied (${call.idempotencyKey})`;
        record.fields = { ...record.fields, ...fields };
        record.appliedUpdates.push(call.idempotencyKey);
        writeRecord(workspaceDir, record);
        return `updated ${id}: ${Object.keys(fields).join(', ')}`;
      },
    }),
  ];
}
