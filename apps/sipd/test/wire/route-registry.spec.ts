// Round-robin choice among apps routing a verb (drachtio-server selectClientForRequestOutsideDialog,
// docs/wire-protocol.md §4.1).
import assert from 'node:assert/strict';
import { RouteRegistry, type Routable } from '../../src/wire/route-registry';

const app = (id: string, tags: string[] = []): Routable => ({ id, hasTag: (t) => tags.includes(t) });

describe('wire/route-registry', () => {
  it('picks the apps routing a verb in turn, wrapping around', () => {
    const r = new RouteRegistry<Routable>();
    const [a, b, c] = [app('a'), app('b'), app('c')];
    for (const x of [a, b, c]) r.add('invite', x);
    assert.deepEqual([1, 2, 3, 4, 5].map(() => r.pick('invite')?.id), ['a', 'b', 'c', 'a', 'b']);
  });

  it('matches verbs case-insensitively and ignores a duplicate route from the same app', () => {
    const r = new RouteRegistry<Routable>();
    const a = app('a');
    assert.equal(r.add('INVITE', a), true);
    assert.equal(r.add('invite', a), false);
    assert.deepEqual(r.candidates('Invite'), [a]);
  });

  it('has no app for a verb nobody routed (the engine then answers 503)', () => {
    const r = new RouteRegistry<Routable>();
    r.add('options', app('a'));
    assert.equal(r.pick('register'), undefined);
  });

  it('keeps rotating correctly after an app is removed', () => {
    const r = new RouteRegistry<Routable>();
    const [a, b, c] = [app('a'), app('b'), app('c')];
    for (const x of [a, b, c]) r.add('options', x);
    assert.equal(r.pick('options'), a);
    assert.equal(r.pick('options'), b);
    r.remove('options', c);
    assert.deepEqual([1, 2, 3].map(() => r.pick('options')?.id), ['a', 'b', 'a']);
  });

  it('with a tag, skips apps that lack it', () => {
    const r = new RouteRegistry<Routable>();
    r.add('invite', app('a', ['x']));
    r.add('invite', app('b', ['y']));
    r.add('invite', app('c', ['x']));
    assert.deepEqual([1, 2, 3, 4].map(() => r.pick('invite', 'x')?.id), ['a', 'c', 'c', 'a']);
    assert.equal(r.pick('invite', 'z'), undefined);
  });

  it('removeAll drops every verb of an app and reports them', () => {
    const r = new RouteRegistry<Routable>();
    const a = app('a');
    r.add('invite', a);
    r.add('cdr:stop', a);
    r.add('invite', app('b'));
    assert.deepEqual(r.removeAll(a).sort(), ['cdr:stop', 'invite']);
    assert.deepEqual(r.verbs(), ['invite']);
    assert.equal(r.pick('cdr:stop'), undefined);
  });
});
