// One real stack (MariaDB, Redis, rtpengine, coturn, project services) per mocha run, started on
// first use in a temp data dir with its own port base, stopped by the root hook after the run.
// Port bases (14000..29000, step 3000): TEST_PORT_BASE (the second base is +3000), or free slots
// claimed with lock files so parallel runs on one machine never collide. The bases stay below
// Linux's ephemeral range (32768..60999) so no kernel-chosen client port can take a stack's port.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRootDir, PORT_SPAN } from '@openline/config';
import { startStack, StackHandle } from '@openline/stack';

const MIN_BASE = 14000;
const MAX_BASE = 32000 - PORT_SPAN; // a run's last port stays below 32000 (ephemeral ports start at 32768)
const SLOTS = (MAX_BASE - MIN_BASE) / PORT_SPAN + 1; // 14000, 17000, ... 29000
const LOCK_DIR = path.join(os.tmpdir(), 'openline-port-locks');

let shared: Promise<StackHandle> | undefined;
let sharedDir: string | undefined;
const claimed = new Map<number, string>();

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a free port base for this process: a lock file per base under the temp dir, taken with
 * O_EXCL and holding our pid, so parallel test runs on one machine never share a range. A lock
 * whose pid is gone is taken over. The search starts at a slot derived from the pid.
 */
function claimBase(skip: ReadonlySet<number>): number {
  fs.mkdirSync(LOCK_DIR, { recursive: true });
  for (let i = 0; i < SLOTS; i++) {
    const base = MIN_BASE + ((process.pid + i) % SLOTS) * PORT_SPAN;
    if (skip.has(base)) continue;
    const lock = path.join(LOCK_DIR, `${base}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
        claimed.set(base, lock);
        return base;
      } catch {
        const owner = Number(fs.readFileSync(lock, 'utf8') || '0');
        if (owner > 0 && pidRunning(owner)) break;
        fs.rmSync(lock, { force: true }); // stale: its run is gone
      }
    }
  }
  throw new Error(`no free test port base in ${MIN_BASE}..${MAX_BASE} (locks in ${LOCK_DIR}); set TEST_PORT_BASE`);
}

function releaseBases(): void {
  for (const lock of claimed.values()) {
    try {
      if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.rmSync(lock, { force: true });
    } catch { /* already gone */ }
  }
  claimed.clear();
}
process.on('exit', releaseBases);

let primary: number | undefined;
let secondary: number | undefined;

/** The shared stack's port base: TEST_PORT_BASE, or a claimed free slot. */
export function testPortBase(): number {
  if (primary !== undefined) return primary;
  const fromEnv = process.env.TEST_PORT_BASE;
  if (fromEnv !== undefined) {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < MIN_BASE || n > MAX_BASE - PORT_SPAN) {
      throw new Error(`TEST_PORT_BASE must be an integer ${MIN_BASE}..${MAX_BASE - PORT_SPAN}, got '${fromEnv}'`);
    }
    primary = n;
  } else {
    primary = claimBase(new Set());
  }
  return primary;
}

/** A second base owned by this run, for suites that start and stop a stack of their own. */
export function secondaryPortBase(): number {
  if (secondary !== undefined) return secondary;
  const p = testPortBase();
  secondary = process.env.TEST_PORT_BASE !== undefined ? p + PORT_SPAN : claimBase(new Set([p]));
  return secondary;
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
    const dir = sharedDir;
    shared = (async () => {
      // A base whose lock we hold can still have a port taken by a run that ignores the locks
      // (TEST_PORT_BASE, an orphan): then the next free slot is claimed and tried.
      const tried = new Set<number>();
      for (;;) {
        const base = testPortBase();
        try {
          return await startStack({ dataDir: dir, portBase: base, overrides: { log: { level: 'info' } } });
        } catch (err) {
          tried.add(base);
          const busy = err instanceof Error && /already in use/.test(err.message);
          if (!busy || process.env.TEST_PORT_BASE !== undefined || tried.size >= 4) throw err;
          primary = claimBase(new Set([...tried, ...(secondary !== undefined ? [secondary] : [])]));
        }
      }
    })();
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
