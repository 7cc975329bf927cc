# One image for every role: `livecomments <role>` (all, ingest, relay, edge, archive).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# Keep VERSION equal to package.json's version (a test checks it); a release build may pass --build-arg VERSION=...
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="Live Comments" \
      org.opencontainers.image.description="Live comments beside a live video: post, fan out over SSE, replay in sync." \
      org.opencontainers.image.source="https://github.com/livecomments/livecomments" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/LICENSE ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/client/demo ./client/demo
USER node
EXPOSE 8080 50051
# /healthz of the role in this container (HTTP or HTTPS on $PORT); no curl in the slim image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/app/main.js", "healthcheck"]
ENTRYPOINT ["node", "dist/app/main.js"]
CMD ["all"]
