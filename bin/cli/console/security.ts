// What keeps the console's server to the user who started it: it listens on 127.0.0.1 only; every API call
// carries the per-run token of the printed URL in a header (a cross-site page cannot send a custom header
// without a CORS preflight, which this server never grants, so no CSRF); the Host and Origin headers must name
// this server (no DNS rebinding); every answer carries headers that forbid inline script, framing and sniffing.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The header the page sends the token in. */
export const TOKEN_HEADER = 'x-stask-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // The token travels in the URL's fragment, never in a Referer; links to the AWS console get no referrer either.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** Why a request is refused before it is routed, with its status; undefined when it may proceed. */
export interface Refusal {
  readonly status: 401 | 403 | 421;
  readonly message: string;
}

export class ConsoleGuard {
  private readonly token: Buffer;

  constructor(
    token: string,
    private readonly port: () => number,
  ) {
    this.token = Buffer.from(token);
  }

  /** Host (and Origin, when sent) must be this server by its loopback name: a rebound DNS name is refused. */
  checkOrigin(req: IncomingMessage): Refusal | undefined {
    const hosts = [`127.0.0.1:${this.port()}`, `localhost:${this.port()}`];
    if (!hosts.includes(req.headers.host ?? '')) return { status: 421, message: 'this server answers only to 127.0.0.1 and localhost' };
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`)) return { status: 403, message: 'cross-origin requests are refused' };
    if (req.headers['sec-fetch-site'] === 'cross-site') return { status: 403, message: 'cross-site requests are refused' };
    return undefined;
  }

  /** Every API call carries the token of the printed URL in the X-Stask-Token header. */
  checkToken(req: IncomingMessage): Refusal | undefined {
    const sent = req.headers[TOKEN_HEADER];
    if (typeof sent !== 'string' || sent === '') return { status: 401, message: `the ${TOKEN_HEADER} header is missing: open the URL stask console printed` };
    const given = Buffer.from(sent);
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) return { status: 403, message: 'wrong console token' };
    return undefined;
  }
}
