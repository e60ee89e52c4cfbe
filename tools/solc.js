#!/usr/bin/env node
// tools/solc (a shell script) runs this for everything but a cached --version.
// A solc command line over the npm-pinned solc-js, answering the two calls py-solc-x and
// Brownie make: `--version` and `--standard-json` (JSON on stdin, JSON on stdout). Imports
// resolve against --base-path, --include-path and the project's node_modules, as native solc's do.
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.resolve(__dirname, '..');
const solc = require(path.join(root, 'node_modules', 'solc'));

const args = process.argv.slice(2);
if (args.includes('--version')) {
  fs.writeSync(1, `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  fs.writeSync(2, 'tools/solc answers only --version and --standard-json\n');
  process.exit(2);
}
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (['--base-path', '--include-path', '--allow-paths'].includes(args[i])) {
    roots.push(...args[++i].split(','));
  }
}
roots.push(process.cwd(), path.join(root, 'node_modules'), root);

function findImports(importPath) {
  for (const dir of roots) {
    const candidate = path.resolve(dir, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(', ')})` };
}

const input = fs.readFileSync(0, 'utf8');
fs.writeSync(1, solc.compile(input, { import: findImports }));
