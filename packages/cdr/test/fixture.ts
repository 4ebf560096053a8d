// A valid answered CDR for unit specs; override what a spec is about.
import { randomUUID } from 'node:crypto';
import { CdrRecord } from '../src/types';

export function sampleCdr(over: Partial<CdrRecord> = {}): CdrRecord {
  const start = new Date('2026-11-22T07:00:00.123Z');
  return {
    id: randomUUID(),
    callId: 'call-1',
    aLegCallId: 'a@example',
    bLegCallId: 'b@example',
    caller: { accountId: 7, username: 'alice', number: '+4930111', device: '<urn:uuid:00000000-0000-4000-8000-000000000001>', displayName: 'Alice' },
    callee: { accountId: 8, username: 'bob', number: '+4930222', device: null, displayName: null },
    direction: 'onnet',
    trunkId: null,
    trunkName: null,
    startTime: start,
    ringingTime: new Date(start.getTime() + 300),
    answerTime: new Date(start.getTime() + 5300),
    endTime: new Date(start.getTime() + 65300),
    setupMs: 300,
    ringMs: 5000,
    talkMs: 60000,
    disposition: 'answered',
    sipStatus: 200,
    sipReason: 'OK',
    hangupCause: { protocol: 'Q.850', cause: 16, text: 'Normal call clearing' },
    hangupSide: 'caller',
    codecs: { aLeg: 'opus/48000/2', bLeg: 'PCMU/8000' },
    media: {
      aLeg: { packetsIn: 3000, packetsOut: 2990, bytesIn: 480000, bytesOut: 478400, packetsLost: 2, jitterMs: 3.5, mos: 4.3 },
      bLeg: null,
    },
    transferredFrom: null,
    transferredTo: null,
    transferKind: null,
    nodeId: 'node-a',
    tags: {},
    ...over,
  };
}
