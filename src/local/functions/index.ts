// /functions/v1: placeholder until the runner lands.
import { sendJson } from '../http.js';
import type { BackendContext, BackendService } from '../service.js';

export function functionsService(_backend: BackendContext): BackendService {
  return {
    prefix: '/functions/v1',
    requiresApiKey: () => false,
    async handle({ res }) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
    },
  };
}
