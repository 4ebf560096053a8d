// The topmost Via value of a message (RFC 3261 §8.2.6.1, §17.2.3 use it to send and match).

import type { SipMessage } from './message';
import type { Via } from './types';
import { firstValue } from './validate';
import { parseVia } from './via';

export function topVia(msg: SipMessage): Via | undefined {
  const line = msg.get('via');
  return line === undefined ? undefined : parseVia(firstValue(line));
}
