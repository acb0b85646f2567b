#!/usr/bin/env node
// agentctl. In an installed package (which ships dist/ and no src/) it runs the compiled JavaScript with plain Node.
// In a checkout, where src/ is present, it always runs the TypeScript sources through tsx (a dev dependency), so the
// tests and a developer never run a dist/ left over from an older build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs/api').register();
  require(source).runCli(process.argv.slice(2));
} else {
  require('../dist/cli/main.js').runCli(process.argv.slice(2));
}
