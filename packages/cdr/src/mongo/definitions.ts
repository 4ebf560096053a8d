// The MongoDB collection and index definitions live in db/mongo/cdrs.json (beside the SQL
// migrations); this reads them, found by walking up from this file to the repository root.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, IndexDirection } from 'mongodb';

export interface MongoIndexDefinition {
  name: string;
  key: Record<string, IndexDirection>;
}

export interface MongoCollectionDefinition {
  collection: string;
  validator: Document;
  indexes: MongoIndexDefinition[];
}

const REL = path.join('db', 'mongo', 'cdrs.json');

export function mongoDefinitionsFile(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, REL);
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`${REL} not found above ${from}`);
    dir = up;
  }
}

export function loadMongoDefinitions(file: string = mongoDefinitionsFile()): MongoCollectionDefinition {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<MongoCollectionDefinition>;
  if (typeof raw.collection !== 'string' || !Array.isArray(raw.indexes) || typeof raw.validator !== 'object') {
    throw new Error(`${file}: expected { collection, validator, indexes[] }`);
  }
  for (const ix of raw.indexes) {
    if (typeof ix.name !== 'string' || typeof ix.key !== 'object' || Object.keys(ix.key).length === 0) {
      throw new Error(`${file}: every index needs a name and a key`);
    }
  }
  return raw as MongoCollectionDefinition;
}
