# One image for every Chirp target; the argument chooses which:
#   docker build -t chirp:dev .        # with BuildKit: docker buildx, or DOCKER_BUILDKIT=1 on 20.10-22
#   docker run --rm -p 8080:8080 chirp:dev                     # all-in-one, embedded storage
#   docker run --rm chirp:dev --target=user                    # one target (as in Kubernetes)
#   docker run --rm --entrypoint node chirp:dev dist/services/platform/cassandra/migrate-main.js
#
# No `# syntax=` line: the builder's built-in Dockerfile frontend is used (BuildKit
# in Docker 20.10 and later), so the build pulls no frontend image. `make image`
# (scripts/docker/build.sh) builds it where no registry is reachable, from local
# base images (scripts/docker/base.sh) given as BUILD_IMAGE / RUNTIME_IMAGE.
#
# Stages: build (all dependencies, generated code, tsc -> dist/), prod-deps
# (production dependencies only), rootfs (the runtime base, pruned), runtime
# (that tree flattened into one layer: what the prune removed takes no space).

# The official Node 26 images, as .nvmrc (package.json: >=24); pin digests for production builds.
ARG BUILD_IMAGE=node:26-bookworm
ARG RUNTIME_IMAGE=node:26-bookworm-slim

# ---- build: all dependencies, generated code (buf, offline), tsc -> dist/ -----------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: native modules (lmdb, @node-rs/argon2, msgpackr) come as prebuilt
# optional packages, buf as a binary package. The optional `ca` secret is a CA bundle
# for registries behind a TLS-inspecting proxy; it is mounted for this step only.
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --ignore-scripts
COPY buf.yaml buf.gen.yaml tsconfig.json ./
COPY proto ./proto
COPY scripts/proto ./scripts/proto
COPY scripts/docker/tsconfig.image.json ./scripts/docker/
COPY services ./services
# As `make gen` (.proto deps from npm packages, then buf generate), then tsc without
# the tests. migrate.ts reads its CQL files next to itself, so they go into dist/ too.
RUN node --import tsx scripts/proto/deps.ts \
 && PATH="$PWD/node_modules/.bin:$PATH" buf generate \
 && node_modules/.bin/tsc -p scripts/docker/tsconfig.image.json \
 && cp -R services/platform/cassandra/migrations dist/services/platform/cassandra/ \
 && test -f dist/services/main.js \
 && test -f dist/services/platform/cassandra/migrate-main.js \
 && ls dist/services/platform/cassandra/migrations/*.cql >/dev/null

# ---- prod-deps: production dependencies only -----------------------------------------
FROM ${BUILD_IMAGE} AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# tsx (a dependency for `make run`) and its esbuild are never loaded from dist/, nor
# are the packages' TypeScript sources, type declarations, source maps and docs.
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --omit=dev --ignore-scripts \
 && rm -rf node_modules/tsx node_modules/esbuild node_modules/@esbuild node_modules/.bin/tsx node_modules/.bin/esbuild \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.md' -o -name '*.markdown' \) -delete

# ---- rootfs: the runtime base without what a server never runs -----------------------
FROM ${RUNTIME_IMAGE} AS rootfs
# npm, corepack and yarn, C headers, docs, man pages, translations, apt's lists.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
      /usr/local/include /usr/local/share/doc /usr/local/share/man /usr/local/share/systemtap \
      /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/* \
      /var/lib/apt/lists/* /var/cache/apt/* /var/log/* \
 && mkdir -p /app /data /tmp && chown 1000:1000 /data && chmod 1777 /tmp \
 && node --version

# ---- runtime ------------------------------------------------------------------------
FROM scratch AS runtime
COPY --from=rootfs / /
ARG VERSION=dev
LABEL org.opencontainers.image.title="chirp" \
      org.opencontainers.image.description="Chirp: a Twitter-style gRPC backend (gateway, user, graph, tweet, timeline, fan-out worker, discovery)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# A 32 MB young generation (V8's default is 16 MB): the services allocate per
# request, and fewer scavenges cannot cost more CPU (bench/HISTORY.md).
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    CHIRP_HOST=0.0.0.0 \
    CHIRP_DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the app user: the code cannot be changed at run time
# (the chart also mounts the root filesystem read-only). package.json carries
# "type": "module" for dist/.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist/services ./dist/services
COPY --from=build /src/dist/gen ./dist/gen
COPY package.json ./
# The `node` user of the base images, by number so Kubernetes can check runAsNonRoot.
USER 1000:1000
# gateway 8080; the services and the fan-out worker from 50051 up (services/runtime/config.ts).
EXPOSE 8080 50051-50060
ENTRYPOINT ["node", "--enable-source-maps", "dist/services/main.js"]
CMD ["--target=all"]
