import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransactionStateError } from '../../src/transaction/errors';
import { TransactionLayer, type ServerTransaction } from '../../src/transaction/transaction-layer';
import { dest, FakeClock, inbound, RecordingTransport, RecordingUser, request, response, TEST_TIMERS } from './support';

type Step =
  | { op: 'request'; method: 'INVITE' | 'OPTIONS' | 'CANCEL' | 'ACK'; id: number; branch: number }
  | { op: 'respond'; id: number; status: number }
  | { op: 'send'; method: 'INVITE' | 'OPTIONS'; id: number }
  | { op: 'reply'; id: number; status: number; method: 'INVITE' | 'OPTIONS' }
  | { op: 'tick'; ms: number };

const id = fc.integer({ min: 0, max: 4 });
const status = fc.constantFrom(100, 180, 200, 486);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('request' as const), method: fc.constantFrom('INVITE' as const, 'OPTIONS' as const, 'CANCEL' as const, 'ACK' as const), id, branch: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ op: fc.constant('respond' as const), id, status }),
  fc.record({ op: fc.constant('send' as const), method: fc.constantFrom('INVITE' as const, 'OPTIONS' as const), id }),
  fc.record({ op: fc.constant('reply' as const), id, status, method: fc.constantFrom('INVITE' as const, 'OPTIONS' as const) }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 400 }) }),
);

describe('TransactionLayer properties', () => {
  it('whatever arrives and whatever the TU does, every map empties and every timer stops once timers run out', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const clock = new FakeClock().install();
        try {
          const transport = new RecordingTransport(clock);
          const layer = new TransactionLayer({ transport, timers: TEST_TIMERS, trying: 'delayed' });
          const server = new Map<number, ServerTransaction>();
          const all: ServerTransaction[] = [];
          for (const s of steps) {
            switch (s.op) {
              case 'request': {
                const o = layer.receive(inbound(request({ method: s.method, branch: `z9hG4bKs${s.id}b${s.branch}`, callId: `s${s.id}`, toTag: s.method === 'ACK' ? 'totag' : undefined })));
                if (o.kind === 'request' || o.kind === 'merged' || o.kind === 'cancel') {
                  server.set(s.id, o.transaction);
                  all.push(o.transaction);
                }
                break;
              }
              case 'respond': {
                const tx = server.get(s.id);
                try {
                  tx?.respond(response(tx.request, s.status));
                } catch (err) {
                  if (!(err instanceof TransactionStateError)) throw err;
                }
                break;
              }
              case 'send':
                try {
                  layer.createClientTransaction(request({ method: s.method, branch: `z9hG4bKc${s.id}`, callId: `c${s.id}` }), dest(), new RecordingUser());
                } catch (err) {
                  if (!(err instanceof Error) || !/already exists/.test(err.message)) throw err;
                }
                break;
              case 'reply':
                layer.receive(inbound(response(request({ method: s.method, branch: `z9hG4bKc${s.id}`, callId: `c${s.id}` }), s.status)));
                break;
              case 'tick':
                clock.tick(s.ms);
                break;
            }
          }
          // Server transactions without a final response wait for their TU: answer them.
          for (const tx of all) {
            try {
              tx.respond(response(tx.request, 486));
            } catch (err) {
              if (!(err instanceof TransactionStateError)) throw err;
            }
          }
          clock.tick(10_000);
          const counts = layer.counts();
          // Client INVITEs left in Proceeding wait for a final response or a CANCEL by design.
          const proceeding = [...Array(5).keys()].filter((i) => layer.findClientTransaction(`z9hG4bKc${i}`, 'INVITE')?.state === 'Proceeding').length;
          assert.deepEqual(counts, { client: proceeding, server: 0 });
          layer.close();
          assert.deepEqual(layer.counts(), { client: 0, server: 0 });
          assert.equal(clock.pending, 0);
        } finally {
          clock.uninstall();
        }
      }),
      { numRuns: 300 },
    );
  });
});
