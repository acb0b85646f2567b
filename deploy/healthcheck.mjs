#!/usr/bin/env node
// The images' HEALTHCHECK: `node deploy/healthcheck.mjs URL` exits 0 when URL answers 2xx within 3 s, 1 otherwise.
// A script rather than curl or wget, so the slim Node image needs no extra package.
const url = process.argv[2];
if (!url) {
  process.stderr.write('usage: node deploy/healthcheck.mjs URL\n');
  process.exit(2);
}
try {
  const res = await globalThis.fetch(url, { signal: globalThis.AbortSignal.timeout(3000) });
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`healthcheck: ${url}: ${err.message}\n`);
  process.exit(1);
}
