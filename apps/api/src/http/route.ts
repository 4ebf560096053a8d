// Routes are data: method, path, who may call, what the body/query/path parameters must be (zod)
// and the handler. The same table mounts the express router and writes the OpenAPI document, so
// the two cannot drift; validation failures are 400 naming the field.
import { raw, type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod/v4';
import { ApiError, badRequest, unauthorized } from '../errors';
import type { OperatorContext, OperatorScope } from './api-key-auth';
import type { AuthContext } from './auth';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Reply {
  status?: number;
  body?: unknown;
  /** Raw body (files) with its content type. */
  raw?: { data: Buffer; contentType: string };
  headers?: Record<string, string>;
  /** A streamed body, written by the function (with backpressure) after the status and headers. */
  stream?: (res: Response) => Promise<void>;
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface Call<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Present on authenticated routes. */
  auth: AuthContext;
  /** Present on apiKey routes: the operator API key that authorised the call. */
  operator: OperatorContext;
  ip: string;
  req: Request;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined> {
  method: Method;
  /** OpenAPI form: /v1/circles/{id}. */
  path: string;
  summary: string;
  tag: string;
  /** 'bearer': a valid access token is required (401 otherwise); 'apiKey': an operator API key with `scope`. */
  auth: 'none' | 'bearer' | 'apiKey';
  /** apiKey routes: the scope the key must hold (403 otherwise); default 'read'. */
  scope?: OperatorScope;
  body?: B;
  query?: Q;
  params?: P;
  /** A non-JSON request body (uploads): accepted media types; the handler reads req.body (Buffer). */
  rawBody?: { types: readonly string[]; maxBytes: number };
  /** Responses for the document (errors are added from the route's traits). */
  responses: Record<number, ResponseSpec>;
  /** Media type of a non-JSON 200 response (files). */
  produces?: string;
  handler(call: Call<Infer<B>, Infer<Q>, Infer<P>>): Promise<Reply>;
}

export type AnyRoute = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/** Keeps the handler's argument types tied to the schemas given. */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined>(spec: RouteSpec<B, Q, P>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** /v1/circles/{id} → /v1/circles/:id */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** The first problem of a zod failure, as a 400 naming the field (dotted path). */
export function validationError(where: 'body' | 'query' | 'path', err: z.ZodError): ApiError {
  const issue = err.issues[0];
  // An unknown key is reported on the object; name the key itself.
  const unknown = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const field = unknown.map(String).join('.') || where;
  return badRequest(field, `${field}: ${issue.message}`);
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path'): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}

export interface MountOptions {
  authenticate(req: Request): Promise<AuthContext | undefined>;
  /** apiKey routes: the key's context, or throws 401/403. */
  authenticateOperator?(req: Request, scope: OperatorScope): Promise<OperatorContext>;
  clientIp(req: Request): string;
}

export function mount(router: Router, routes: readonly AnyRoute[], opts: MountOptions): void {
  for (const r of routes) {
    const handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      try {
        let auth: AuthContext | undefined;
        if (r.auth === 'bearer') {
          auth = await opts.authenticate(req);
          if (!auth) throw unauthorized();
        }
        let operator: OperatorContext | undefined;
        if (r.auth === 'apiKey') {
          if (!opts.authenticateOperator) throw unauthorized('operator API keys are not accepted here');
          operator = await opts.authenticateOperator(req, r.scope ?? 'read');
        }
        if (r.rawBody && !Buffer.isBuffer(req.body)) {
          throw new ApiError(415, 'unsupported_media_type', `body: expected ${r.rawBody.types.join(', ')}`, 'body');
        }
        const call = {
          body: r.body ? parse(r.body, req.body ?? {}, 'body') : r.rawBody ? req.body : undefined,
          query: r.query ? parse(r.query, { ...req.query }, 'query') : undefined,
          params: r.params ? parse(r.params, { ...req.params }, 'path') : undefined,
          auth: auth as AuthContext,
          operator: operator as OperatorContext,
          ip: opts.clientIp(req),
          req,
        };
        const reply = await r.handler(call);
        for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
        res.status(reply.status ?? 200);
        if (reply.raw) {
          res.type(reply.raw.contentType).send(reply.raw.data);
        } else if (reply.stream) {
          await reply.stream(res);
        } else if (reply.body === undefined) {
          res.end();
        } else {
          res.json(reply.body);
        }
      } catch (err) {
        next(err);
      }
    };
    const pre = r.rawBody ? [raw({ type: [...r.rawBody.types], limit: r.rawBody.maxBytes })] : [];
    router[r.method](expressPath(r.path), ...pre, (req: Request, res: Response, next: NextFunction) => { void handle(req, res, next); });
  }
}
