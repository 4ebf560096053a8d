// Checks on sipd's own output (JSON log lines on stdout/stderr): no crash, no error-level line.
import assert from 'node:assert/strict';

/** Log lines at error level or above, and anything that looks like an uncaught exception. */
export function crashLines(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (/uncaught|unhandled|^\s+at .+\(.+:\d+:\d+\)$/i.test(line)) return true;
    try {
      const rec = JSON.parse(line) as { level?: unknown };
      const lvl = rec.level;
      return lvl === 'error' || lvl === 'fatal' || (typeof lvl === 'number' && lvl >= 50);
    } catch {
      return false;
    }
  });
}

export function assertNoCrash(output: string): void {
  const bad = crashLines(output);
  assert.deepEqual(bad, [], `sipd logged errors or crashed:\n${bad.slice(0, 20).join('\n')}`);
}

/** The engine must never hand a transaction a response it refuses (e.g. a final response twice). */
export function assertNoRefusedResponses(output: string): void {
  const bad = output.split('\n').filter((l) => /refused by the transaction/.test(l));
  assert.deepEqual(bad, [], `sipd tried to send responses its transactions refused:\n${bad.slice(0, 10).join('\n')}`);
}
