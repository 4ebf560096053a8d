// drachtio-style listen contacts: `sip:HOST:PORT;transport=udp,tcp` means a UDP and a TCP
// listener on the same host and port. HOST may be an IPv4 address, a bracketed IPv6 address or
// '*' (all IPv4 addresses). No transport parameter means udp and tcp (drachtio-server's default);
// `sips:` means tls, and allows only tls and wss (RFC 3261 §26.2, RFC 7118 §5.2).
import { isIP } from 'node:net';
import type { Protocol } from './types';

export interface ListenSpec {
  address: string; // no brackets
  port: number; // 0 = ephemeral (tests)
  protocols: Protocol[];
  /** The contact as configured. */
  contact: string;
}

const CONTACT = /^(sips?):(\[[0-9a-fA-F:.]+\]|[^:;[\]]+)(?::(\d{1,5}))?((?:;[^;]*)*)$/;
const SUPPORTED: readonly Protocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

export function parseContact(contact: string): ListenSpec {
  const m = CONTACT.exec(contact.trim());
  if (m === null) throw new Error(`invalid listen contact '${contact}'`);
  const [, scheme, hostPart, portText, paramText] = m;
  let address = hostPart!.startsWith('[') ? hostPart!.slice(1, -1) : hostPart!;
  if (address === '*') address = '0.0.0.0';
  if (isIP(address) === 0) throw new Error(`'${contact}': listen host must be an IP address or '*'`);
  const port = portText === undefined ? 5060 : Number(portText);
  if (port > 65535) throw new Error(`'${contact}': port out of range`);
  let protocols: Protocol[] = scheme === 'sips' ? ['tls'] : ['udp', 'tcp'];
  for (const p of (paramText ?? '').split(';').filter((s) => s !== '')) {
    const [name, value] = p.split('=');
    if (name?.trim().toLowerCase() !== 'transport') continue;
    protocols = (value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter((t) => t !== '') as Protocol[];
  }
  for (const p of protocols) {
    if (!SUPPORTED.includes(p)) throw new Error(`'${contact}': transport '${p}' is not supported`);
    if (scheme === 'sips' && p !== 'tls' && p !== 'wss') throw new Error(`'${contact}': sips: needs transport tls or wss, not ${p}`);
  }
  if (protocols.length === 0) throw new Error(`'${contact}': empty transport list`);
  return { address, port, protocols: [...new Set(protocols)], contact };
}
