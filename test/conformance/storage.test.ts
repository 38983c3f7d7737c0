// supabase-js against /storage/v1 of the local backend: the calls storage-js makes and the errors it surfaces
// (HTTP 400 with the real status as a string `statusCode`), judged by the migrations' storage policies.
import { randomBytes, randomUUID } from 'node:crypto';
import type { StorageError } from '@supabase/storage-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { createUploadingVideo } from './storage-support.js';

function apiError(error: unknown): { status: unknown; statusCode: unknown; message: unknown } {
  const e = error as StorageError & { status?: number; statusCode?: string };
  return { status: e?.status, statusCode: e?.statusCode, message: e?.message };
}

describe('storage objects through supabase-js', () => {
  let backend: TestBackend;
  let alice: SignedInUser;
  let bob: SignedInUser;

  beforeAll(async () => {
    backend = await startTestBackend();
    alice = await backend.signedInUser();
    bob = await backend.signedInUser();
  });
  afterAll(async () => {
    await backend?.close();
  });

  test('an author uploads, downloads, lists, signs and removes a video', async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const bucket = alice.client.storage.from('videos');
    const bytes = randomBytes(256 * 1024);

    const uploaded = await bucket.upload(video.path, bytes, { contentType: 'video/mp4' });
    expect(uploaded.error).toBeNull();
    expect(uploaded.data).toMatchObject({ path: video.path, fullPath: `videos/${video.path}` });

    // The row's metadata is what finish_video reads.
    const { rows } = await backend.db.pool.query<{ owner_id: string; metadata: Record<string, unknown> }>(
      'select owner_id, metadata from storage.objects where bucket_id = $1 and name = $2',
      ['videos', video.path],
    );
    expect(rows[0]?.owner_id).toBe(alice.id);
    expect(rows[0]?.metadata).toMatchObject({ size: bytes.length, mimetype: 'video/mp4', contentLength: bytes.length, httpStatusCode: 200 });
    expect(Object.keys(rows[0]?.metadata ?? {}).sort()).toEqual(
      ['cacheControl', 'contentLength', 'eTag', 'httpStatusCode', 'lastModified', 'mimetype', 'size'],
    );

    const downloaded = await bucket.download(video.path);
    expect(downloaded.error).toBeNull();
    expect(Buffer.from(await downloaded.data!.arrayBuffer()).equals(bytes)).toBe(true);

    const folder = video.path.slice(0, video.path.lastIndexOf('/'));
    const listed = await bucket.list(folder);
    expect(listed.error).toBeNull();
    expect(listed.data).toEqual([expect.objectContaining({ name: 'clip.mp4', metadata: expect.objectContaining({ size: bytes.length }) })]);
    const top = await bucket.list(alice.id);
    expect(top.data).toEqual([expect.objectContaining({ name: video.path.split('/')[1], id: null, metadata: null })]);

    const info = await bucket.info(video.path);
    expect(info.error).toBeNull();
    expect(info.data).toMatchObject({ name: video.path, size: bytes.length, contentType: 'video/mp4', bucketId: 'videos' });
    expect((await bucket.exists(video.path)).data).toBe(true);

    const signed = await bucket.createSignedUrl(video.path, 60);
    expect(signed.error).toBeNull();
    const viaUrl = await fetch(signed.data!.signedUrl); // no apikey, no Authorization
    expect(viaUrl.status).toBe(200);
    expect(viaUrl.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await viaUrl.arrayBuffer()).equals(bytes)).toBe(true);
    const tampered = await fetch(signed.data!.signedUrl.replace(/token=[^&]+/, 'token=not.a.jwt'));
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ statusCode: '400', error: 'InvalidJWT' });

    const many = await bucket.createSignedUrls([video.path, `${folder}/missing.mp4`], 60);
    expect(many.error).toBeNull();
    expect(many.data?.[0]).toMatchObject({ path: video.path, error: null });
    expect(many.data?.[1]).toMatchObject({ signedUrl: null, error: 'Either the object does not exist or you do not have access to it' });

    const removed = await bucket.remove([video.path, `${folder}/missing.mp4`]);
    expect(removed.error).toBeNull();
    expect(removed.data?.map((row) => row.name)).toEqual([video.path]);
    expect((await bucket.exists(video.path)).data).toBe(false);
    const gone = await bucket.download(video.path);
    expect(apiError(gone.error)).toEqual({ status: 400, statusCode: '404', message: 'Object not found' });
  });

  test('a second upload to the same path is a Duplicate unless it upserts', async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const bucket = alice.client.storage.from('videos');
    expect((await bucket.upload(video.path, randomBytes(1000), { contentType: 'video/mp4' })).error).toBeNull();

    const again = await bucket.upload(video.path, randomBytes(1000), { contentType: 'video/mp4' });
    expect(apiError(again.error)).toEqual({ status: 400, statusCode: '409', message: 'The resource already exists' });

    const replacement = randomBytes(2000);
    expect((await bucket.upload(video.path, replacement, { contentType: 'video/mp4', upsert: true })).error).toBeNull();
    const downloaded = await bucket.download(video.path);
    expect(Buffer.from(await downloaded.data!.arrayBuffer()).equals(replacement)).toBe(true);
    expect((await bucket.update(video.path, randomBytes(10), { contentType: 'video/mp4' })).error).toBeNull();
  });

  test("another user's path is refused with Storage's RLS error, and their objects stay invisible", async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const attempt = await bob.client.storage.from('videos').upload(video.path, randomBytes(100), { contentType: 'video/mp4' });
    expect(apiError(attempt.error)).toEqual({
      status: 400,
      statusCode: '403',
      message: 'new row violates row-level security policy',
    });

    const bytes = randomBytes(100);
    expect((await alice.client.storage.from('videos').upload(video.path, bytes, { contentType: 'video/mp4' })).error).toBeNull();
    const bobBucket = bob.client.storage.from('videos');
    expect(apiError((await bobBucket.download(video.path)).error)).toMatchObject({ statusCode: '404', message: 'Object not found' });
    expect(apiError((await bobBucket.createSignedUrl(video.path, 60)).error)).toMatchObject({ statusCode: '404' });
    expect((await bobBucket.remove([video.path])).data).toEqual([]);
    expect((await alice.client.storage.from('videos').exists(video.path)).data).toBe(true);
    const overwrite = await bobBucket.upload(video.path, randomBytes(100), { contentType: 'video/mp4', upsert: true });
    expect(apiError(overwrite.error)).toMatchObject({ statusCode: '403' });
  });

  test('a path that no uploading video row of the caller points to is refused', async () => {
    const path = `${alice.id}/${randomUUID()}/${randomUUID()}/${randomUUID()}/clip.mp4`;
    const attempt = await alice.client.storage.from('videos').upload(path, randomBytes(100), { contentType: 'video/mp4' });
    expect(apiError(attempt.error)).toEqual({ status: 400, statusCode: '403', message: 'new row violates row-level security policy' });
  });

  test('a type the bucket does not allow is refused with 415, before RLS', async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const text = await alice.client.storage.from('videos').upload(video.path, Buffer.from('hello'), { contentType: 'text/plain' });
    expect(apiError(text.error)).toEqual({ status: 400, statusCode: '415', message: 'mime type text/plain is not supported' });
    // storage-js's default type for raw bodies
    const untyped = await alice.client.storage.from('videos').upload(video.path, Buffer.from('hello'));
    expect(apiError(untyped.error)).toMatchObject({ statusCode: '415', message: 'mime type text/plain;charset=UTF-8 is not supported' });
    // Bob may not write there, but the type is checked first.
    const both = await bob.client.storage.from('videos').upload(video.path, Buffer.from('hello'), { contentType: 'application/x-msdownload' });
    expect(apiError(both.error)).toMatchObject({ statusCode: '415' });
  });

  test('an unknown bucket, a bad key and a bad token get Storage errors', async () => {
    const missing = await alice.client.storage.from('nope').upload('a/b.mp4', Buffer.from('x'), { contentType: 'video/mp4' });
    expect(apiError(missing.error)).toEqual({ status: 400, statusCode: '404', message: 'Bucket not found' });

    // Storage refuses non-ASCII keys (the CLI keeps ASCII slugs in paths for this reason).
    const badKey = await alice.client.storage.from('videos').upload(`${alice.id}/vidéo.mp4`, Buffer.from('x'), { contentType: 'video/mp4' });
    expect(apiError(badKey.error)).toEqual({ status: 400, statusCode: '400', message: `Invalid key: ${alice.id}/vidéo.mp4` });

    const response = await fetch(`${backend.url}/storage/v1/object/videos/${alice.id}/x.mp4`, {
      headers: { apikey: backend.anonKey, Authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: '403', error: 'Unauthorized' });
  });

  test('the bucket row is readable by authors, and SQL deletes of objects stay refused', async () => {
    const bucket = await alice.client.storage.getBucket('videos');
    expect(bucket.error).toBeNull();
    expect(bucket.data).toMatchObject({ id: 'videos', public: false });
    expect(bucket.data?.allowed_mime_types).toContain('video/mp4');

    await expect(backend.db.pool.query("delete from storage.objects where bucket_id = 'videos'")).rejects.toMatchObject({ code: '42501' });
  });

  test('operators read every author’s objects but cannot remove them', async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const bytes = randomBytes(500);
    expect((await alice.client.storage.from('videos').upload(video.path, bytes, { contentType: 'video/mp4' })).error).toBeNull();
    const operator = await backend.signedInUser({ operator: true });
    const downloaded = await operator.client.storage.from('videos').download(video.path);
    expect(downloaded.error).toBeNull();
    expect(Buffer.from(await downloaded.data!.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await operator.client.storage.from('videos').remove([video.path])).data).toEqual([]);
  });
});

describe('bucket size limit', () => {
  let backend: TestBackend;
  let alice: SignedInUser;

  beforeAll(async () => {
    backend = await startTestBackend();
    // This file's own database: a limit small enough to test without large files.
    await backend.db.pool.query("update storage.buckets set file_size_limit = 4096 where id = 'videos'");
    alice = await backend.signedInUser();
  });
  afterAll(async () => {
    await backend?.close();
  });

  test('a file above file_size_limit is refused with 413, before RLS', async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const bucket = alice.client.storage.from('videos');
    const tooBig = await bucket.upload(video.path, randomBytes(4097), { contentType: 'video/mp4' });
    expect(apiError(tooBig.error)).toEqual({ status: 400, statusCode: '413', message: 'The object exceeded the maximum allowed size' });
    const elsewhere = await bucket.upload(`${randomUUID()}/x/y/z/clip.mp4`, randomBytes(5000), { contentType: 'video/mp4' });
    expect(apiError(elsewhere.error)).toMatchObject({ statusCode: '413' });
    expect((await bucket.upload(video.path, randomBytes(4096), { contentType: 'video/mp4' })).error).toBeNull();
  });

  test('a body without Content-Length is cut off at the limit', async () => {
    const video = await createUploadingVideo(alice.client, alice.id);
    const { data } = await alice.client.auth.getSession();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(randomBytes(1024));
        controller.close();
      },
    });
    const response = await fetch(`${backend.url}/storage/v1/object/videos/${video.path}`, {
      method: 'POST',
      headers: { apikey: backend.anonKey, Authorization: `Bearer ${data.session!.access_token}`, 'Content-Type': 'video/mp4' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: '413' });
    expect((await alice.client.storage.from('videos').exists(video.path)).data).toBe(false);
  });
});
