// tus-js-client against /storage/v1/upload/resumable of the local backend, configured as Supabase documents it:
// 6 MiB chunks, uploadDataDuringCreation, metadata bucketName/objectName/contentType/cacheControl, and a
// FileUrlStorage so an interrupted upload resumes from the URL kept on disk.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { sha256 } from '../support/media.js';
import { createUploadingVideo, expiredCopy } from './storage-support.js';

const MiB = 1024 * 1024;
// The Node build exports FileUrlStorage; its type declarations do not.
const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (path: string) => tus.UrlStorage };
const CHUNK = 6 * MiB;

interface UploadRun {
  upload: tus.Upload;
  done: Promise<void>;
}

describe('resumable uploads through tus-js-client', () => {
  let backend: TestBackend;
  let alice: SignedInUser;
  let bob: SignedInUser;
  let workDir: string;
  let endpoint: string;

  beforeAll(async () => {
    backend = await startTestBackend();
    endpoint = `${backend.url}/storage/v1/upload/resumable`;
    alice = await backend.signedInUser();
    bob = await backend.signedInUser();
    workDir = await mkdtemp(join(tmpdir(), 'storage-tus-'));
  });
  afterAll(async () => {
    await backend?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const token = async (user: SignedInUser): Promise<string> => (await user.client.auth.getSession()).data.session!.access_token;

  function start(options: {
    source: string;
    objectName: string;
    token: () => string;
    urlStorage?: tus.UrlStorage;
    upsert?: boolean;
    contentType?: string;
    retryDelays?: number[];
    uploadUrl?: string;
    onChunkComplete?: (upload: tus.Upload, bytesAccepted: number) => void;
  }): UploadRun {
    let resolveDone!: () => void;
    let rejectDone!: (err: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    const upload: tus.Upload = new tus.Upload(createReadStream(options.source), {
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : { endpoint }),
      chunkSize: CHUNK,
      uploadDataDuringCreation: true,
      removeFingerprintOnSuccess: true,
      retryDelays: options.retryDelays ?? [0, 200, 500],
      ...(options.urlStorage ? { urlStorage: options.urlStorage } : {}),
      headers: { apikey: backend.anonKey, ...(options.upsert ? { 'x-upsert': 'true' } : {}) },
      metadata: {
        bucketName: 'videos',
        objectName: options.objectName,
        contentType: options.contentType ?? 'video/mp4',
        cacheControl: '3600',
      },
      // The access token is read before every request, as the CLI refreshes it.
      onBeforeRequest: (req) => {
        req.setHeader('Authorization', `Bearer ${options.token()}`);
      },
      onChunkComplete: (_chunkSize, bytesAccepted) => options.onChunkComplete?.(upload, bytesAccepted),
      onSuccess: () => resolveDone(),
      onError: (err) => rejectDone(err),
    });
    return { upload, done };
  }

  async function sourceFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
    const bytes = randomBytes(size);
    const path = join(workDir, name);
    await writeFile(path, bytes);
    return { path, bytes };
  }

  async function storedSha(path: string): Promise<string> {
    const { data, error } = await alice.client.storage.from('videos').download(path);
    if (error) throw error;
    return sha256(Buffer.from(await data.arrayBuffer()));
  }

  async function head(url: string, accessToken: string): Promise<Response> {
    return fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', apikey: backend.anonKey, Authorization: `Bearer ${accessToken}` } });
  }

  test('20 MiB in 6 MiB chunks, aborted midway, resumes from the stored URL to identical bytes', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: 20 * MiB });
    const source = await sourceFile('twenty.mp4', 20 * MiB);
    const urlStorage = new FileUrlStorage(join(workDir, 'urls-resume.json'));
    const aliceToken = await token(alice);

    let aborted: Promise<void> | undefined;
    const first = start({
      source: source.path,
      objectName: video.path,
      token: () => aliceToken,
      urlStorage,
      onChunkComplete: (upload, accepted) => {
        if (accepted >= 2 * CHUNK) aborted ??= upload.abort();
      },
    });
    first.upload.start();
    await waitFor(() => aborted !== undefined);
    await aborted;
    const uploadUrl = first.upload.url!;
    expect(uploadUrl.startsWith(`${endpoint}/`)).toBe(true); // absolute Location

    const probe = await head(uploadUrl, aliceToken);
    expect(probe.status).toBe(200);
    expect(probe.headers.get('tus-resumable')).toBe('1.0.0');
    expect(probe.headers.get('cache-control')).toBe('no-store');
    expect(probe.headers.get('upload-length')).toBe(String(20 * MiB));
    expect(Number(probe.headers.get('upload-offset'))).toBe(2 * CHUNK);
    expect((await alice.client.storage.from('videos').exists(video.path)).data).toBe(false);

    const second = start({ source: source.path, objectName: video.path, token: () => aliceToken, urlStorage });
    const previous = await second.upload.findPreviousUploads();
    expect(previous).toHaveLength(1);
    second.upload.resumeFromPreviousUpload(previous[0]!);
    second.upload.start();
    await second.done;
    expect(second.upload.url).toBe(uploadUrl);

    expect(await storedSha(video.path)).toBe(sha256(source.bytes));
    const { rows } = await backend.db.pool.query<{ metadata: { size: number; mimetype: string; cacheControl: string } }>(
      'select metadata from storage.objects where bucket_id = $1 and name = $2',
      ['videos', video.path],
    );
    expect(rows[0]?.metadata).toMatchObject({ size: 20 * MiB, mimetype: 'video/mp4', cacheControl: 'max-age=3600' });
    // After completion the upload URL still reports the whole file (a client killed before it saw success resumes to done).
    const finished = await head(uploadUrl, aliceToken);
    expect(finished.headers.get('upload-offset')).toBe(String(20 * MiB));
  });

  test("another user's token is refused on the same upload URL", async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: 12 * MiB });
    const source = await sourceFile('bob.mp4', 12 * MiB);
    const aliceToken = await token(alice);
    const bobToken = await token(bob);
    let aborted: Promise<void> | undefined;
    const first = start({
      source: source.path,
      objectName: video.path,
      token: () => aliceToken,
      onChunkComplete: (upload) => {
        aborted ??= upload.abort();
      },
    });
    first.upload.start();
    await waitFor(() => aborted !== undefined);
    await aborted;
    const uploadUrl = first.upload.url!;

    const probe = await head(uploadUrl, bobToken);
    expect(probe.status).toBe(403);
    expect(probe.headers.get('tus-resumable')).toBe('1.0.0');
    const patch = await fetch(uploadUrl, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        apikey: backend.anonKey,
        Authorization: `Bearer ${bobToken}`,
        'Upload-Offset': String(CHUNK),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: new Blob([randomBytes(1024)]),
    });
    expect(patch.status).toBe(403);
    expect(await patch.text()).toBe('This upload was created by another user');

    // tus-js-client given only the URL (no endpoint to start over at) reports the refusal.
    const hijack = start({ source: source.path, objectName: video.path, token: () => bobToken, uploadUrl });
    hijack.upload.start();
    await expect(hijack.done).rejects.toThrow();
    expect((await head(uploadUrl, aliceToken)).headers.get('upload-offset')).toBe(String(CHUNK));
  });

  test('a token that expires mid-upload is refused; a refreshed one continues the same upload', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: 18 * MiB });
    const source = await sourceFile('expiry.mp4', 18 * MiB);
    const fresh = await token(alice);
    const expired = await expiredCopy(fresh, backend.jwtSecret);
    let current = fresh;

    const first = start({
      source: source.path,
      objectName: video.path,
      token: () => current,
      retryDelays: [],
      onChunkComplete: () => {
        current = expired; // the next PATCH carries a token past its exp
      },
    });
    first.upload.start();
    const err = (await first.done.then(() => null, (e: unknown) => e)) as tus.DetailedError | null;
    expect(err).not.toBeNull();
    expect(err!.originalResponse?.getStatus()).toBe(403);
    expect(err!.originalResponse?.getBody()).toBe('"exp" claim timestamp check failed');
    const uploadUrl = first.upload.url!;
    expect((await head(uploadUrl, expired)).status).toBe(403);

    const refreshed = await alice.client.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    current = refreshed.data.session!.access_token;
    const second = start({ source: source.path, objectName: video.path, token: () => current, uploadUrl });
    second.upload.start();
    await second.done;
    expect(await storedSha(video.path)).toBe(sha256(source.bytes));
  });

  test('RLS is checked again on every PATCH: a chunk refused mid-upload leaves the offset where it was', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: 12 * MiB });
    const source = await sourceFile('rls.mp4', 12 * MiB);
    const aliceToken = await token(alice);
    let aborted: Promise<void> | undefined;
    const first = start({
      source: source.path,
      objectName: video.path,
      token: () => aliceToken,
      onChunkComplete: (upload) => {
        aborted ??= upload.abort();
      },
    });
    first.upload.start();
    await waitFor(() => aborted !== undefined);
    await aborted;
    const uploadUrl = first.upload.url!;

    // The video is no longer `uploading`: the storage policy now refuses writes at its path.
    const done = await alice.client.from('videos').update({ status: 'ready' }).eq('id', video.id);
    expect(done.error).toBeNull();
    const patch = await fetch(uploadUrl, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        apikey: backend.anonKey,
        Authorization: `Bearer ${aliceToken}`,
        'Upload-Offset': String(CHUNK),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: Uint8Array.from(source.bytes.subarray(CHUNK, 2 * CHUNK)),
    });
    expect(patch.status).toBe(403);
    expect(await patch.text()).toBe('new row violates row-level security policy');
    expect((await head(uploadUrl, aliceToken)).headers.get('upload-offset')).toBe(String(CHUNK));
    expect((await alice.client.storage.from('videos').exists(video.path)).data).toBe(false);
  });

  test('a second upload of an existing object is a 409 unless it upserts', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: MiB });
    const a = await sourceFile('dup-a.mp4', MiB);
    const b = await sourceFile('dup-b.mp4', MiB);
    const aliceToken = await token(alice);
    const first = start({ source: a.path, objectName: video.path, token: () => aliceToken });
    first.upload.start();
    await first.done;

    const again = start({ source: b.path, objectName: video.path, token: () => aliceToken, retryDelays: [] });
    again.upload.start();
    const err = (await again.done.then(() => null, (e: unknown) => e)) as tus.DetailedError | null;
    expect(err?.originalResponse?.getStatus()).toBe(409);
    expect(err?.originalResponse?.getBody()).toBe('The resource already exists');

    const upsert = start({ source: b.path, objectName: video.path, token: () => aliceToken, upsert: true });
    upsert.upload.start();
    await upsert.done;
    expect(await storedSha(video.path)).toBe(sha256(b.bytes));
  });

  test('a concurrent write to the same object is refused with 409 while a chunk is in flight', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: 4 * MiB });
    const aliceToken = await token(alice);
    const created = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        apikey: backend.anonKey,
        Authorization: `Bearer ${aliceToken}`,
        'Upload-Length': String(4 * MiB),
        'Upload-Metadata': tusMetadata({ bucketName: 'videos', objectName: video.path, contentType: 'video/mp4' }),
      },
    });
    expect(created.status).toBe(201);
    const uploadUrl = created.headers.get('location')!;
    expect(uploadUrl.startsWith(`${endpoint}/`)).toBe(true);

    // A PATCH that sends half its body and then holds the connection open.
    const slow = httpRequest(uploadUrl, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        apikey: backend.anonKey,
        Authorization: `Bearer ${aliceToken}`,
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(2 * MiB),
      },
    });
    const slowResponse = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(randomBytes(MiB));
    await waitFor(async () => Number((await head(uploadUrl, aliceToken)).headers.get('upload-offset')) > 0);

    const concurrent = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        apikey: backend.anonKey,
        Authorization: `Bearer ${aliceToken}`,
        'x-upsert': 'true',
        'Upload-Length': String(MiB),
        'Upload-Metadata': tusMetadata({ bucketName: 'videos', objectName: video.path, contentType: 'video/mp4' }),
        'Content-Type': 'application/offset+octet-stream',
      },
      body: new Blob([randomBytes(MiB)]),
    });
    expect(concurrent.status).toBe(409);
    expect(await concurrent.text()).toBe('Resource already locked');

    slow.end(randomBytes(MiB));
    expect(await slowResponse).toBe(204);
    expect((await head(uploadUrl, aliceToken)).headers.get('upload-offset')).toBe(String(2 * MiB));
  });

  test('limits: a type the bucket does not allow is 415, an unknown bucket 404, no token 403', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: MiB });
    const aliceToken = await token(alice);
    const post = (metadata: Record<string, string>, accessToken = aliceToken) =>
      fetch(endpoint, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          apikey: backend.anonKey,
          Authorization: `Bearer ${accessToken}`,
          'Upload-Length': String(MiB),
          'Upload-Metadata': tusMetadata(metadata),
        },
      });
    const text = await post({ bucketName: 'videos', objectName: video.path, contentType: 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.text()).toBe('mime type text/plain is not supported');
    const missing = await post({ bucketName: 'nope', objectName: video.path, contentType: 'video/mp4' });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('Bucket not found');
    const expired = await post({ bucketName: 'videos', objectName: video.path, contentType: 'video/mp4' }, await expiredCopy(aliceToken, backend.jwtSecret));
    expect(expired.status).toBe(403);
    const elsewhere = await post({ bucketName: 'videos', objectName: `${bob.id}/a/b/c/clip.mp4`, contentType: 'video/mp4' });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.text()).toBe('new row violates row-level security policy');
    const options = await fetch(endpoint, { method: 'OPTIONS', headers: { apikey: backend.anonKey } });
    expect(options.status).toBe(204);
    expect(options.headers.get('tus-version')).toBe('1.0.0');
  });
});

describe('resumable uploads above the bucket limit', () => {
  let backend: TestBackend;
  let alice: SignedInUser;

  beforeAll(async () => {
    backend = await startTestBackend();
    await backend.db.pool.query("update storage.buckets set file_size_limit = 1048576 where id = 'videos'");
    alice = await backend.signedInUser();
  });
  afterAll(async () => {
    await backend?.close();
  });

  test('an Upload-Length above file_size_limit is refused with 413', async () => {
    const video = await createUploadingVideo(alice.client, alice.id, { size: 2 * MiB });
    const accessToken = (await alice.client.auth.getSession()).data.session!.access_token;
    const response = await fetch(`${backend.url}/storage/v1/upload/resumable`, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        apikey: backend.anonKey,
        Authorization: `Bearer ${accessToken}`,
        'Upload-Length': String(2 * MiB),
        'Upload-Metadata': tusMetadata({ bucketName: 'videos', objectName: video.path, contentType: 'video/mp4' }),
      },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('tus-resumable')).toBe('1.0.0');
  });
});

function tusMetadata(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
