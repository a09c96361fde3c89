// How the gateway serves the storefront's built files (gateway/web.ts): the app's routes all get
// its index.html with a strict Content-Security-Policy, hashed assets are cached for good, and
// nothing else (a missing file, a JSON request, another method) is answered with the app.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { serveWebApp } from '../../../gateway/web';

let directory: string;
let server: Server;
let origin: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'shop-web-serving-'));
  await mkdir(path.join(directory, 'assets'));
  await writeFile(path.join(directory, 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(path.join(directory, 'assets/index-Ab12Cd34.js'), 'console.log(1)');
  await writeFile(path.join(directory, 'favicon.svg'), '<svg/>');
  const app = express();
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  serveWebApp(app, directory);
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

const page = (pathname: string, init: RequestInit = {}) =>
  fetch(origin + pathname, { ...init, headers: { accept: 'text/html', ...init.headers } });

describe('serving the storefront', () => {
  it('should answer every route of the app with its index.html, never cached, under a strict CSP', async () => {
    for (const pathname of ['/', '/orders/0190a1b2', '/admin?status=PAID']) {
      const response = await page(pathname);
      expect([pathname, response.status]).toEqual([pathname, 200]);
      expect(await response.text()).toContain('<div id="root">');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('should cache hashed assets for good, and other files not', async () => {
    const asset = await fetch(`${origin}/assets/index-Ab12Cd34.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const icon = await fetch(`${origin}/favicon.svg`);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('should leave the service paths, missing files, other methods and non-HTML requests alone', async () => {
    expect((await page('/assets/missing-0000.js')).status).toBe(404);
    expect((await page('/graphql')).status).toBe(404);
    expect((await page('/metrics')).status).toBe(404);
    expect((await page('/orders', { method: 'POST' })).status).toBe(404);
    expect((await page('/orders', { headers: { accept: 'application/json' } })).status).toBe(404);
    expect(await (await page('/health')).json()).toEqual({ status: 'ok' });
  });
});
