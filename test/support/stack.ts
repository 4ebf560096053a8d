// One real stack (MariaDB, Redis, rtpengine, coturn, project services) per mocha run, started on
// first use in a temp data dir with its own port base, stopped by the root hook after the run.
// Port bases: TEST_PORT_BASE, or one of 40000/46000/52000 picked from the pid; each run also owns
// base+3000 (secondaryPortBase) for suites that need a stack of their own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRootDir, PORT_SPAN } from '@openline/config';
import { startStack, StackHandle } from '@openline/stack';

const MIN_BASE = 40000;
const MAX_BASE = 58000 - 2 * PORT_SPAN; // the secondary range ends below 58000

let shared: Promise<StackHandle> | undefined;
let sharedDir: string | undefined;

export function testPortBase(): number {
  const fromEnv = process.env.TEST_PORT_BASE;
  if (fromEnv !== undefined) {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < MIN_BASE || n > MAX_BASE) {
      throw new Error(`TEST_PORT_BASE must be an integer ${MIN_BASE}..${MAX_BASE}, got '${fromEnv}'`);
    }
    return n;
  }
  return MIN_BASE + (process.pid % 3) * 2 * PORT_SPAN;
}

/** A second base owned by this run, for suites that start and stop their own stack. */
export function secondaryPortBase(): number {
  return testPortBase() + PORT_SPAN;
}

export function repoRoot(): string {
  return findRootDir(__dirname);
}

/** A fresh temp dir for a stack's data (short: MariaDB's socket path must fit in 107 bytes). */
export function tempDataDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `openline-${tag}-`));
}

export function getSharedStack(): Promise<StackHandle> {
  if (!shared) {
    sharedDir = tempDataDir('test');
    shared = startStack({ dataDir: sharedDir, portBase: testPortBase(), overrides: { log: { level: 'info' } } });
  }
  return shared;
}

/** Stops the shared stack if one was started; removes its data unless KEEP_TEST_DATA is set. */
export async function stopSharedStack(): Promise<void> {
  if (!shared) return;
  const pending = shared;
  shared = undefined;
  try {
    const stack = await pending;
    await stack.stop();
  } catch {
    // It never came up: startStack already stopped what it had started.
  }
  if (sharedDir && !process.env.KEEP_TEST_DATA) fs.rmSync(sharedDir, { recursive: true, force: true });
  sharedDir = undefined;
}

/** Environment for a child process (bin/ctl, the stack CLI) that must see this stack's config. */
export function stackEnv(stack: Pick<StackHandle, 'config'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENLINE_')) env[k] = v;
  return {
    ...env,
    OPENLINE_CONFIG: '',
    OPENLINE_DATA_DIR: stack.config.dataDir,
    OPENLINE_PORT_BASE: String(stack.config.ports.base),
  };
}
