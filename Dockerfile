# One image for the four subgraphs and the gateway, which also serves the storefront (web/, built
# here by Vite) at /. It runs compiled JavaScript with plain node (no TypeScript loader at run
# time); the argument names what to run:
#   docker run IMAGE <gateway|user|product|order|payment>   one service (the default: gateway)
#   docker run IMAGE migrate <subgraph|all>                  apply pending migrations, then exit
#   docker run IMAGE seed [--if-empty]                       the demo data set
# docker-compose.yml and deploy/kubernetes/ run it so.

# --- build: every dependency, the generated Prisma clients and GraphQL types, the compiled code
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
# Dependencies first, so this layer is rebuilt only when the lockfile changes. Their install
# scripts are skipped: the only one that matters, @prisma/engines, downloads native engines that
# Prisma 7 does not use here (the clients run on the WASM query compiler via @prisma/adapter-pg).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# The project's own postinstall, now that the schemas are in (prisma/<name>/generated, and the
# GraphQL types and documents in subgraphs/<name>/generated and web/src/generated), then `tsc`
# into dist/ with the SDL, supergraph, Prisma schemas and migrations copied beside the code, and
# the storefront's static files into web/dist.
RUN npm run db:generate && npm run codegen && npm run build && npm run build:web

# --- production dependencies only --------------------------------------------------------------
FROM node:24-bookworm-slim AS production-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
COPY package.json package-lock.json ./
# `prisma` (the CLI, with Prisma Studio: about 230 MB with what it pulls in) generates the clients
# and `tsx` runs the TypeScript sources: both are dependencies for `npm ci && npm start` on a
# clone, and nothing the compiled services load. Uninstalling them here leaves the lockfile's
# versions of everything else in place.
RUN npm ci --omit=dev --ignore-scripts \
 && npm uninstall --omit=dev --ignore-scripts --no-audit prisma tsx \
 && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
# Every interface of the container: its network is the container's own, and the port is published
# or reached through a Service. (Outside a container the services default to 127.0.0.1.)
ENV NODE_ENV=production \
    HOST=0.0.0.0
COPY --from=production-deps /app/node_modules ./node_modules
# The seed's data generator is a development dependency (it has no dependencies of its own);
# it is copied in so that `seed` also works inside the image (the compose `seed` service).
COPY --from=build /app/node_modules/@faker-js ./node_modules/@faker-js
# dist/ mirrors the source tree: scripts/, shared/, subgraphs/, gateway/, prisma/ (with the
# generated clients, schemas and migrations) and supergraph.yaml, so /app is the project root.
COPY --from=build /app/dist ./
# The storefront: static files only (no node_modules of its own), read by the gateway alone.
COPY --from=build /app/web/dist ./web/dist
ENV WEB_DIST_DIR=/app/web/dist
# Files stay owned by root: the services can read their code but not change it, and write nothing
# (the Kubernetes manifests mount the root filesystem read-only). UID 1000 is the image's `node`.
USER 1000:1000
EXPOSE 4000 4001 4002 4003 4004
# node as PID 1 receives SIGTERM itself and shuts down gracefully; compose adds `init: true` to
# also reap zombies, Kubernetes needs none.
ENTRYPOINT ["node", "scripts/service.js"]
CMD ["gateway"]
