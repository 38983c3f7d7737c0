// Answer shapes shared by the table and function routes: media types and json_agg results.

export const OBJECT_MEDIA_TYPE = 'application/vnd.pgrst.object+json';
export const JSON_TYPE = 'application/json; charset=utf-8';

export interface QueryResult {
  /** Rows in the body (for Content-Range). */
  rows: number;
  /** JSON text of the result array, or null for a body-less answer. */
  body: string | null;
  total: number | null;
}

/** `[{...}]` → `{...}` without re-serialising (json_agg output). */
export function singleObject(arrayText: string): string {
  const trimmed = arrayText.trim();
  return trimmed.slice(1, -1).trim();
}
