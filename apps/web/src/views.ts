// DOM helpers for the screens: elements by data-testid, parts that are in the page only while
// they apply (incoming, idle, call screen, errors), keypads and the call log list.
import type { CallLogEntry } from './api';

export function byTestId<T extends HTMLElement = HTMLElement>(id: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`page is missing [data-testid="${id}"]`);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
}

/** An element that is taken out of the document while it does not apply (a comment keeps its place). */
export class Slot<T extends HTMLElement = HTMLElement> {
  private readonly mark: Comment;

  constructor(readonly el: T) {
    this.mark = document.createComment(el.dataset.testid ?? 'slot');
    el.before(this.mark);
  }

  get shown(): boolean {
    return this.el.isConnected;
  }

  show(on: boolean): void {
    if (on && !this.el.isConnected) this.mark.after(this.el);
    if (!on && this.el.isConnected) this.el.remove();
  }
}

const KEYS: Array<[string, string]> = [
  ['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'], ['5', '5'], ['6', '6'],
  ['7', '7'], ['8', '8'], ['9', '9'], ['*', 'star'], ['0', '0'], ['#', 'hash'],
];

/** Twelve buttons with data-testid `<prefix>-0..9`, `<prefix>-star`, `<prefix>-hash`. */
export function buildKeypad(container: HTMLElement, prefix: string, onKey: (key: string) => void): void {
  for (const [key, name] of KEYS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = key;
    b.dataset.testid = `${prefix}-${name}`;
    b.addEventListener('click', () => onKey(key));
    container.append(b);
  }
}

function partyText(e: CallLogEntry): string {
  const o = e.other;
  return o.displayName ?? o.username ?? o.number ?? 'unknown';
}

/** The call log: one item per call with data-direction in|out and data-status (the outcome). */
export function renderCallLog(list: HTMLElement, items: CallLogEntry[]): void {
  list.replaceChildren(...items.map((e) => {
    const li = document.createElement('li');
    li.dataset.testid = 'call-log-item';
    li.dataset.direction = e.direction === 'incoming' ? 'in' : 'out';
    li.dataset.status = e.outcome;
    const who = document.createElement('span');
    who.textContent = `${e.direction === 'incoming' ? '←' : '→'} ${partyText(e)}`;
    const when = document.createElement('span');
    const d = new Date(e.startTime);
    when.textContent = `${d.toLocaleString()} · ${e.answered ? `${e.durationSeconds}s` : e.outcome}`;
    li.append(who, when);
    return li;
  }));
}
