#!/usr/bin/env node
// Prints `name@version` for every peer dependency of the package (the @temporalio/* packages), at the version
// package-lock.json pins. The images install them beside the production dependencies: `npm ci --omit=dev` leaves
// them out, because for this repository they are also devDependencies, and a deployed worker needs exactly one
// copy of each at the version the tests ran against.
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(fs.readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const specs = Object.keys(pkg.peerDependencies ?? {}).map((name) => {
  const locked = lock.packages[`node_modules/${name}`];
  if (!locked?.version) throw new Error(`peer dependency ${name} is not in package-lock.json; run npm install`);
  return `${name}@${locked.version}`;
});
process.stdout.write(`${specs.join(' ')}\n`);
