# One image for the four subgraphs and the gateway; docker-compose.yml picks the service with
# `command: ["npm", "run", "start:<name>"]`, so no CMD is baked in. TypeScript runs through tsx,
# as in development: there is no separate compile step to drift from the sources.

# --- build: every dependency, the sources, the generated Prisma clients -----------------------
FROM node:20-bookworm-slim AS build
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
# The project's own postinstall, now that the schemas are in: generates prisma/<name>/generated.
RUN npm run db:generate

# --- production dependencies only --------------------------------------------------------------
FROM node:20-bookworm-slim AS production-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
# `npm run` starts scripts through a shell. dash (/bin/sh) stays in between and dies on the
# SIGTERM npm passes on, orphaning the service; bash execs the command (`node --import tsx ...`),
# so the signal reaches node itself and the service shuts down gracefully on `docker compose stop`.
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_SCRIPT_SHELL=/bin/bash \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
COPY --from=production-deps /app/node_modules ./node_modules
# The seed's data generator is a development dependency (it has no dependencies of its own);
# it is copied in so that `npm run db:seed` also works inside the image (the compose `seed` service).
COPY --from=build /app/node_modules/@faker-js ./node_modules/@faker-js
COPY --from=build /app/package.json /app/tsconfig.json /app/supergraph.yaml ./
COPY --from=build /app/shared ./shared
COPY --from=build /app/subgraphs ./subgraphs
COPY --from=build /app/gateway ./gateway
# Schemas, migrations (applied by each subgraph at start-up), the seed and the generated clients.
COPY --from=build /app/prisma ./prisma
# Files stay owned by root: the services can read their code but not change it.
USER node
EXPOSE 4000 4001 4002 4003 4004
