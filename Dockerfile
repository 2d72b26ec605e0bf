# posguard: a multi-stage image. The build stage installs every dependency and compiles
# dist/ (`npm ci` runs the `prepare` script), then prunes the dev dependencies; the runtime
# stage carries only package.json, the pruned node_modules, dist/ and bin/, runs as the
# unprivileged `node` user, under tini (an init process: signals are forwarded, zombies
# reaped, so SIGTERM reaches the worker). The image is not built in the test suite (there is
# no Docker engine there); test/deploy checks what this file names.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
USER node
EXPOSE 7070 9001
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/posguard.js"]
CMD ["start"]
