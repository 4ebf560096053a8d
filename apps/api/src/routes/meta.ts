// Health and the OpenAPI document.
import { z } from 'zod/v4';
import { ApiError } from '../errors';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';

export function metaRoutes(s: Services, document: () => Record<string, unknown>): AnyRoute[] {
  return [
    route({
      method: 'get', path: '/v1/health', tag: 'meta', auth: 'none', summary: 'MariaDB and Redis answer',
      responses: { 200: { description: 'healthy', schema: z.object({ status: z.literal('ok') }) }, 503: { description: 'a dependency does not answer' } },
      handler: async () => {
        try {
          await s.deps.pool.query('SELECT 1');
          await s.deps.redis.ping();
        } catch (err) {
          throw new ApiError(503, 'unavailable', `dependency down: ${(err as Error).message}`);
        }
        return { body: { status: 'ok' } };
      },
    }),
    route({
      method: 'get', path: '/v1/openapi.json', tag: 'meta', auth: 'none', summary: 'This document (OpenAPI 3.1)',
      responses: { 200: { description: 'the OpenAPI document' } },
      handler: () => Promise.resolve({ body: document() }),
    }),
  ];
}
