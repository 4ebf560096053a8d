// Where a run keeps its files, all under one data dir so parallel runs never share anything.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StackPaths {
  dataDir: string;
  /** <name>.log per service and stack.log for the supervisor. */
  logDir: string;
  /** <name>.pid per service, stack.json (the run's manifest), sockets. */
  runDir: string;
  /** Rendered configuration files. */
  confDir: string;
}

export function stackPaths(dataDir: string): StackPaths {
  return {
    dataDir,
    logDir: path.join(dataDir, 'log'),
    runDir: path.join(dataDir, 'run'),
    confDir: path.join(dataDir, 'conf'),
  };
}

export function ensureDirs(p: StackPaths): void {
  for (const d of [p.dataDir, p.logDir, p.runDir, p.confDir]) fs.mkdirSync(d, { recursive: true });
}
