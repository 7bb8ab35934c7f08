// Static HTTP server for end-to-end tests and `npm start`.
//
//   const server = await startServer();            // http://127.0.0.1:<ephemeral>/
//   await page.goto(server.url + 'call.html');
//   await server.close();
//
// Routes: `/` → tests/e2e/pages/, `/vendor/webrtc-adapter/` → node_modules/webrtc-adapter/out/
// (adapter.js, adapter_no_global.js). Only GET/HEAD; no directory listings; nothing outside the roots.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PAGES_DIR = join(REPO_ROOT, 'tests/e2e/pages');
export const ADAPTER_DIR = join(REPO_ROOT, 'node_modules/webrtc-adapter/out');

/** Headers that make a page cross-origin isolated (`self.crossOriginIsolated === true`, fine-grained
 *  `performance.now()`). Every subresource must then be same-origin or CORP/CORS-enabled. */
export const CROSS_ORIGIN_ISOLATION_HEADERS = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
};

/**
 * Start the server.
 * @param {object} [options]
 * @param {string} [options.host='127.0.0.1']
 * @param {number} [options.port=0] 0 = ephemeral.
 * @param {Record<string, string>} [options.mounts] extra URL prefix → directory mounts (prefix ends with '/').
 * @param {Record<string, Record<string, string>> | ((pathname: string) => Record<string, string> | undefined)} [options.headers]
 *   extra response headers per exact pathname (e.g. `{ '/bench.html': CROSS_ORIGIN_ISOLATION_HEADERS }`) or a
 *   function of the pathname.
 * @param {boolean} [options.log=false] log each request to stderr.
 * @returns {Promise<{ url: string, origin: string, port: number, close: () => Promise<void>, requests: string[] }>}
 *   `url` ends with '/'. `requests` lists the pathnames served (for assertions).
 */
export async function startServer(options = {}) {
  const { host = '127.0.0.1', port = 0, mounts = {}, headers = {}, log = false } = options;
  const table = Object.entries({ '/vendor/webrtc-adapter/': ADAPTER_DIR, ...mounts, '/': PAGES_DIR })
    .sort((a, b) => b[0].length - a[0].length); // longest prefix first
  const requests = [];
  const headersFor = (p) => (typeof headers === 'function' ? headers(p) : headers[p]) ?? {};

  const server = createServer(async (req, res) => {
    const send = (code, body, extra = {}) => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
      let pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (pathname.endsWith('/')) pathname += 'index.html';
      requests.push(pathname);
      if (log) process.stderr.write(`[server] ${req.method} ${pathname}\n`);
      const mount = table.find(([prefix]) => pathname.startsWith(prefix));
      if (!mount) return send(404, 'not found');
      const [prefix, dir] = mount;
      const file = resolve(dir, '.' + sep + pathname.slice(prefix.length));
      if (file !== dir && !file.startsWith(dir + sep)) return send(403, 'forbidden');
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) return send(404, 'not found');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        // Same-origin resources stay loadable under COEP require-corp; harmless elsewhere.
        'Cross-Origin-Resource-Policy': 'same-origin',
        ...headersFor(pathname),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      if (!res.headersSent) send(500, String(err?.stack ?? err));
      else res.destroy();
    }
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const actualPort = server.address().port;
  const origin = `http://${host}:${actualPort}`;
  let closed;
  return {
    url: origin + '/',
    origin,
    port: actualPort,
    requests,
    close() {
      closed ??= new Promise((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
