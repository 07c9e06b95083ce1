// Serves the built web client (web/dist) on its own port and forwards the API paths (/graphql over
// HTTP and its WebSocket upgrade, /auth/*, /.well-known/*, /files/*) to the router, so the browser talks to ONE
// origin: no CORS, cookies and tokens stay first-party, and the client uses relative URLs. Unknown
// paths get index.html (the client routes itself). Plain node:http: no framework for a static server.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@clinic/service-kit';
import { isAmbiguousPath, originFormPath } from '@clinic/router/src/public-routes.ts';
import { chooseEncoding, compressedFile } from './static-compression.ts';

export const WEB_DIST = path.resolve(__dirname, '../../web/dist');
const PROXIED = ['/graphql', '/auth/', '/.well-known/', '/files/'];
/** Client routes under a proxied prefix: identity's Microsoft callback lands the browser on /auth/complete. */
const CLIENT_ROUTES = new Set(['/auth/complete']);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  // Emotion (MUI) injects <style> tags, hence 'unsafe-inline' for styles only. Document thumbnails are
  // fetched with the bearer token and shown from blob: URLs, hence blob: for images.
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
};

export interface WebServerOptions {
  /** The router's GraphQL URL (e.g. http://localhost:4000/graphql); only its origin is used. */
  routerUrl: string;
  /** 0 = a random free port (tests). Default: WEB_PORT or 5173. */
  port?: number;
  host?: string;
  distDir?: string;
}

export interface RunningWebServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function missingBuildMessage(distDir = WEB_DIST): string {
  return `The web client is not built (${path.join(distDir, 'index.html')} is missing). Build it with: npm run build -w @clinic/web`;
}

function isProxied(pathname: string): boolean {
  if (CLIENT_ROUTES.has(pathname)) return false;
  return PROXIED.some((p) => (p.endsWith('/') ? pathname.startsWith(p) : pathname === p || pathname.startsWith(`${p}/`)));
}

function forwardedHeaders(req: IncomingMessage, host: string): http.OutgoingHttpHeaders {
  const prior = req.headers['x-forwarded-for'];
  const ip = req.socket.remoteAddress ?? '';
  return {
    ...req.headers,
    host,
    'x-forwarded-for': prior ? `${String(prior)}, ${ip}` : ip,
    'x-forwarded-host': req.headers.host ?? '',
    'x-forwarded-proto': 'http',
  };
}

function badRequest(res: ServerResponse): void {
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end('bad request');
}

function serveStatic(distDir: string, pathname: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400);
    res.end();
    return;
  }
  const file = path.resolve(distDir, `.${path.posix.normalize(decoded)}`);
  const inside = file === distDir || file.startsWith(distDir + path.sep);
  let target = path.join(distDir, 'index.html');
  // Source maps are never published (the build makes none; a stray one is not served either).
  if (inside && existsSync(file) && statSync(file).isFile() && !decoded.endsWith('.map')) target = file;
  else if (decoded.endsWith('.map')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  else if (path.extname(decoded) && decoded.startsWith('/assets/')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found');
    return;
  }
  const immutable = target.includes(`${path.sep}assets${path.sep}`);
  const encoding = chooseEncoding(req, path.extname(target));
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
  };
  if (!encoding) {
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(target).pipe(res);
    return;
  }
  compressedFile(target, encoding, immutable).then(
    (body) => {
      res.writeHead(200, { ...headers, 'content-encoding': encoding, 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    () => {
      res.writeHead(500);
      res.end();
    },
  );
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const distDir = path.resolve(options.distDir ?? WEB_DIST);
  if (!existsSync(path.join(distDir, 'index.html'))) throw new Error(missingBuildMessage(distDir));
  const router = new URL(options.routerUrl);
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    // Only a plain path is taken from the request line: an absolute-form or `//host` target never
    // chooses where a forwarded request goes (that is always the router's origin).
    const target = originFormPath(req.url);
    if (!target) return badRequest(res);
    const { pathname, search } = target;
    if (!isProxied(pathname)) return serveStatic(distDir, pathname, req, res);
    if (isAmbiguousPath(req.url ?? '', pathname)) return badRequest(res);
    const upstream = http.request(
      { protocol: router.protocol, hostname: router.hostname, port: router.port, path: `${pathname}${search}`, method: req.method, headers: forwardedHeaders(req, router.host), agent },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'The clinic API is unavailable', extensions: { code: 'BAD_GATEWAY' } }] }));
      } else res.destroy();
    });
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });

  // WebSocket upgrade for graphql-ws: replay the handshake to the router, then splice the sockets.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = originFormPath(req.url);
    if (target?.pathname !== '/graphql') return socket.destroy();
    const upstream = http.request({
      protocol: router.protocol,
      hostname: router.hostname,
      port: router.port,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers: forwardedHeaders(req, router.host),
    });
    upstream.on('upgrade', (upRes, upSocket, upHead) => {
      sockets.add(upSocket);
      upSocket.on('close', () => sockets.delete(upSocket));
      const lines = [`HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2) lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      const end = () => {
        socket.destroy();
        upSocket.destroy();
      };
      socket.on('error', end);
      upSocket.on('error', end);
      socket.on('close', end);
      upSocket.on('close', end);
    });
    upstream.on('response', (upRes) => {
      // The router refused the upgrade: pass its status on and close.
      socket.end(`HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}\r\nconnection: close\r\n\r\n`);
    });
    upstream.on('error', () => socket.destroy());
    upstream.end();
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const port = options.port ?? Number(process.env.WEB_PORT ?? 5173);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://localhost:${actualPort}`,
    port: actualPort,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        agent.destroy();
      });
      return stopping;
    },
  };
}

/** For `npm start`: serves the client when it is built; otherwise says how to build it and returns null. */
export async function startWebServerIfBuilt(options: WebServerOptions & { logger: Pick<Logger, 'warn' | 'info'> }): Promise<RunningWebServer | null> {
  const distDir = path.resolve(options.distDir ?? WEB_DIST);
  if (!existsSync(path.join(distDir, 'index.html'))) {
    options.logger.warn(missingBuildMessage(distDir));
    return null;
  }
  const web = await startWebServer(options);
  options.logger.info({ url: web.url }, 'web client ready');
  return web;
}
