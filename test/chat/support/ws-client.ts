// Child process for the WebSocket login test (run with node --experimental-websocket): logs in
// over ws://, sends "over websocket" to a peer, waits for the peer's "pong over tcp" reply.
// Usage: ws-client.ts <ws-url> <domain> <username> <password> <peer-jid>
import { connectClient, xml } from '@openline/chat';

async function main(): Promise<void> {
  const [url, domain, username, password, peer] = process.argv.slice(2);
  const c = await connectClient({ service: url, domain, username, password });
  await c.send(xml('message', { to: peer, type: 'chat', id: 'ws-1' }, xml('body', {}, 'over websocket')));
  const reply = await c.waitFor((el) => el.is('message') && el.getChildText('body') === 'pong over tcp', 10000, 'reply');
  process.stdout.write(`${JSON.stringify({ jid: c.jid, reply: reply.getChildText('body') })}\n`);
  await c.close();
}

main().catch((err: Error) => { process.stderr.write(`${err.stack ?? err.message}\n`); process.exit(1); });
