// Live dialogs, indexed by drachtio dialog id (commands from apps) and by Call-ID + tags
// (requests from the network, §12.2.2). Each dialog has an owner (the app connection that
// created it) so in-dialog requests go to that app and its dialogs can be dropped when it leaves.
import { Dialog } from './dialog';

interface Entry<Owner> {
  dialog: Dialog;
  owner: Owner;
}

export class DialogStore<Owner> {
  private readonly byId = new Map<string, Entry<Owner>>();
  private readonly byMatchKey = new Map<string, Entry<Owner>>();
  /** Told of every dialog that ends, whatever ended it (timers tied to a dialog are cleared here). */
  private readonly removeListeners: Array<(dialog: Dialog) => void> = [];

  get size(): number {
    return this.byId.size;
  }

  add(dialog: Dialog, owner: Owner): void {
    const entry = { dialog, owner };
    this.byId.set(dialog.id, entry);
    this.byMatchKey.set(dialog.matchKey, entry);
  }

  get(id: string): Dialog | undefined {
    return this.byId.get(id)?.dialog;
  }

  ownerOf(id: string): Owner | undefined {
    return this.byId.get(id)?.owner;
  }

  /** An in-dialog request from the peer: our tag is its To tag, the peer's is its From tag. */
  matchRequest(callId: string, toTag: string, fromTag: string): { dialog: Dialog; owner: Owner } | undefined {
    return this.byMatchKey.get(`${callId}\n${toTag}\n${fromTag}`);
  }

  /** A response to a request we sent in a dialog: our tag is its From tag. */
  matchResponse(callId: string, fromTag: string, toTag: string): { dialog: Dialog; owner: Owner } | undefined {
    return this.byMatchKey.get(`${callId}\n${fromTag}\n${toTag}`);
  }

  remove(id: string): Dialog | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.byId.delete(id);
    if (this.byMatchKey.get(entry.dialog.matchKey) === entry) this.byMatchKey.delete(entry.dialog.matchKey);
    entry.dialog.state = 'terminated';
    for (const fn of this.removeListeners) fn(entry.dialog);
    return entry.dialog;
  }

  onRemoved(fn: (dialog: Dialog) => void): void {
    this.removeListeners.push(fn);
  }

  /** Dialogs owned by an owner (e.g. an app that disconnected). */
  ownedBy(owner: Owner): Dialog[] {
    const out: Dialog[] = [];
    for (const e of this.byId.values()) if (e.owner === owner) out.push(e.dialog);
    return out;
  }

  all(): IterableIterator<Dialog> {
    const it = this.byId.values();
    return (function* () {
      for (const e of it) yield e.dialog;
    })();
  }
}
