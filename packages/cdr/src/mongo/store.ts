// MongoCdrStore: the CdrStore on MongoDB (official driver), collection and indexes from
// db/mongo/cdrs.json. _id = CDR id makes a retried insert a duplicate-key no-op.
import {
  Collection, MongoClient, MongoClientOptions, MongoNetworkError, MongoNotConnectedError, MongoServerError,
  MongoServerSelectionError, MongoTopologyClosedError,
} from 'mongodb';
import { decodeCursor, encodeCursor } from '../cursor';
import { CdrStoreUnavailableError, CdrValidationError } from '../errors';
import { normalizeFilter, normalizePage, normalizeSort } from '../filter';
import { GROUP_BYS, sortStatsRows, statsRow } from '../stats';
import {
  CdrExportOptions, CdrFilter, CdrGroupBy, CdrPage, CdrQueryOptions, CdrRecord, CdrStatsRow, CdrStore,
} from '../types';
import { UUID_RE, validateCdr } from '../validate';
import { loadMongoDefinitions, MongoCollectionDefinition } from './definitions';
import { CdrDocument, cdrToDoc, docToCdr } from './doc';
import { mongoMatch, mongoSort, statsPipeline } from './query';

export interface MongoCdrStoreOptions {
  /** Database name (default: the one in the URL, else 'openline'). */
  dbName?: string;
  /** Collection name (default from db/mongo/cdrs.json: 'cdrs'). */
  collection?: string;
  /** Close the client in close() (default true for connect(), false for the constructor). */
  ownsClient?: boolean;
  /** Collection/index definitions (default: db/mongo/cdrs.json). */
  definitions?: MongoCollectionDefinition;
}

const DUPLICATE_KEY = 11000;
const NAMESPACE_EXISTS = 48;

export function isMongoUnavailable(err: unknown): boolean {
  return err instanceof MongoNetworkError || err instanceof MongoServerSelectionError
    || err instanceof MongoNotConnectedError || err instanceof MongoTopologyClosedError;
}

function mapError(err: unknown, what: string): Error {
  if (err instanceof CdrValidationError || err instanceof CdrStoreUnavailableError) return err;
  if (isMongoUnavailable(err)) return new CdrStoreUnavailableError(`mongodb ${what}: ${(err as Error).message}`, err);
  return err instanceof Error ? err : new Error(String(err));
}

export class MongoCdrStore implements CdrStore {
  readonly kind = 'mongodb';
  private readonly coll: Collection<CdrDocument>;
  private readonly defs: MongoCollectionDefinition;
  private closed = false;

  /** Connects lazily (the driver connects on first use); the store owns the client. */
  static create(url: string, options: MongoCdrStoreOptions & { client?: MongoClientOptions } = {}): MongoCdrStore {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, ...options.client });
    return new MongoCdrStore(client, { ownsClient: true, ...options });
  }

  constructor(private readonly client: MongoClient, private readonly options: MongoCdrStoreOptions = {}) {
    this.defs = options.definitions ?? loadMongoDefinitions();
    const db = client.db(options.dbName);
    this.coll = db.collection<CdrDocument>(options.collection ?? this.defs.collection, { writeConcern: { w: 'majority' } });
  }

  get collectionName(): string {
    return this.coll.collectionName;
  }

  /** Creates the collection (with its validator) if missing, then the indexes; idempotent. */
  async ensureIndexes(): Promise<void> {
    try {
      const db = this.client.db(this.options.dbName);
      const exists = await db.listCollections({ name: this.coll.collectionName }, { nameOnly: true }).hasNext();
      if (!exists) {
        await db.createCollection(this.coll.collectionName, { validator: this.defs.validator }).catch((err: unknown) => {
          if (!(err instanceof MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
        });
      }
      await this.coll.createIndexes(this.defs.indexes.map((ix) => ({ name: ix.name, key: ix.key })));
    } catch (err) {
      throw mapError(err, 'ensureIndexes');
    }
  }

  async insert(cdr: CdrRecord): Promise<void> {
    const doc = cdrToDoc(validateCdr(cdr));
    try {
      await this.coll.insertOne(doc);
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return; // already stored: no-op
      throw mapError(err, 'insert');
    }
  }

  async get(id: string): Promise<CdrRecord | null> {
    if (typeof id !== 'string' || !UUID_RE.test(id.toLowerCase())) return null;
    try {
      const doc = await this.coll.findOne({ _id: id.toLowerCase() });
      return doc ? docToCdr(doc) : null;
    } catch (err) {
      throw mapError(err, 'get');
    }
  }

  async query(filter: CdrFilter, options?: CdrQueryOptions): Promise<CdrPage> {
    const f = normalizeFilter(filter);
    const page = normalizePage(options);
    const after = options?.cursor ? { key: decodeCursor(options.cursor, page.sort), descending: page.descending } : undefined;
    let docs: CdrDocument[];
    try {
      docs = await this.coll.find(mongoMatch(f, after)).sort(mongoSort(page.descending)).limit(page.limit + 1).toArray();
    } catch (err) {
      throw mapError(err, 'query');
    }
    const items = docs.slice(0, page.limit).map(docToCdr);
    const last = items[items.length - 1];
    const nextCursor = docs.length > page.limit && last
      ? encodeCursor({ t: last.startTime.getTime(), id: last.id }, page.sort) : null;
    return { items, nextCursor };
  }

  async stats(filter: CdrFilter, groupBy: CdrGroupBy): Promise<CdrStatsRow[]> {
    if (!GROUP_BYS.includes(groupBy)) throw new CdrValidationError("groupBy must be 'day', 'hour', 'account', 'trunk' or null");
    const pipeline = statsPipeline(normalizeFilter(filter), groupBy);
    let rows: Array<{ _id: unknown; calls: number; answered: number; talk: number }>;
    try {
      rows = await this.coll.aggregate<{ _id: unknown; calls: number; answered: number; talk: number }>(pipeline).toArray();
    } catch (err) {
      throw mapError(err, 'stats');
    }
    const out = rows.map((r) => statsRow(r._id === null || r._id === undefined ? null : String(r._id),
      Number(r.calls), Number(r.answered), Number(r.talk)));
    // SQL's ungrouped aggregate always yields one row; $group over nothing yields none.
    if (groupBy === null && out.length === 0) out.push(statsRow(null, 0, 0, 0));
    return sortStatsRows(out, groupBy);
  }

  exportStream(filter: CdrFilter, options?: CdrExportOptions): AsyncIterable<CdrRecord> {
    const match = mongoMatch(normalizeFilter(filter));
    const descending = normalizeSort(options?.sort, 'startTime') === '-startTime';
    const coll = this.coll;
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<CdrRecord> {
        const cursor = coll.find(match).sort(mongoSort(descending)).batchSize(1000);
        try {
          for await (const doc of cursor) yield docToCdr(doc);
        } catch (err) {
          throw mapError(err, 'export');
        } finally {
          await cursor.close();
        }
      },
    };
  }

  async ping(): Promise<void> {
    try {
      await this.client.db(this.options.dbName).command({ ping: 1 });
    } catch (err) {
      const mapped = mapError(err, 'ping');
      throw mapped instanceof CdrStoreUnavailableError ? mapped : new CdrStoreUnavailableError(`mongodb ping: ${mapped.message}`, err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.options.ownsClient) await this.client.close();
  }
}
