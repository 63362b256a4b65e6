# syntax=docker/dockerfile:1

# ---- build: compile TypeScript to dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and dist/ only, as the unprivileged node user
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# lmdb ships prebuilt binaries for glibc (bookworm): no compiler needed here.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
RUN mkdir -p /data /app/certs && chown node:node /data /app/certs
USER node

# The queue, tenants and dev mailbox live in /data; the STARTTLS certificate and key in
# /app/certs (config smtp.certFile/keyFile default to certs/server.crt and certs/server.key;
# a self-signed pair is generated there on first start when none is mounted).
ENV POSTBODE_DATA_DIR=/data
# Reachable through the published port: the dev mailbox then asks for the admin token.
ENV POSTBODE_HTTP__HOST=0.0.0.0
VOLUME ["/data", "/app/certs"]
EXPOSE 2525 8080

# No curl in slim images: Node's fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.POSTBODE_HTTP__PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node as PID 1 gets SIGTERM from `docker stop` directly (main.ts stops gracefully on it).
CMD ["node", "dist/main.js"]
