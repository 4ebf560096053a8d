// The conformance suite on the in-memory store (the reference for the suite itself).
import { MemoryCdrStore } from '@openline/cdr';
import { cdrStoreConformance } from './conformance';

cdrStoreConformance({
  name: 'MemoryCdrStore',
  create: async () => new MemoryCdrStore(),
  destroy: async (s) => { await s.close(); },
});
