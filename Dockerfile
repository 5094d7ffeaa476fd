# syntax=docker/dockerfile:1
#
# One image for every Chirp target; the argument chooses which:
#   docker build -t chirp:dev .
#   docker run --rm -p 8080:8080 chirp:dev                     # all-in-one, embedded storage
#   docker run --rm chirp:dev --target=user                    # one target (as in Kubernetes)
#   docker run --rm --entrypoint node chirp:dev dist/services/platform/cassandra/migrate-main.js
#
# Stages: deps + build (node:26, full: make, python3 for the toolchain), prod-deps
# (production dependencies only), runtime (slim, non-root, no build tools, no npm cache).

# Node 26 LTS, as .nvmrc (package.json: >=24); pin a digest for production builds.
ARG NODE_VERSION=26

# ---- build: all dependencies, `make gen` (buf, offline), tsc -> dist/ -------------
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: like npm 11 on the dev machines; native modules (lmdb,
# @node-rs/argon2, msgpackr) come as prebuilt optional packages, buf as a binary package.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY Makefile buf.yaml buf.gen.yaml tsconfig.json ./
COPY proto ./proto
COPY scripts ./scripts
COPY services ./services
# migrate.ts reads its CQL files next to itself at run time, so they go into dist/ too.
RUN make gen \
 && node_modules/.bin/tsc -p tsconfig.json \
 && cp -R services/platform/cassandra/migrations dist/services/platform/cassandra/ \
 && find dist -name '*.test.js' -delete -o -name '*.test.js.map' -delete -o -name '*.test.d.ts' -delete \
 && rm -rf dist/scripts dist/test \
 && test -f dist/services/main.js \
 && test -f dist/services/platform/cassandra/migrate-main.js \
 && ls dist/services/platform/cassandra/migrations/*.cql >/dev/null

# ---- prod-deps: production dependencies only ---------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

# ---- runtime ---------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG VERSION=dev
LABEL org.opencontainers.image.title="chirp" \
      org.opencontainers.image.description="Chirp: a Twitter-style gRPC backend (gateway, user, graph, tweet, timeline, fan-out worker)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# A 32 MB young generation (V8's default is 16 MB): the services allocate per
# request, and fewer scavenges cannot cost more CPU (bench/HISTORY.md).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    CHIRP_HOST=0.0.0.0 \
    CHIRP_DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the app user: the code cannot be changed at run time
# (the chart also mounts the root filesystem read-only). package.json carries
# "type": "module" for dist/.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# /data: the embedded mode's storage (`docker run` all-in-one); unused in cluster mode.
RUN mkdir -p /data && chown 1000:1000 /data
# The base image's `node` user, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
# gateway 8080; user, graph, tweet, timeline, fan-out worker 50051–50055.
EXPOSE 8080 50051 50052 50053 50054 50055
ENTRYPOINT ["node", "--enable-source-maps", "dist/services/main.js"]
CMD ["--target=all"]
