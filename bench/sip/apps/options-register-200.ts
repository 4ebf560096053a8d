// Benchmark srf app, written the way drachtio-srf apps are: connect to the SIP server's
// control port, answer every OPTIONS with 200 and every REGISTER with 200 (Contact echoed,
// Expires 3600). Usage: node -r tsx/cjs options-register-200.ts --host H --port P --secret S
// Prints "connected <server>" once attached, so the harness knows it is ready.
import Srf from 'drachtio-srf';

type Handler = (req: Srf.SrfRequest, res: Srf.SrfResponse) => void;
/** drachtio-srf defines one method per SIP verb at runtime; its typings omit options/register. */
type SrfWithVerbs = Srf & { options(h: Handler): void; register(h: Handler): void };

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '9022'));
const secret = arg('secret', 'cymru');

const srf = new Srf() as SrfWithVerbs;
srf.on('connect', (err: Error, hostPort: string) => {
  if (err) {
    console.error(`connect failed: ${err.message}`);
    return;
  }
  console.log(`connected ${hostPort}`);
});
srf.on('error', (err: Error) => { console.error(`srf error: ${err.message}`); });

srf.options((_req, res) => res.send(200));
srf.register((req, res) => res.send(200, { headers: { Contact: req.get('Contact'), Expires: '3600' } }));

void srf.connect({ host, port, secret });

const quit = (): void => { srf.disconnect(); process.exit(0); };
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
