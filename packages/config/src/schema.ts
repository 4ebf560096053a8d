// The shape of openline's configuration, validated once at start (zod). Every key is documented
// in config/openline.example.yaml; keep the two in step.
import { z } from 'zod';
import { DEFAULT_PORT_BASE, PORT_BASE_MAX, PORT_BASE_MIN } from './ports';

function intRange(min: number, max: number) {
  const msg = `must be an integer ${min}..${max}`;
  return z.number({ invalid_type_error: msg, required_error: msg }).int(msg).min(min, msg).max(max, msg);
}

function text(what: string) {
  return z.string({ invalid_type_error: `must be ${what}` }).min(1, `must be ${what}`);
}

/** A secret: at least 16 characters so a typo'd empty or short value is caught. */
const secret = z.string({ invalid_type_error: 'must be a string' }).min(16, 'must be at least 16 characters');

/** AES-256 key: 64 hex digits (32 bytes). */
const aesKey = z.string({ invalid_type_error: 'must be 64 hex digits' })
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (32 bytes; e.g. `openssl rand -hex 32`)');

const hostname = z.string({ invalid_type_error: 'must be a hostname' })
  .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    'must be a hostname or IP address');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  errorMap: () => ({ message: 'must be one of fatal, error, warn, info, debug, trace, silent' }),
});

export const configSchema = z.object({
  ports: z.object({
    base: intRange(PORT_BASE_MIN, PORT_BASE_MAX).default(DEFAULT_PORT_BASE),
  }).strict().default({}),
  dataDir: text('a directory path').default('var'),
  log: z.object({
    level: logLevel.default('info'),
    console: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
  }).strict().default({}),
  sip: z.object({
    domain: hostname.default('openline.local'),
  }).strict().default({}),
  database: z.object({
    name: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'must be 1..64 letters, digits or _').default('openline'),
    user: z.string().regex(/^[A-Za-z0-9_]{1,32}$/, 'must be 1..32 letters, digits or _').default('openline'),
    poolSize: intRange(1, 100).default(5),
  }).strict().default({}),
  turn: z.object({
    realm: hostname.default('openline.local'),
    credentialTtlSeconds: intRange(60, 7 * 86400).default(86400),
    allowLoopbackPeers: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
  }).strict().default({}),
  rtpengine: z.object({
    logLevel: intRange(0, 7).default(5),
  }).strict().default({}),
  registrar: z.object({
    minExpires: intRange(1, 86400).default(60),
    maxExpires: intRange(1, 7 * 86400).default(3600),
    defaultExpires: intRange(1, 7 * 86400).default(3600),
    natUdpExpires: intRange(10, 3600).default(60),
    maxBindingsPerAor: intRange(1, 100).default(10),
    nonceTtlSeconds: intRange(10, 3600).default(300),
    authFailureLimit: intRange(1, 1000).default(5),
    authFailureWindowSeconds: intRange(1, 86400).default(300),
    authBlockSeconds: intRange(1, 86400).default(300),
    pushProviders: z.string().regex(/^[a-z0-9.-]{1,16}(,[a-z0-9.-]{1,16})*$/, 'must be comma-separated lower-case pn-provider names')
      .default('apns,fcm,webpush'),
    credentialCacheSeconds: intRange(0, 3600).default(60),
    digestAlgorithms: z.string().regex(/^(MD5|SHA-256)(,(MD5|SHA-256))?$/, 'must be SHA-256,MD5 or MD5,SHA-256 or one of them')
      .default('MD5,SHA-256'),
    keepaliveIntervalSeconds: intRange(0, 3600).default(30),
  }).strict().default({}),
  api: z.object({
    // Host clients use to reach this run's SIP, TURN and HTTP endpoints (written into responses).
    publicHost: hostname.default('127.0.0.1'),
    // Base of the links in emails and SMS; empty: http://<publicHost>:<api port>.
    publicUrl: z.string().regex(/^(https?:\/\/[^\s/]+(\/[^\s]*)?)?$/, 'must be an http(s) URL or empty').default(''),
    // SIP over secure WebSocket for the web softphone when sipd sits behind a TLS proxy (e.g.
    // wss://sip.example.com/); empty: wss://<host the page was opened by>:<wss port>.
    webSipUrl: z.string().regex(/^(wss:\/\/[^\s/]+(\/[^\s]*)?)?$/, 'must be a wss:// URL or empty').default(''),
    accessTokenTtlSeconds: intRange(60, 86400).default(900),
    refreshTokenTtlSeconds: intRange(300, 365 * 86400).default(30 * 86400),
    codeLength: intRange(4, 6).default(4),
    codeTtlSeconds: intRange(60, 86400).default(600),
    codesPerDevice: intRange(1, 100).default(5),
    wrongCodeAttempts: intRange(1, 100).default(3),
    resendAfterSeconds: intRange(0, 3600).default(60),
    reinstall: z.enum(['verify', 'signin'], { errorMap: () => ({ message: 'must be verify or signin' }) }).default('verify'),
    activationTtlSeconds: intRange(60, 30 * 86400).default(86400),
    resetTtlSeconds: intRange(60, 7 * 86400).default(3600),
    inviteTtlSeconds: intRange(60, 90 * 86400).default(7 * 86400),
    avatarMaxBytes: intRange(1024, 20 * 1024 * 1024).default(1024 * 1024),
    contactsBatchMax: intRange(1, 10000).default(500),
    rateWindowSeconds: intRange(1, 86400).default(900),
    signupPerIp: intRange(1, 100000).default(20),
    signupPerIdentity: intRange(1, 100000).default(10),
    signinFailuresPerIp: intRange(1, 100000).default(20),
    signinFailuresPerIdentity: intRange(1, 100000).default(5),
    requestsPerMinutePerIp: intRange(1, 1000000).default(600),
    sms: z.object({
      provider: z.enum(['log', 'http'], { errorMap: () => ({ message: 'must be log or http' }) }).default('log'),
      url: z.string().regex(/^(https?:\/\/\S+)?$/, 'must be an http(s) URL').default(''),
      format: z.enum(['form', 'json'], { errorMap: () => ({ message: 'must be form or json' }) }).default('form'),
      username: z.string().default(''),
      password: z.string().default(''),
      from: z.string().max(16, 'must be at most 16 characters').default('openline'),
      text: z.string().includes('[CODE]', { message: 'must contain [CODE]' }).default('Your openline code is [CODE]'),
      timeoutMs: intRange(100, 60000).default(5000),
    }).strict().default({}),
    mail: z.object({
      transport: z.enum(['log', 'smtp'], { errorMap: () => ({ message: 'must be log or smtp' }) }).default('log'),
      host: hostname.default('127.0.0.1'),
      port: intRange(1, 65535).default(25),
      secure: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
      user: z.string().default(''),
      password: z.string().default(''),
      from: z.string().default('openline <no-reply@openline.local>'),
    }).strict().default({}),
  }).strict().default({}),
  cdr: z.object({
    // Where CDRs are kept and read (B2BUA writes, API reads): MariaDB (the run's database) or MongoDB.
    store: z.enum(['mariadb', 'mongodb'], { errorMap: () => ({ message: 'must be mariadb or mongodb' }) }).default('mariadb'),
    mongoUrl: z.string().regex(/^(mongodb(\+srv)?:\/\/\S+)?$/, 'must be a mongodb:// or mongodb+srv:// URL or empty').default(''),
    // Spool of the durable CDR writer; empty: <dataDir>/spool/cdr.
    spoolDir: z.string().default(''),
    // API limits (fixed one-minute windows in Redis): requests per operator API key, exports per
    // key (each streams a whole result set), call-log requests per signed-in account.
    requestsPerMinutePerKey: intRange(1, 1000000).default(1200),
    exportsPerMinutePerKey: intRange(1, 10000).default(6),
    callLogPerMinutePerAccount: intRange(1, 100000).default(120),
  }).strict().default({}),
  chat: z.object({
    // Group size limit (members of a MUC room; ejabberd's max_users follows it).
    maxGroupMembers: intRange(2, 100).default(10),
    // Archive retention: the chat service purges older messages daily.
    retentionMonths: intRange(1, 120).default(12),
    // ejabberd c2s limits: largest stanza (bytes) and the per-connection shaper (bytes/s).
    maxStanzaSize: intRange(4096, 16 * 1024 * 1024).default(65536),
    c2sRate: intRange(1000, 1_000_000_000).default(200_000),
  }).strict().default({}),
  push: z.object({
    // RFC 8599 §5: how long a call waits for a woken device to register (180 only once a device rings).
    callWaitSeconds: intRange(1, 120).default(30),
    // RFC 8599 §5.5: a silent push this long before a push-capable binding expires.
    refreshBeforeSeconds: intRange(10, 3600).default(120),
    // Attempts per push on 429/5xx (exponential backoff), including the first.
    maxAttempts: intRange(1, 10).default(3),
    apns: z.object({
      enabled: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
      // Token auth: the .p8 signing key from Apple, its key id, the team id, the app's bundle id.
      keyFile: z.string().default(''),
      keyId: z.string().default(''),
      teamId: z.string().default(''),
      bundleId: z.string().default(''),
      production: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
      // Only for tests and private gateways: another APNs host/port and the CA file of its certificate.
      host: z.string().default(''),
      port: intRange(1, 65535).optional(),
      caFile: z.string().default(''),
    }).strict().default({}),
    fcm: z.object({
      enabled: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
      // Service-account JSON from the Firebase console (project_id, client_email, private_key).
      serviceAccountFile: z.string().default(''),
      // Only for tests and private gateways: https://host:port that takes the traffic for
      // fcm.googleapis.com (endpoint) and oauth2.googleapis.com (tokenUrl, default: endpoint), and a CA file.
      endpoint: z.string().regex(/^(https:\/\/[^\s/]+\/?)?$/, 'must be https://host:port or empty').default(''),
      tokenUrl: z.string().regex(/^(https:\/\/[^\s/]+\/?)?$/, 'must be https://host:port or empty').default(''),
      caFile: z.string().default(''),
    }).strict().default({}),
  }).strict().default({}),
  stack: z.object({
    startTimeoutSeconds: intRange(1, 600).default(30),
    stopTimeoutSeconds: intRange(1, 120).default(10),
  }).strict().default({}),
  secrets: z.object({
    generate: z.boolean({ invalid_type_error: 'must be true or false' }).default(true),
    turnStaticAuthSecret: secret.optional(),
    sipdAdminSecret: secret.optional(),
    sipPasswordKey: aesKey.optional(),
    jwtKey: secret.optional(),
    databasePassword: secret.optional(),
    registrarNonceKey: secret.optional(),
  }).strict().default({}),
}).strict();

/** What a config file or override may contain (every key optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** The validated configuration, defaults filled in; dataDir is absolute after loadConfig(). */
export type Config = z.output<typeof configSchema>;
export type SecretName = Exclude<keyof Config['secrets'], 'generate'>;
export const SECRET_NAMES: readonly SecretName[] = [
  'turnStaticAuthSecret', 'sipdAdminSecret', 'sipPasswordKey', 'jwtKey', 'databasePassword', 'registrarNonceKey',
];
