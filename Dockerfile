# Web console build (needs the dev dependencies: vite, leaflet, typescript); only console/dist is kept.
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console ./console
RUN npm run build:console

# One image for ingest, dispatcher, api and the one-shot broker-init (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY core ./core
COPY infra ./infra
COPY ingest ./ingest
COPY dispatcher ./dispatcher
COPY api ./api
COPY --from=console /app/console/dist ./console/dist
COPY scripts ./scripts
RUN mkdir -p /app/.data/spool && chown -R node:node /app/.data
USER node
