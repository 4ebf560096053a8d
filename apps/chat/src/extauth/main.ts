// The program ejabberd runs as `extauth_program` (stdin/stdout, see protocol.ts). Usage:
//   node apps/chat/dist/src/extauth/main.js <extauth.json>
// extauth.json (written by the stack next to ejabberd.yml, readable by the ejabberd user only)
// holds the MariaDB connection and the REST API user's password.
//
// Why external auth rather than ejabberd's SQL auth on a view: the product stores only an scrypt
// hash of the web password; ejabberd's SQL auth understands plain or SCRAM-SHA-1 stored
// passwords, not scrypt, so a view could not expose anything ejabberd can check. External auth
// verifies the very hash the API uses, keeps one user database, and lets disabled accounts fail.
// The cost: PLAIN SASL only (ejabberd needs the clear password to hand over), so c2s requires
// STARTTLS.
import * as fs from 'node:fs';
import * as mariadb from 'mariadb';
import { AccountChecker } from './checker';
import { encodeReply, FrameReader, parseRequest } from './protocol';

interface ExtauthFile {
  db: { host: string; port: number; user: string; password: string; database: string };
  apiUser: string;
  apiPassword: string;
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: extauth <extauth.json>\n');
    process.exit(2);
  }
  const conf = JSON.parse(fs.readFileSync(file, 'utf8')) as ExtauthFile;
  const pool = mariadb.createPool({ ...conf.db, connectionLimit: 2, connectTimeout: 5000, acquireTimeout: 10000 });
  const checker = new AccountChecker(pool, { apiUser: conf.apiUser, apiPassword: conf.apiPassword });
  const reader = new FrameReader();
  // ejabberd matches replies to requests by order: answer strictly one after another.
  let chain: Promise<void> = Promise.resolve();
  process.stdin.on('data', (chunk: Buffer) => {
    for (const line of reader.push(chunk)) {
      chain = chain.then(async () => {
        let ok = false;
        try {
          ok = await checker.answer(parseRequest(line));
        } catch (err) {
          process.stderr.write(`extauth: ${(err as Error).message}\n`);
        }
        process.stdout.write(encodeReply(ok));
      });
    }
  });
  process.stdin.on('end', () => { void chain.then(() => pool.end()).finally(() => process.exit(0)); });
}

main();
