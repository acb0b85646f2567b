# syntax=docker/dockerfile:1
# The durable-agents worker (`npm run worker`, compiled): agentWorkflow, graphWorkflow, every activity and the
# per-provider model workers. Build from the repository root:
#   docker build -f deploy/worker.Dockerfile -t durable-agents-worker .
# Settings come from the environment (docs/configuration.md); deploy/k8s/ shows them in a ConfigMap and a Secret.

ARG NODE_VERSION=20

# 1. Build: every dependency, then `npm run build` compiles src/ into dist/ with the specs and the knowledge base.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
RUN npm run build

# 2. Production dependencies only, plus the @temporalio/* peer dependencies at their locked versions (they are
# devDependencies of this repository, so --omit=dev leaves them out).
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY deploy/peer-dependencies.mjs deploy/peer-dependencies.mjs
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm install --omit=dev --no-save --no-audit --no-fund $(node deploy/peer-dependencies.mjs) \
  && npm cache clean --force

# 3. Runtime: compiled code and production node_modules, run as the image's unprivileged `node` user.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TEMPORAL_PROMETHEUS_BIND=0.0.0.0:9464 \
    AGENT_WORKSPACE=/home/node/workspace
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
COPY --chown=node:node package.json package.json
COPY --chown=node:node deploy/healthcheck.mjs deploy/healthcheck.mjs
USER node
RUN mkdir -p /home/node/workspace
EXPOSE 9464
# The worker has no HTTP server of its own; the Temporal runtime's Prometheus endpoint answers while it runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "deploy/healthcheck.mjs", "http://127.0.0.1:9464/metrics"]
# The process itself gets SIGTERM (exec form, no shell in between): it stops polling and lets in-flight
# activities finish before it exits.
CMD ["node", "dist/worker/main.js"]
