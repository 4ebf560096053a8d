// The OpenAPI 3.1 document, written from the route table (schemas as JSON Schema 2020-12, which
// OpenAPI 3.1 uses as is), so every route is documented and nothing undocumented is routed.
import { z } from 'zod/v4';
import { errorSchema } from '../routes/schemas';
import type { AnyRoute } from './route';

type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType): Json {
  const j = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete j.$schema;
  return j;
}

function parameters(s: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!s) return [];
  const j = schemaOf(s) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(j.properties ?? {}).map(([name, schema]) => ({
    name, in: where, required: where === 'path' || (j.required ?? []).includes(name), schema,
    ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
  }));
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

function errorResponse(description: string): Json {
  return { description, content: { 'application/json': { schema: ERROR_REF } } };
}

export function buildOpenApi(routes: readonly AnyRoute[], info: { version: string; serverUrl: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const responses: Record<string, Json> = {};
    for (const [code, spec] of Object.entries(r.responses)) {
      const n = Number(code);
      if (n >= 400) { responses[code] = errorResponse(spec.description); continue; }
      const media = r.produces ?? 'application/json';
      responses[code] = spec.schema
        ? { description: spec.description, content: { [media]: { schema: schemaOf(spec.schema) } } }
        : r.produces && n === 200
          ? { description: spec.description, content: { [media]: { schema: { type: 'string', contentMediaType: media } } } }
          : { description: spec.description };
    }
    if (r.body || r.query || r.params || r.rawBody) responses['400'] ??= errorResponse('invalid request: error.field names the field');
    if (r.auth === 'bearer') responses['401'] ??= errorResponse('missing, invalid or expired access token');
    if (r.auth === 'apiKey') {
      responses['401'] ??= errorResponse('missing, unknown or revoked API key');
      responses['403'] ??= errorResponse(`not an operator API key, or the key lacks the '${r.scope ?? 'read'}' scope`);
    }
    responses['429'] ??= errorResponse('rate limited (Retry-After)');
    const op: Json = {
      operationId: `${r.method}${r.path.replace(/\{([^}]+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      tags: [r.tag],
      security: r.auth === 'bearer' ? [{ bearer: [] }]
        : r.auth === 'apiKey' ? [{ apiKeyBearer: [r.scope ?? 'read'] }, { apiKeyHeader: [r.scope ?? 'read'] }] : [],
      responses,
    };
    const params = [...parameters(r.params, 'path'), ...parameters(r.query, 'query')];
    if (params.length) op.parameters = params;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } };
    if (r.rawBody) {
      op.requestBody = {
        required: true,
        content: Object.fromEntries(r.rawBody.types.map((t) => [t, { schema: { type: 'string', contentMediaType: t, maxLength: r.rawBody?.maxBytes } }])),
      };
    }
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'openline accounts and provisioning API', version: info.version,
      description: 'Sign-up (SMS code, email link), sign-in (web password → access/refresh tokens and SIP credentials), devices, '
        + 'profile, contacts discovery, circles, favourites, blocks, TURN credentials. Errors: {"error": {"code", "message", "field"?}}.' },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: { Error: schemaOf(errorSchema) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        // Operator API keys (ctl apikey create), with scopes read and export.
        apiKeyBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'ol_ API key' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
