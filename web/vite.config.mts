// The storefront's build and dev server. `npm run dev:web` serves web/ with hot reload on
// http://localhost:5173 and passes /graphql (HTTP and WebSocket) on to the gateway, so the app
// talks to one origin in development as it does when the gateway serves the built files.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const gateway = process.env.GATEWAY_URL ?? 'http://localhost:4000';
const proxy = { '/graphql': { target: gateway, ws: true } };

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Stack traces from a user's browser point at the sources.
    sourcemap: true,
    rolldownOptions: {
      output: {
        // Libraries in chunks of their own: they change far less often than the app, so a
        // returning browser keeps them cached (assets are served as immutable) across releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|react-router|scheduler)[\\/]/ },
            { name: 'graphql', test: /node_modules[\\/](@apollo|graphql|graphql-ws|rxjs|@wry|optimism|tslib)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    port: Number(process.env.WEB_DEV_PORT ?? 5173),
    strictPort: true,
    proxy,
    // npm start may rebuild web/dist (through dist.building-*) while this server runs: not a reason to reload.
    watch: { ignored: ['**/dist/**', '**/dist.*/**'] },
  },
  preview: { proxy },
});
