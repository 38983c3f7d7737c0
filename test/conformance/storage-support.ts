// Shared by the storage conformance tests: video rows created as their author (the storage policies let a
// user write only at the path of one of their own `uploading` videos), and tokens for the TUS tests.
import { createHash, randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { decodeJwtUnverified, signJwt } from '../../src/local/jwt.js';

export interface UploadingVideo {
  id: string;
  /** Object path in the bucket `videos`: <user>/<session>/<module>/<video>/<slug>.<ext>. */
  path: string;
}

/** A session, a module and an `uploading` video, created through the REST API as the signed-in author. */
export async function createUploadingVideo(
  client: SupabaseClient,
  userId: string,
  options: { slug?: string; size?: number; mimeType?: string } = {},
): Promise<UploadingVideo> {
  const session = await client.from('sessions').insert({ name: `session ${randomUUID().slice(0, 8)}` }).select('id').single();
  if (session.error) throw new Error(`insert session: ${session.error.message}`);
  const sessionId = (session.data as { id: string }).id;
  const module = await client.from('modules').insert({ session_id: sessionId, name: 'module', order_index: 0 }).select('id').single();
  if (module.error) throw new Error(`insert module: ${module.error.message}`);
  const moduleId = (module.data as { id: string }).id;
  const id = randomUUID();
  const slug = options.slug ?? 'clip.mp4';
  const path = `${userId}/${sessionId}/${moduleId}/${id}/${slug}`;
  const video = await client.from('videos').insert({
    id,
    module_id: moduleId,
    file_name: slug,
    file_size: options.size ?? 1024,
    mime_type: options.mimeType ?? 'video/mp4',
    sha256: createHash('sha256').update(id).digest('hex'),
    file_url: path,
    order_index: 0,
  });
  if (video.error) throw new Error(`insert video: ${video.error.message}`);
  return { id, path };
}

/** The same claims as `accessToken`, signed with the project's secret, already expired (past the 30 s leeway). */
export async function expiredCopy(accessToken: string, jwtSecret: string): Promise<string> {
  const claims = decodeJwtUnverified(accessToken);
  if (!claims) throw new Error('not a JWT');
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ ...claims, iat: now - 7200, exp: now - 3600 }, jwtSecret);
}
