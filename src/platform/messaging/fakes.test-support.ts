/**
 * Test doubles that speak the real protocols: an SMTP server, and an HTTP server answering as
 * Africa's Talking's SMS API does. For the messaging tests only.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerError } from 'smtp-server';

export interface ReceivedMail {
  mailFrom: string | undefined;
  rcptTo: string[];
  /** The user the client authenticated as, if it did. */
  user: string | undefined;
  headers: Map<string, string>;
  text: string | undefined;
  html: string | undefined;
}

export interface TestSmtpServer {
  url: string;
  received: ReceivedMail[];
  /** Messages offered, accepted or not. */
  offered: number;
  close(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 that keeps what it accepts. `rejectWith` lists reply codes for
 * the first messages offered, one each, e.g. `[451]` refuses the first with a temporary error.
 * `users` are the credentials it accepts when a client authenticates.
 */
export async function startSmtpServer(
  options: { rejectWith?: number[]; users?: Record<string, string> } = {},
): Promise<TestSmtpServer> {
  const rejections = [...(options.rejectWith ?? [])];
  const received: ReceivedMail[] = [];
  const state = { offered: 0 };
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    // No TLS in tests: nodemailer would try STARTTLS and refuse the built-in certificate.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username && options.users?.[auth.username] === auth.password) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        state.offered++;
        const code = rejections.shift();
        if (code !== undefined) {
          const err: SMTPServerError = new Error('Try again later');
          err.responseCode = code;
          callback(err);
          return;
        }
        const mailFrom = session.envelope.mailFrom;
        received.push({
          mailFrom: mailFrom ? mailFrom.address : undefined,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          ...parseMail(Buffer.concat(chunks).toString('utf8')),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    get offered() {
      return state.offered;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface MimePart {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): MimePart {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody({ headers, body }: MimePart): string {
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(body, 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Just enough MIME for what nodemailer sends here: one part, or multipart/alternative. */
function parseMail(raw: string): Pick<ReceivedMail, 'headers' | 'text' | 'html'> {
  const message = splitPart(raw);
  const contentType = message.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  const parts = boundary
    ? message.body
        .split(`--${boundary}`)
        .slice(1, -1)
        .map((part) => splitPart(part.replace(/^\r\n/, '')))
    : [message];
  const bodyOf = (type: string) => {
    const part = parts.find((p) =>
      (p.headers.get('content-type') ?? 'text/plain').startsWith(type),
    );
    return part ? decodeBody(part).replace(/\r\n$/, '') : undefined;
  };
  return { headers: message.headers, text: bodyOf('text/plain'), html: bodyOf('text/html') };
}

export interface AtRequest {
  method: string | undefined;
  path: string | undefined;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

export interface FakeAfricasTalking {
  baseUrl: string;
  requests: AtRequest[];
  close(): Promise<void>;
}

/**
 * Africa's Talking's `POST /version1/messaging` on 127.0.0.1: a wrong `apiKey` gets 401 as the
 * real API gives it; otherwise `status` is each recipient's status (`Success`, or a refusal
 * such as `InvalidPhoneNumber`), answered in the documented JSON.
 */
export async function startFakeAfricasTalking(options: {
  apiKey: string;
  status?: (to: string) => string;
}): Promise<FakeAfricasTalking> {
  const requests: AtRequest[] = [];
  const statusCodes: Record<string, number> = { Success: 101, InvalidPhoneNumber: 403 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    requests.push({ method: req.method, path: req.url, headers: req.headers, form });
    if (req.headers.apikey !== options.apiKey) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain' })
        .end('The supplied authentication is invalid');
      return;
    }
    const recipients = (form.get('to') ?? '').split(',').map((number, i) => {
      const status = options.status?.(number) ?? 'Success';
      const ok = status === 'Success';
      return {
        statusCode: statusCodes[status] ?? 500,
        number,
        status,
        cost: ok ? 'ETB 0.5000' : '0',
        messageId: ok ? `ATXid_${requests.length}_${i}` : 'None',
      };
    });
    const sent = recipients.filter((r) => r.status === 'Success').length;
    res.writeHead(201, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        SMSMessageData: {
          Message: `Sent to ${sent}/${recipients.length} Total Cost: ETB ${sent * 0.5}`,
          Recipients: recipients,
        },
      }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
