// The storefront's built files (web/dist), served by the gateway at / beside /graphql when
// WEB_DIST_DIR names them (`npm start` does). One origin for the app and the API: no CORS, and the
// app's WebSocket URL is simply its own origin's /graphql.
import path from 'node:path';
import express from 'express';

/** Paths that are the gateway's own, never a page of the app. */
const SERVICE_PATHS = /^\/(graphql|health|ready|metrics)(\/|$)/;

/**
 * The app keeps its session tokens in localStorage, so script injection is what must never
 * happen: only the app's own scripts and styles run, and it talks to its own origin only
 * ('self' covers the same origin's ws:/wss: for the subscriptions). Inline style *attributes*
 * are not needed: React sets styles through the DOM, which CSP allows.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function serveWebApp(app: express.Express, directory: string): void {
  const assets = path.join(directory, 'assets') + path.sep;
  const index = path.join(directory, 'index.html');
  app.use(
    express.static(directory, {
      index: false,
      setHeaders: (res, file) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        // Vite names every asset by its content's hash, so a name never changes content; other
        // files (the favicon) are checked again on each use.
        res.setHeader('Cache-Control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  // Any other page is a route of the app, which the app resolves in the browser: the same
  // index.html for all of them. A missing file (a path with an extension) stays a 404.
  app.use((req, res, next) => {
    const page = (req.method === 'GET' || req.method === 'HEAD') && !SERVICE_PATHS.test(req.path) && !path.extname(req.path);
    if (!page || !req.accepts('html')) {
      next();
      return;
    }
    res.set({
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    });
    res.sendFile(index, (error) => {
      if (error) next(error);
    });
  });
}
