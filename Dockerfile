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
COPY scripts ./scripts
RUN mkdir -p /app/.data/spool && chown -R node:node /app/.data
USER node
