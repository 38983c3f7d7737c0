// GET|HEAD /rest/v1/   (an empty OpenAPI description; other methods: 405 PGRST117, see ROUTES in ../index.ts)
import { sendJson } from '../../http.js';
import type { RestContext, RestRequest } from '../request.js';

export async function describeApi(_ctx: RestContext, request: RestRequest): Promise<void> {
  return sendJson(request.res, 200, { swagger: '2.0', info: { title: 'local PostgREST subset' }, paths: {} });
}
