# syntax=docker/dockerfile:1
# Builds the single executable with the Bun version pinned in package.json,
# then runs it on a slim Debian base as an unprivileged user.

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY src ./src
COPY drizzle ./drizzle
COPY deploy/build.ts ./deploy/build.ts
# No .git in the build context: pass the commit, e.g. --build-arg BUILD_COMMIT=$(git rev-parse --short=12 HEAD).
ARG BUILD_COMMIT=unknown
RUN BUILD_COMMIT=$BUILD_COMMIT npx bun run build && ./dist/crm-api --version

FROM debian:bookworm-slim
# CA certificates for Twilio and SMTP over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin crm \
 && mkdir -p /data && chown crm:crm /data && chmod 700 /data
COPY --from=build /src/dist/crm-api /usr/local/bin/crm-api
USER crm
WORKDIR /data
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=8000
VOLUME ["/data"]
EXPOSE 8000
# SIGTERM drains in-flight requests (up to 25 s) and closes the database.
STOPSIGNAL SIGTERM
# No curl in the image: the executable's embedded Bun (BUN_BE_BUN=1) does the probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/bin/sh", "-c", "BUN_BE_BUN=1 exec /usr/local/bin/crm-api -e \"fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))\""]
ENTRYPOINT ["/usr/local/bin/crm-api"]
CMD ["serve"]
