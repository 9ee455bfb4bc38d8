// Which processes of a command load a given package: a preload script (NODE_OPTIONS=--require, which Node passes on
// to every child process Nx forks) records every require of it, with the process's argv and the calls that made it.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PRELOAD = `'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === process.env.MODULE_TRACE_NAME) {
    const caller = new Error().stack.split('\\n').slice(2, 14).join('\\n');
    fs.appendFileSync(process.env.MODULE_TRACE_FILE, process.argv.slice(1).join(' ') + '\\n' + caller + '\\n\\n');
  }
  return load.call(this, request, ...rest);
};
`;

export interface ModuleTrace {
  /** The environment that turns the trace on for a command and every process it starts. */
  env: Record<string, string>;
  /** Each require of the package: the argv of the process that made it and the stack of the call. */
  loads(): string[];
  dispose(): void;
}

export function traceModuleLoads(name: string): ModuleTrace {
  const dir = mkdtempSync(join(tmpdir(), 'vast-module-trace-'));
  const preload = join(dir, 'preload.cjs');
  const log = join(dir, 'loads.log');
  writeFileSync(preload, PRELOAD);
  return {
    env: { NODE_OPTIONS: `--require ${preload}`, MODULE_TRACE_NAME: name, MODULE_TRACE_FILE: log },
    loads: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n\n').filter(Boolean) : []),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
