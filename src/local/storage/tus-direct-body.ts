// The one place that reaches past @tus/server's public API, so upload bodies skip its web-stream
// round trip (node request -> web ReadableStream -> node stream: three extra hops per 64 KiB).
// Two internals are relied on, both checked by test/contract/tus-server.test.ts, which fails when
// an upgrade changes them:
// - the POST and PATCH handlers read `req.body` only after onIncomingRequest has run;
// - they write it through their `writeToStore(body, upload, maxBodySize, context)` method.
import type { IncomingMessage } from 'node:http';
import type { CancellationContext, Server, ServerOptions, Upload } from '@tus/server';

type TusRequest = Parameters<NonNullable<ServerOptions['onIncomingRequest']>>[0];

/** @tus/server's body writer: returns the upload's new offset. */
export type WriteToStore = (body: ReadableStream | null, upload: Upload, maxBodySize: number, context: CancellationContext) => Promise<number>;

/** Writes a node request body into an upload; `library` is @tus/server's own writer, for the cases it should keep. */
export type DirectWriter = (source: IncomingMessage, upload: Upload, maxBodySize: number, context: CancellationContext, library: WriteToStore) => Promise<number>;

/** Stands in for the request body @tus/server would read: the node request itself. */
class DirectBody {
  constructor(readonly request: IncomingMessage) {}
}

/** From onIncomingRequest of a POST or PATCH: the handler will be given the node request as its body. */
export function useDirectBody(req: TusRequest, node: IncomingMessage): void {
  Object.defineProperty(req, 'body', { value: new DirectBody(node), configurable: true });
}

/** Routes the POST and PATCH handlers' body writes: bodies marked by useDirectBody go to `direct`. */
export function interceptBodyWrites(server: Server, direct: DirectWriter): void {
  for (const handler of [server.handlers.POST, server.handlers.PATCH]) {
    const slot = handler as unknown as { writeToStore?: unknown };
    if (typeof slot.writeToStore !== 'function') throw new Error('@tus/server no longer has writeToStore on its upload handlers');
    const library = (slot.writeToStore as WriteToStore).bind(handler);
    const write: WriteToStore = (body, upload, maxBodySize, context) =>
      body instanceof DirectBody ? direct(body.request, upload, maxBodySize, context, library) : library(body, upload, maxBodySize, context);
    slot.writeToStore = write;
  }
}
