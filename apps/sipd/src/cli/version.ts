// sipd's version, read from apps/sipd/package.json (found by walking up, so it works from src/
// under tsx and from dist/src/ once compiled).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

export function sipdVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === '@openline/sipd' && 'version' in pkg) {
      cached = String(pkg.version);
      break;
    }
  }
  return cached;
}
