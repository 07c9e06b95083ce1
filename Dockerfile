# One image for every service of the workspace; SERVICE picks the entry point
# (identity, appointments, ..., router, or web). Built from the repository root:
#   docker build --build-arg SERVICE=identity -t clinic/identity .
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/service-kit/package.json packages/service-kit/
COPY subgraphs/identity/package.json subgraphs/identity/
COPY subgraphs/appointments/package.json subgraphs/appointments/
COPY subgraphs/notifications/package.json subgraphs/notifications/
COPY subgraphs/documents/package.json subgraphs/documents/
COPY router/package.json router/
COPY schema/package.json schema/
COPY scripts/package.json scripts/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
ARG SERVICE=router
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN if [ "$SERVICE" = web ]; then npm run build -w @clinic/web; fi
# DATA_DIR for services that keep files (documents mounts a volume here; it inherits this owner).
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
CMD ["sh", "-c", "case \"$SERVICE\" in router) exec node --import tsx router/src/main.ts ;; web) exec node --import tsx scripts/web-main.ts ;; *) exec node --import tsx subgraphs/$SERVICE/src/main.ts ;; esac"]
