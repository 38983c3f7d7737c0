// Signed download URLs: Storage signs {url: "<bucket>/<name>"} with the project's JWT secret and serves the
// object to whoever presents the token before it expires, without RLS.
import { signJwt, verifyJwt } from '../jwt.js';
import { joseMessage } from './caller.js';
import { storageErrors } from './errors.js';

export async function signObjectUrl(secret: string, bucket: string, name: string, expiresIn: number): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const token = await signJwt({ url: `${bucket}/${name}`, iat, exp: iat + expiresIn }, secret);
  return `/object/sign/${bucket}/${name}?token=${token}`;
}

/** Throws InvalidJWT for a bad or expired token, InvalidSignature when it was signed for another object. */
export async function verifyObjectToken(secret: string, token: string | null, bucket: string, name: string): Promise<void> {
  if (!token) throw storageErrors.missingParameter('token');
  const result = await verifyJwt(token, secret);
  if (!result.ok) throw storageErrors.invalidJwt(joseMessage(result.failure));
  if (result.claims.url !== `${bucket}/${name}`) {
    throw storageErrors.invalidSignature('The url do not match the signature');
  }
}
