// What every route of /storage/v1 is given: the service's parts, built once by the factory in index.ts, and the
// request with the path parameters its route matched.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayAuth } from '../service-contract.js';
import type { SqlRequestInfo } from '../sql.js';
import type { StorageCaller } from './caller.js';
import type { StorageDatabase } from './database.js';
import type { ObjectFileStore } from './file-store.js';
import type { ResumableUploads } from './tus-server.js';

export interface StorageContext {
  db: StorageDatabase;
  files: ObjectFileStore;
  /** Signs and checks the tokens of signed download URLs. */
  jwtSecret: string;
  resumable: ResumableUploads;
  log(line: string): void;
}

/** What object helpers (bodies, downloads) need of a request. */
export interface ObjectRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** What the caller's SQL sees as request.method / request.path / request.headers. */
  sqlRequest: SqlRequestInfo;
}

export interface StorageRequest extends ObjectRequest {
  method: string;
  /** Path below /storage/v1, undecoded. */
  path: string;
  auth: GatewayAuth;
  /** The route's `:name` segments and its `*` (the rest of the path: an object name), decoded. */
  params: Readonly<Record<string, string>>;
  /** The caller of the bearer JWT; throws Storage's 403 when it is missing, bad or expired. */
  caller(): StorageCaller;
}

export type StorageHandler = (ctx: StorageContext, request: StorageRequest) => Promise<void>;

/** A path parameter the route's pattern declares (`'*'` for the object name). */
export function param(request: StorageRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`storage route without a ${name} parameter`);
  return value;
}
