#!/usr/bin/env node
// agentctl: loads the TypeScript sources through tsx (a runtime dependency), so there is no build step.
'use strict';
require('tsx/cjs/api').register();
require('../src/cli/main.ts').runCli(process.argv.slice(2));
