// The SQL behind Storage, run as Supabase Storage runs it:
// - everything a caller asks for (the permission rehearsal of a write, reads, lists, signs, deletes) runs as
//   the caller's role with their claims, in one transaction, so the migrations' policies on storage.objects
//   decide (CallerSql, plus the legacy request.jwt.claim.sub/.role settings Storage still sets);
// - what Storage does as its own admin (bucket lookup, the real row write after the bytes are stored, the
//   signed-URL download) runs on the superuser pool, outside RLS.
import type pg from 'pg';
import type { CallerSql, SqlClient, SqlRequestInfo } from '../sql.js';
import { ownerUuid, type StorageCaller } from './caller.js';
import { fromDatabaseError, storageErrors } from './errors.js';
import type { BucketLimits } from './limits.js';
import { withTransaction } from '../transaction.js';

/** storage.objects.metadata as Storage writes it; finish_video reads `size` and `mimetype`. */
export interface ObjectMetadata {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
}

export interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  version: string | null;
  metadata: ObjectMetadata | null;
  user_metadata: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  last_accessed_at: Date;
}

export interface ObjectWrite {
  bucket: string;
  name: string;
  version: string;
  metadata: ObjectMetadata | null;
  userMetadata: Record<string, unknown> | null;
  upsert: boolean;
}

export interface ListOptions {
  prefix: string;
  limit: number;
  offset: number;
  sortColumn: 'name' | 'updated_at' | 'created_at' | 'last_accessed_at';
  sortOrder: 'asc' | 'desc';
  search: string;
}

export interface ListEntry {
  name: string;
  id: string | null;
  updated_at: Date | null;
  created_at: Date | null;
  last_accessed_at: Date | null;
  metadata: ObjectMetadata | null;
}

/** Storage's `storage.operation` values (src/http/routes/operations.ts) for the routes served here. */
export type StorageOperation =
  | 'storage.object.upload'
  | 'storage.object.upload_update'
  | 'storage.object.copy'
  | 'storage.object.get_authenticated'
  | 'storage.object.info_authenticated'
  | 'storage.object.delete'
  | 'storage.object.delete_many'
  | 'storage.object.list'
  | 'storage.object.sign'
  | 'storage.object.sign_many'
  | 'storage.bucket.get'
  | 'storage.bucket.list'
  | 'storage.tus.upload.create'
  | 'storage.tus.upload.part';

const OBJECT_COLUMNS =
  'id, bucket_id, name, owner, owner_id, version, metadata, user_metadata, created_at, updated_at, last_accessed_at';

/** Thrown inside a rehearsal so CallerSql rolls the transaction back. */
class Rehearsal extends Error {}

export class StorageDatabase {
  constructor(
    private readonly sql: CallerSql,
    private readonly admin: pg.Pool,
  ) {}

  private asCaller<T>(
    caller: StorageCaller,
    request: SqlRequestInfo,
    operation: StorageOperation,
    options: { readOnly?: boolean; allowDelete?: boolean },
    work: (client: SqlClient) => Promise<T>,
  ): Promise<T> {
    const settings: Record<string, string> = {
      'request.jwt.claim.role': caller.role,
      'request.jwt.claim.sub': caller.sub,
      'request.jwt': caller.token,
      'storage.operation': operation,
    };
    if (options.allowDelete) settings['storage.allow_delete_query'] = 'true';
    return this.sql.run(caller, request, { readOnly: options.readOnly ?? false, schema: 'storage', settings }, work);
  }

  async findBucket(bucketId: string): Promise<BucketLimits | null> {
    const { rows } = await this.admin.query<{
      id: string;
      public: boolean;
      file_size_limit: string | null;
      allowed_mime_types: string[] | null;
    }>('select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = $1', [bucketId]);
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      public: row.public,
      file_size_limit: row.file_size_limit === null ? null : Number(row.file_size_limit),
      allowed_mime_types: row.allowed_mime_types,
    };
  }

  /**
   * Storage's permission test (`testPermission`): the row write the caller asked for, tried as the caller and
   * rolled back. A plain upload needs an INSERT policy; an upsert is INSERT ... ON CONFLICT DO UPDATE ...
   * RETURNING, which also needs SELECT and UPDATE. Throws 403 (RLS) or 409 (exists, no upsert).
   */
  async rehearseWrite(
    caller: StorageCaller,
    request: SqlRequestInfo,
    operation: StorageOperation,
    write: Omit<ObjectWrite, 'metadata'> & { metadata?: ObjectMetadata | null },
  ): Promise<void> {
    try {
      await this.asCaller(caller, request, operation, {}, async (client) => {
        // An upsert returns the row, so SELECT policies take part as they do for Storage's RETURNING *.
        await client.query(write.upsert ? `${insertSql(true)} returning id` : insertSql(false), [
          write.bucket,
          write.name,
          ownerUuid(caller.sub),
          caller.sub || null,
          write.metadata ?? null,
          write.userMetadata,
          write.version,
        ]);
        throw new Rehearsal();
      });
    } catch (err) {
      if (err instanceof Rehearsal) return;
      throw fromDatabaseError(err);
    }
  }

  /**
   * The real row write, as Storage's admin after the bytes are in place. Serialised per object by an advisory
   * lock; returns the row and the version it replaced (whose file the caller then removes).
   */
  async commitWrite(caller: StorageCaller, write: ObjectWrite): Promise<{ row: ObjectRow; replacedVersion: string | null }> {
    try {
      return await withTransaction(this.admin, async (client) => {
        await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${write.bucket}/${write.name}`]);
        const existing = await client.query<ObjectRow>(
          `select ${OBJECT_COLUMNS} from storage.objects where bucket_id = $1 and name = $2 for update`,
          [write.bucket, write.name],
        );
        const previous = existing.rows[0];
        // The same upload completing twice (a repeated final PATCH): nothing to write.
        if (previous && previous.version === write.version) return { row: previous, replacedVersion: null };
        if (previous && !write.upsert) throw storageErrors.duplicate();
        const { rows } = await client.query<ObjectRow>(`${insertSql(true)} returning ${OBJECT_COLUMNS}`, [
          write.bucket,
          write.name,
          ownerUuid(caller.sub),
          caller.sub || null,
          write.metadata,
          write.userMetadata,
          write.version,
        ]);
        return { row: rows[0] as ObjectRow, replacedVersion: previous?.version ?? null };
      });
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }

  /** An object as the caller sees it (SELECT policies), or null. */
  async findObject(
    caller: StorageCaller,
    request: SqlRequestInfo,
    operation: StorageOperation,
    bucket: string,
    name: string,
  ): Promise<ObjectRow | null> {
    try {
      return await this.asCaller(caller, request, operation, { readOnly: true }, async (client) => {
        const { rows } = await client.query<ObjectRow>(
          `select ${OBJECT_COLUMNS} from storage.objects where bucket_id = $1 and name = $2`,
          [bucket, name],
        );
        return rows[0] ?? null;
      });
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }

  /** The objects among `names` the caller can see. */
  async findObjects(
    caller: StorageCaller,
    request: SqlRequestInfo,
    operation: StorageOperation,
    bucket: string,
    names: string[],
  ): Promise<ObjectRow[]> {
    try {
      return await this.asCaller(caller, request, operation, { readOnly: true }, async (client) => {
        const { rows } = await client.query<ObjectRow>(
          `select ${OBJECT_COLUMNS} from storage.objects where bucket_id = $1 and name = any($2::text[])`,
          [bucket, names],
        );
        return rows;
      });
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }

  /** An object regardless of policies: for signed-URL downloads and public buckets, which Storage serves as admin. */
  async findObjectAsAdmin(bucket: string, name: string): Promise<ObjectRow | null> {
    const { rows } = await this.admin.query<ObjectRow>(
      `select ${OBJECT_COLUMNS} from storage.objects where bucket_id = $1 and name = $2`,
      [bucket, name],
    );
    return rows[0] ?? null;
  }

  /**
   * DELETE ... RETURNING as the caller with storage.allow_delete_query set, as Storage's API does: rows the
   * DELETE or SELECT policies hide are simply not deleted.
   */
  async deleteObjects(
    caller: StorageCaller,
    request: SqlRequestInfo,
    operation: 'storage.object.delete' | 'storage.object.delete_many',
    bucket: string,
    names: string[],
  ): Promise<ObjectRow[]> {
    try {
      return await this.asCaller(caller, request, operation, { allowDelete: true }, async (client) => {
        const { rows } = await client.query<ObjectRow>(
          `delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning ${OBJECT_COLUMNS}`,
          [bucket, names],
        );
        return rows;
      });
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }

  /** The immediate children of a folder as the caller sees them; sub-folders come back with a null id. */
  async list(caller: StorageCaller, request: SqlRequestInfo, bucket: string, options: ListOptions): Promise<ListEntry[]> {
    const folder = options.prefix === '' || options.prefix.endsWith('/') ? options.prefix : `${options.prefix}/`;
    const order =
      options.sortColumn === 'name'
        ? `name collate "C" ${options.sortOrder}`
        : `${options.sortColumn} ${options.sortOrder} nulls last, name collate "C" asc`;
    try {
      return await this.asCaller(caller, request, 'storage.object.list', { readOnly: true }, async (client) => {
        const { rows } = await client.query<ListEntry>(
          `with children as (
             select split_part(substr(o.name, $3::int + 1), '/', 1) as entry,
                    strpos(substr(o.name, $3::int + 1), '/') > 0 as is_folder,
                    o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
               from storage.objects o
              where o.bucket_id = $1
                and left(o.name, $3::int) = $2
                and o.name ilike $2 || $4 || '%'
           ), entries as (
             select entry as name, null::uuid as id, null::timestamptz as updated_at, null::timestamptz as created_at,
                    null::timestamptz as last_accessed_at, null::jsonb as metadata
               from children where is_folder group by entry
             union all
             select entry, id, updated_at, created_at, last_accessed_at, metadata from children where not is_folder
           )
           select * from entries order by ${order} limit $5 offset $6`,
          [bucket, folder, folder.length, escapeLike(options.search), options.limit, options.offset],
        );
        return rows;
      });
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }

  async getBucket(caller: StorageCaller, request: SqlRequestInfo, bucketId: string | null): Promise<Record<string, unknown>[]> {
    const operation: StorageOperation = bucketId === null ? 'storage.bucket.list' : 'storage.bucket.get';
    try {
      return await this.asCaller(caller, request, operation, { readOnly: true }, async (client) => {
        const { rows } = await client.query<Record<string, unknown>>(
          bucketId === null
            ? 'select * from storage.buckets order by name'
            : 'select * from storage.buckets where id = $1',
          bucketId === null ? [] : [bucketId],
        );
        return rows;
      });
    } catch (err) {
      throw fromDatabaseError(err);
    }
  }
}

function insertSql(upsert: boolean): string {
  const insert =
    'insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) ' +
    'values ($1, $2, $3, $4, $5, $6, $7)';
  if (!upsert) return insert;
  return (
    `${insert} on conflict (name, bucket_id) do update set ` +
    'owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata, ' +
    'user_metadata = excluded.user_metadata, version = excluded.version, updated_at = now(), last_accessed_at = now()'
  );
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
