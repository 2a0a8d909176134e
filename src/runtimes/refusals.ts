import { maxHeaderSize, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import { type ProblemInit, problemDocument } from '../platform/http/problem.ts';

/**
 * Every refusal reaches the client, as problem+json, however early it comes. Closing a socket
 * while the client still sends makes the server's TCP stack answer with a reset, which can
 * erase the answer before the client reads it (RFC 9112 §9.6): what the client still sends is
 * read first, and dropped.
 */

/** How long a client may go on sending a body nothing reads before its connection is cut. */
const LINGER_MS = 5_000;

/**
 * The app's answer, sent once the request's body is all in: a body the app did not read (a 413
 * from the body limit, a 401 on an upload) is read and dropped, for at most LINGER_MS. Then
 * the connection stays open for the next request, or closes cleanly. @hono/node-server alone
 * drains for half a second, and Node closes at once when the client asked to.
 */
export async function afterBody(
  answer: Response | Promise<Response>,
  incoming: Readable & { complete: boolean },
): Promise<Response> {
  const response = await answer;
  if (incoming.complete || incoming.destroyed) return response;
  // A reader given up on (a web stream the body limit stopped reading) would pause it again.
  incoming.removeAllListeners('data');
  incoming.resume();
  const cutOff = new AbortController();
  await Promise.race([
    finished(incoming).catch(() => {}),
    sleep(LINGER_MS, undefined, { signal: cutOff.signal }).catch(() => {}),
  ]);
  cutOff.abort();
  return response;
}

/** Node's parser errors and timeouts, as the problem each is answered with. */
const PROTOCOL_REFUSALS: Record<string, ProblemInit> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers-too-large',
    detail: `The request line and headers are larger than the ${maxHeaderSize} bytes allowed.`,
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    code: 'body-too-large',
    detail: 'The chunk extensions are larger than allowed.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request-timeout',
    detail: 'The request took too long to arrive.',
  },
};

const NOT_HTTP: ProblemInit = {
  status: 400,
  code: 'bad-request',
  detail: 'The request is not well-formed HTTP/1.1.',
};

/** A raw HTTP/1.1 problem+json answer, for a socket no request or response object owns. */
function rawProblem(init: ProblemInit): string {
  const requestId = uuidv7();
  const body = JSON.stringify(problemDocument(init, requestId));
  return [
    `HTTP/1.1 ${init.status} ${STATUS_CODES[init.status]}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * A request Node refuses before the app sees it (headers over `maxHeaderSize`, bytes that are
 * not HTTP, a request too slow to arrive) is answered 431, 400 or 408 in problem+json, where
 * Node would write a bare status line; then the socket is half-closed, what follows read until
 * the client closes, for at most LINGER_MS.
 */
export function answerProtocolErrors(server: Server): void {
  const responses = new WeakMap<Duplex, ServerResponse>();
  const refused = new WeakSet<Duplex>();
  server.on('request', (incoming, outgoing) => responses.set(incoming.socket, outgoing));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The failed parser reports again on every chunk that follows.
    if (refused.has(socket)) return;
    const inFlight = responses.get(socket);
    // Part of an answer is on the wire: nothing else may be written.
    const answering = inFlight?.headersSent && !inFlight.writableFinished;
    if (error.code === 'ECONNRESET' || !socket.writable || answering) {
      socket.destroy();
      return;
    }
    refused.add(socket);
    socket.end(rawProblem(PROTOCOL_REFUSALS[error.code ?? ''] ?? NOT_HTTP));
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
