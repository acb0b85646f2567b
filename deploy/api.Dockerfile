# syntax=docker/dockerfile:1
# The durable-agents HTTP API (`npm run api`, compiled: dist/servers/api/cli.js). It keeps no state of its own:
# every request is a Temporal call, so run as many replicas as you like behind one Service. Build from the root:
#   docker build -f deploy/api.Dockerfile -t durable-agents-api .
# Settings come from the environment (docs/configuration.md); deploy/k8s/ shows them in a ConfigMap and a Secret.

ARG NODE_VERSION=20

# 1. Build: every dependency, then `npm run build` compiles src/ into dist/.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
RUN npm run build

# 2. Production dependencies only, plus the @temporalio/* peer dependencies at their locked versions.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY deploy/peer-dependencies.mjs deploy/peer-dependencies.mjs
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm install --omit=dev --no-save --no-audit --no-fund $(node deploy/peer-dependencies.mjs) \
  && npm cache clean --force

# 3. Runtime, as the image's unprivileged `node` user.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    AGENT_API_HOST=0.0.0.0 \
    AGENT_API_PORT=8080
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
COPY --chown=node:node package.json package.json
COPY --chown=node:node deploy/healthcheck.mjs deploy/healthcheck.mjs
USER node
EXPOSE 8080
# /healthz answers while the process is up; Kubernetes probes /readyz (Temporal reachable) separately.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs", "http://127.0.0.1:8080/healthz"]
CMD ["node", "dist/servers/api/cli.js"]
