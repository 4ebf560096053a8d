// Loads torture messages from test/fixtures/rfc4475 (shared by the parser specs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'rfc4475');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURE_DIR, name + '.sip'));
}
