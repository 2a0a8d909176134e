# syntax=docker/dockerfile:1

FROM node:24-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_AUDIT=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# `npm install`, not `npm ci`: the lockfile comes from a Linux-only registry mirror and lacks the
# other platforms' optional packages, which npm ci rejects.
FROM base AS deps
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-save

FROM base AS prod-deps
COPY package*.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-save --omit=dev

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
# The embedded database's default place, for runs without DATABASE_URL (development only).
RUN install -d -o node -g node /app/.data
COPY --from=prod-deps /app/node_modules ./node_modules
# @scalar/api-reference is a devDependency; the docs page serves only this bundle of it.
COPY --from=deps /app/node_modules/@scalar/api-reference/dist/browser/standalone.js \
     ./node_modules/@scalar/api-reference/dist/browser/standalone.js
COPY package.json ./
COPY migrations ./migrations
COPY scripts ./scripts
COPY src ./src

USER node
EXPOSE 3000
# The slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "src/runtimes/node.ts"]
