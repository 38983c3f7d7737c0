// /rest/v1: placeholder until the PostgREST subset lands.
import { sendJson } from '../http.js';
import type { BackendContext, BackendService } from '../service.js';

export function restService(_backend: BackendContext): BackendService {
  return {
    prefix: '/rest/v1',
    requiresApiKey: () => true,
    async handle({ res }) {
      sendJson(res, 404, { code: 'PGRST205', message: 'not implemented', details: null, hint: null });
    },
  };
}
