# The image of a Python card service (a folder services/<name>/ with a pyproject.toml), built
# with neither a container registry nor PyPI: scripts/build-python-images.sh stages the build
# context on the host (target/python-images/<name>/):
#
#   requirements.lock       kits/python/requirements.lock (the exact versions)
#   wheels/                 those versions and the kit itself as wheels, made on the host
#   cardmesh-healthcheck    the compose healthcheck probe (target/release/, host-built)
#   service/                the service's folder (without its tests)
#
# and builds it on the local cardmesh/python-base:local (Debian's python3 + python3-venv,
# ci/build-base-images.sh). The kit's layers come first and are the same for every Python
# service, so they are built once. The service runs as `python -m $PACKAGE` (PID 1, so it gets
# SIGTERM and drains) as the unprivileged user `cardmesh`.
FROM cardmesh/python-base:local
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin cardmesh
COPY requirements.lock /opt/cardmesh/requirements.lock
COPY wheels/ /tmp/wheels/
RUN python3 -m venv /opt/cardmesh/venv \
    && /opt/cardmesh/venv/bin/pip install -q --no-index --no-cache-dir --disable-pip-version-check \
        --find-links /tmp/wheels -r /opt/cardmesh/requirements.lock \
    && /opt/cardmesh/venv/bin/pip install -q --no-index --no-cache-dir --disable-pip-version-check \
        --no-deps /tmp/wheels/cardmesh_kit-*.whl \
    && rm -rf /tmp/wheels
COPY cardmesh-healthcheck /usr/local/bin/
ARG PACKAGE
COPY service/ /srv/service/
WORKDIR /srv/service
ENV PACKAGE=${PACKAGE} \
    PATH=/opt/cardmesh/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER cardmesh:cardmesh
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"$PACKAGE\" \"$@\"", "--"]
