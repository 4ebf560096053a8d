// MongoCdrStore without a server: the match documents, sort, stats pipelines, the document
// mapping, the index definitions of db/mongo/cdrs.json, and failures when no server answers.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { MongoClient } from 'mongodb';
import { encodeCursor, decodeCursor } from '../src/cursor';
import { CdrStoreUnavailableError } from '../src/errors';
import { normalizeFilter } from '../src/filter';
import { loadMongoDefinitions } from '../src/mongo/definitions';
import { cdrToDoc, docToCdr } from '../src/mongo/doc';
import { groupKey, mongoMatch, mongoSort, statsPipeline } from '../src/mongo/query';
import { MongoCdrStore } from '../src/mongo/store';
import { sampleCdr } from './fixture';

const ID = '00000000-0000-4000-8000-00000000000a';

describe('MongoDB match documents', () => {
  it('an empty filter matches everything', () => {
    assert.deepEqual(mongoMatch(normalizeFilter({})), {});
  });

  it('time range is startTime >= from and < to', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-02T00:00:00Z');
    assert.deepEqual(mongoMatch(normalizeFilter({ from, to })), { startTime: { $gte: from, $lt: to } });
  });

  it('account matches either party', () => {
    assert.deepEqual(mongoMatch(normalizeFilter({ accountId: 4 })),
      { $and: [{ $or: [{ 'caller.accountId': 4 }, { 'callee.accountId': 4 }] }] });
  });

  it('number prefixes are anchored regexes with the + escaped (index range scans)', () => {
    const m = mongoMatch(normalizeFilter({ callerNumberPrefix: '+4930', calleeNumberPrefix: '33' }));
    assert.deepEqual(m['caller.number'], /^\+4930/);
    assert.deepEqual(m['callee.number'], /^\+33/);
    assert.ok((m['caller.number'] as RegExp).test('+493012345'));
    assert.ok(!(m['caller.number'] as RegExp).test('4930+12345'));
    const either = mongoMatch(normalizeFilter({ numberPrefix: '+1' }));
    assert.deepEqual(either, { $and: [{ $or: [{ 'caller.number': /^\+1/ }, { 'callee.number': /^\+1/ }] }] });
  });

  it('lists become $in, single values equality; trunk, minimum talk and status map to their fields', () => {
    assert.deepEqual(mongoMatch(normalizeFilter({
      direction: ['inbound', 'outbound'], disposition: 'busy', trunkId: 2, minTalkMs: 5000, sipStatus: [486, 600],
    })), {
      direction: { $in: ['inbound', 'outbound'] }, disposition: 'busy', trunkId: 2, talkMs: { $gte: 5000 },
      sipStatus: { $in: [486, 600] },
    });
  });

  it('the keyset condition is strictly after (startTime, _id) in the sort direction', () => {
    const key = decodeCursor(encodeCursor({ t: 1000, id: ID }, '-startTime'), '-startTime');
    const t = new Date(1000);
    assert.deepEqual(mongoMatch(normalizeFilter({ trunkId: 1 }), { key, descending: true }), {
      trunkId: 1, $and: [{ $or: [{ startTime: { $lt: t } }, { startTime: t, _id: { $lt: ID } }] }],
    });
    assert.deepEqual(mongoMatch(normalizeFilter({}), { key, descending: false }),
      { $and: [{ $or: [{ startTime: { $gt: t } }, { startTime: t, _id: { $gt: ID } }] }] });
  });

  it('sort is (startTime, _id) both one way', () => {
    assert.deepEqual(mongoSort(true), { startTime: -1, _id: -1 });
    assert.deepEqual(mongoSort(false), { startTime: 1, _id: 1 });
  });
});

describe('MongoDB stats pipelines', () => {
  it('match, then group with calls, answered and talk sums', () => {
    assert.deepEqual(statsPipeline(normalizeFilter({ trunkId: 3 }), 'trunk'), [
      { $match: { trunkId: 3 } },
      { $group: {
        _id: '$trunkId', calls: { $sum: 1 },
        answered: { $sum: { $cond: [{ $eq: ['$disposition', 'answered'] }, 1, 0] } }, talk: { $sum: '$talkMs' },
      } },
    ]);
  });

  it('day and hour buckets are UTC date strings; account falls back to the callee; null is one group', () => {
    assert.deepEqual(groupKey('day'), { $dateToString: { format: '%Y-%m-%d', date: '$startTime', timezone: 'UTC' } });
    assert.deepEqual(groupKey('hour'), { $dateToString: { format: '%Y-%m-%dT%H', date: '$startTime', timezone: 'UTC' } });
    assert.deepEqual(groupKey('account'), { $ifNull: ['$caller.accountId', '$callee.accountId'] });
    assert.equal(groupKey(null), null);
  });
});

describe('MongoDB documents and definitions', () => {
  it('a CDR maps to a document with _id = id and back unchanged', () => {
    const c = sampleCdr();
    const d = cdrToDoc(c);
    assert.equal(d._id, c.id);
    assert.equal('id' in d, false);
    assert.deepEqual(docToCdr(d), c);
  });

  it('db/mongo/cdrs.json defines the cdrs collection with an index for every filter, each ending in startTime', () => {
    const defs = loadMongoDefinitions();
    assert.equal(defs.collection, 'cdrs');
    const keys = defs.indexes.map((ix) => Object.keys(ix.key));
    for (const field of ['caller.accountId', 'callee.accountId', 'caller.number', 'callee.number', 'trunkId', 'disposition', 'sipStatus']) {
      const ix = keys.find((k) => k[0] === field);
      assert.ok(ix, `an index leads with ${field}`);
      assert.equal(ix[1], 'startTime', `${field} index continues with startTime`);
    }
    assert.ok(keys.some((k) => k[0] === 'startTime' && k[1] === '_id'), 'a (startTime, _id) index serves the keyset sort');
    assert.equal(new Set(defs.indexes.map((i) => i.name)).size, defs.indexes.length);
    assert.ok((defs.validator.$jsonSchema as { required: string[] }).required.includes('startTime'));
  });
});

describe('MongoCdrStore with no server answering', () => {
  let port = 0;
  before(async () => {
    // A port that was just free: nothing listens there.
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
  });

  function store(): MongoCdrStore {
    return new MongoCdrStore(new MongoClient(`mongodb://127.0.0.1:${port}/openline`, { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 }), { ownsClient: true });
  }

  it('ping rejects with CdrStoreUnavailableError', async () => {
    const s = store();
    try {
      await assert.rejects(s.ping(), CdrStoreUnavailableError);
    } finally {
      await s.close();
    }
  });

  it('insert rejects with CdrStoreUnavailableError (so the durable writer retries it)', async () => {
    const s = store();
    try {
      await assert.rejects(s.insert(sampleCdr()), CdrStoreUnavailableError);
    } finally {
      await s.close();
    }
  });
});
