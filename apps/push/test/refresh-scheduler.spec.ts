// When a binding-refresh push is due (RFC 8599 §5.5): refreshBeforeSeconds ahead of expiry, but
// never in the first half of the binding's lifetime.
import assert from 'node:assert/strict';
import { refreshDueAt } from '../src/refresh-scheduler';

describe('refreshDueAt', () => {
  it('is refreshBefore ahead of expiry for a long binding', () => {
    assert.equal(refreshDueAt({ updatedAt: 0, expiresAt: 3_600_000 }, 120_000), 3_480_000);
  });

  it('is half-way for a binding shorter than twice refreshBefore (no push right after registering)', () => {
    assert.equal(refreshDueAt({ updatedAt: 1000, expiresAt: 61_000 }, 120_000), 31_000);
  });

  it('is the expiry itself for a binding without lifetime', () => {
    assert.equal(refreshDueAt({ updatedAt: 5000, expiresAt: 5000 }, 120_000), 5000);
  });
});
