/** Checks the API responses a test saw against the OpenAPI document's response schemas (ajv, JSON Schema 2020-12). */
/* eslint-disable @typescript-eslint/no-explicit-any -- an OpenAPI document is walked field by field; zod-free on purpose. */
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';

/** One response as an API test records it. */
export interface SeenResponse {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** Asserts every seen response (but the document's own) matches its documented schema; returns how many were checked. */
export function checkResponsesAgainstDocument(document: Record<string, any>, seen: readonly SeenResponse[]): number {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: document.components ?? {} });
  const paths = Object.entries(document.paths as Record<string, Record<string, any>>);
  let checked = 0;
  for (const response of seen) {
    if (response.path === '/openapi.json') continue;
    const match = paths.find(([template]) =>
      new RegExp(`^${template.replace('{approvalId}', '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(response.path),
    );
    assert.ok(match, `no path for ${response.path}`);
    const operation = match[1][response.method.toLowerCase()];
    const schema = operation?.responses?.[String(response.status)]?.content?.['application/json']?.schema;
    assert.ok(schema, `${response.method} ${match[0]} documents no ${response.status} response`);
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/');
    const validate = ajv.compile(JSON.parse(text));
    assert.ok(
      validate(response.body),
      `${response.method} ${response.path} ${response.status}: ${ajv.errorsText(validate.errors)}`,
    );
    checked++;
  }
  return checked;
}
