# The image of a TypeScript card service (services/<SERVICE>/ on kits/typescript), built
# offline: scripts/build-node-images.sh stages everything on the host first, because npm is
# not reachable from containers here. The stage (target/node-images/<SERVICE>/) is the build
# context: cardmesh-healthcheck, plain-mtls-ca.pem, and app/, which mirrors the repository:
# kits/typescript/ (dist, assets, production node_modules) and services/<SERVICE>/ (dist,
# fixtures, production node_modules, whose @cardmesh/kit is a relative symlink to the kit).
#
#   scripts/build-node-images.sh orders      # -> cardmesh/orders-service:local
#
# Base: cardmesh/node-base:local (debootstrap + Debian's nodejs; ci/build-base-images.sh).
# Like every cardmesh image it holds /usr/local/bin/cardmesh-healthcheck (compose's probe,
# host-built) and runs as the unprivileged user `cardmesh`.
FROM cardmesh/node-base:local
ARG SERVICE
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin cardmesh
COPY cardmesh-healthcheck /usr/local/bin/
COPY app/ /app/
RUN ln -s "/app/services/${SERVICE}" /app/service \
    && node -e 'require("fs").accessSync("/app/service/dist/src/main.js")'
COPY plain-mtls-ca.pem /etc/cardmesh/
WORKDIR /app/service
ENV NODE_ENV=production NO_COLOR=1
USER cardmesh:cardmesh
ENTRYPOINT ["node", "/app/service/dist/src/main.js"]
