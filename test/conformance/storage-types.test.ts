// Storage takes exact `type/subtype` values from the bucket's list, on plain and resumable uploads, and
// answers every download (authenticated, signed) with nosniff and an attachment unless it is a video type.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMimeTypeAllowed, parseMediaType, servedTypeHeaders } from '../../src/local/storage/limits.js';
import { startTestBackend, type SignedInUser, type TestBackend } from '../support/backend.js';
import { createUploadingVideo } from './storage-support.js';

let backend: TestBackend;
let alice: SignedInUser;
let workDir: string;

beforeAll(async () => {
  backend = await startTestBackend();
  alice = await backend.signedInUser();
  workDir = await mkdtemp(join(tmpdir(), 'storage-types-'));
});
afterAll(async () => {
  await backend?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const SMUGGLED = ['video/mp4/x,text/html', 'video/mp4,text/html', 'video/mp4 text/html', 'video/mp4;x=<script>', 'video/mp4\u000bx', 'video/', '/mp4', 'video'];
const HTML = Buffer.from('<html><script>document.title="owned"</script></html>');

function tusUpload(objectName: string, contentType: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(file), {
      endpoint: `${backend.url}/storage/v1/upload/resumable`,
      chunkSize: 6 * 1024 * 1024,
      uploadDataDuringCreation: true,
      retryDelays: [],
      headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}` },
      metadata: { bucketName: 'videos', objectName, contentType, cacheControl: '3600' },
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
}

describe('media types', () => {
  it('parses exactly one type/subtype with parameters', () => {
    expect(parseMediaType('video/mp4')).toEqual({ essence: 'video/mp4', type: 'video', subtype: 'mp4' });
    expect(parseMediaType('Video/MP4; codecs="avc1.42E01E, mp4a.40.2"')?.essence).toBe('video/mp4');
    expect(parseMediaType('video/webm;codecs=vp9')?.essence).toBe('video/webm');
    for (const bad of SMUGGLED) expect(parseMediaType(bad), bad).toBeNull();
  });

  it('the bucket list must hold the exact pair (or a type/* entry)', () => {
    const list = ['video/mp4', 'image/*'];
    expect(() => assertMimeTypeAllowed('video/mp4; codecs=avc1', list)).not.toThrow();
    expect(() => assertMimeTypeAllowed('image/png', list)).not.toThrow();
    for (const bad of [...SMUGGLED, 'video/webm', 'text/html']) expect(() => assertMimeTypeAllowed(bad, list), bad).toThrow(/is not supported/);
    expect(() => assertMimeTypeAllowed('video/mp4/x,text/html', null)).toThrow(/is not supported/);
  });
});

describe('uploads', () => {
  it('a plain upload with a smuggled type is refused (415) and nothing is stored', async () => {
    for (const type of SMUGGLED.filter((t) => !/[\u000b]/.test(t))) {
      const video = await createUploadingVideo(alice.client, alice.id);
      const res = await fetch(`${backend.url}/storage/v1/object/videos/${video.path}`, {
        method: 'POST',
        headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}`, 'content-type': type },
        body: HTML,
      });
      expect(res.status, type).toBe(400);
      expect(await res.json(), type).toMatchObject({ statusCode: '415' });
      const { rows } = await backend.db.pool.query('select count(*)::int as n from storage.objects where name = $1', [video.path]);
      expect(rows[0].n, type).toBe(0);
    }
  });

  it('a resumable upload with a smuggled type is refused and nothing is stored', async () => {
    const file = join(workDir, 'page.mp4');
    await writeFile(file, HTML);
    for (const type of ['video/mp4/x,text/html', 'video/mp4,text/html']) {
      const video = await createUploadingVideo(alice.client, alice.id);
      await expect(tusUpload(video.path, type, file), type).rejects.toThrow(/415|not supported/);
      const { rows } = await backend.db.pool.query('select count(*)::int as n from storage.objects where name = $1', [video.path]);
      expect(rows[0].n, type).toBe(0);
    }
  });

  it('exact types with parameters are taken, plain and resumable', async () => {
    const plain = await createUploadingVideo(alice.client, alice.id);
    const res = await fetch(`${backend.url}/storage/v1/object/videos/${plain.path}`, {
      method: 'POST',
      headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}`, 'content-type': 'video/mp4; codecs="avc1.42E01E"' },
      body: randomBytes(64),
    });
    expect(res.status).toBe(200);
    const file = join(workDir, 'clip.webm');
    await writeFile(file, randomBytes(64));
    const resumable = await createUploadingVideo(alice.client, alice.id, { slug: 'clip.webm', mimeType: 'video/webm' });
    await tusUpload(resumable.path, 'video/webm;codecs=vp9', file);
  });
});

describe('copies', () => {
  it('a copy that names its own type keeps to the bucket list too (415) and stores nothing', async () => {
    const source = await createUploadingVideo(alice.client, alice.id);
    const put = await fetch(`${backend.url}/storage/v1/object/videos/${source.path}`, {
      method: 'POST',
      headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}`, 'content-type': 'video/mp4' },
      body: HTML,
    });
    expect(put.status).toBe(200);
    const dest = await createUploadingVideo(alice.client, alice.id);
    const copy = (metadata: Record<string, string>) =>
      fetch(`${backend.url}/storage/v1/object/copy`, {
        method: 'POST',
        headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ bucketId: 'videos', sourceKey: source.path, destinationKey: dest.path, copyMetadata: false, metadata }),
      });
    for (const type of ['text/html', 'video/mp4/x,text/html']) {
      const res = await copy({ mimetype: type });
      expect(res.status, type).toBe(400);
      expect(await res.json(), type).toMatchObject({ statusCode: '415' });
    }
    const { rows } = await backend.db.pool.query('select count(*)::int as n from storage.objects where name = $1', [dest.path]);
    expect(rows[0].n).toBe(0);
    // An allowed type is copied.
    expect((await copy({ mimetype: 'video/mp4' })).status).toBe(200);
  });
});

describe('downloads', () => {
  async function stored(type: string): Promise<string> {
    const video = await createUploadingVideo(alice.client, alice.id);
    const res = await fetch(`${backend.url}/storage/v1/object/videos/${video.path}`, {
      method: 'POST',
      headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}`, 'content-type': type },
      body: HTML,
    });
    expect(res.status).toBe(200);
    return video.path;
  }

  async function signed(path: string): Promise<string> {
    const { data, error } = await alice.client.storage.from('videos').createSignedUrl(path, 60);
    expect(error).toBeNull();
    return data!.signedUrl;
  }

  it('a video is sent with nosniff and inline, authenticated and through a signed URL', async () => {
    const path = await stored('video/mp4');
    const urls = [`${backend.url}/storage/v1/object/authenticated/videos/${path}`, await signed(path)];
    for (const url of urls) {
      const res = await fetch(url, { headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('video/mp4');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toMatch(/^inline; filename=clip\.mp4/);
      await res.arrayBuffer();
    }
    const download = await fetch(`${(await signed(path))}&download=`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename=clip\.mp4/);
    await download.arrayBuffer();
  });

  it('an object stored earlier with a smuggled type is served as an attachment of octet-stream, never as HTML', async () => {
    const path = await stored('video/mp4');
    // What main stored for `video/mp4/x,text/html` before the exact check.
    await backend.db.pool.query(`update storage.objects set metadata = jsonb_set(metadata, '{mimetype}', '"video/mp4/x,text/html"') where name = $1`, [path]);
    for (const url of [await signed(path), `${backend.url}/storage/v1/object/authenticated/videos/${path}`]) {
      const res = await fetch(url, { headers: { apikey: backend.anonKey, authorization: `Bearer ${alice.session.access_token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      await res.arrayBuffer();
    }
  });

  it('non-video types are attachments', () => {
    expect(servedTypeHeaders('text/html', 'x.html', false)['Content-Disposition']).toMatch(/^attachment;/);
    expect(servedTypeHeaders('image/svg+xml', 'x.svg', false)['Content-Disposition']).toMatch(/^attachment;/);
    expect(servedTypeHeaders('video/mp4; codecs=avc1', 'x.mp4', false)['Content-Disposition']).toMatch(/^inline;/);
  });
});
