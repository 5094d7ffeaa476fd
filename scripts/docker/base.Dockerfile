# The local base images for the Chirp image, where no registry can be reached
# (scripts/docker/base.sh builds them; context: node and npm fetched from the
# npm registry). They stand in for the official node images:
#   slim  -> chirp-base/node:<version>-slim   (node on a stripped Debian minbase)
#   build -> chirp-base/node:<version>        (the same plus npm, for `npm ci`)
ARG DEBIAN=chirp-base/debian:bookworm-minbase
FROM ${DEBIAN} AS slim
COPY node /usr/local/bin/node
# Perl (for dpkg's helper scripts) and glibc's iconv modules: a Node server uses
# neither. The Chirp Dockerfile flattens its runtime stage, so this saves space there.
RUN rm -rf /usr/bin/perl* /usr/lib/x86_64-linux-gnu/perl-base /usr/share/perl5 \
      /usr/lib/x86_64-linux-gnu/gconv \
 && /usr/local/bin/node --version

FROM slim AS build
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && npm --version
