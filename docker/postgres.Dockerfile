# PostgreSQL from Debian's postgresql-15, for machines that cannot pull `postgres:17` (k8s/base/postgres.yaml's
# image): the same contract as that image for what the manifest uses: uid 999, POSTGRES_USER / POSTGRES_DB /
# POSTGRES_PASSWORD / PGDATA from the environment (initdb on an empty PGDATA), listening on 5432, pg_isready on PATH.
#   podman build -f docker/postgres.Dockerfile --build-arg BASE_IMAGE=localhost/apr/debian:bookworm -t apr/postgres:15 .
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# The official image's uid/gid 999, made before the package would pick one; no default cluster (initdb runs at start).
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && mkdir -p /etc/postgresql-common/createcluster.d \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main-cluster.conf \
 && apt-get update && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R 999:999 /var/lib/postgresql /var/run/postgresql
COPY docker/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER 999
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
