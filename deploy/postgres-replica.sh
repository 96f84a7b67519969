#!/bin/sh
# Entrypoint of the streaming replica (docker-compose.yml, service db-replica). On first start
# its data folder is a base backup of the primary, with the standby setup written by -R
# (standby.signal, primary_conninfo); then the postgres image's own entrypoint starts it,
# as a hot standby that streams from the primary and answers read-only queries.
set -eu
PGDATA="${PGDATA:-/var/lib/postgresql/18/docker}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until gosu postgres pg_basebackup --host="$PRIMARY_HOST" --username="$REPLICATION_USER" \
            --pgdata="$PGDATA" --write-recovery-conf --wal-method=stream --checkpoint=fast; do
        echo "db-replica: waiting for the primary at $PRIMARY_HOST" >&2
        find "$PGDATA" -mindepth 1 -delete
        sleep 2
    done
fi
exec docker-entrypoint.sh postgres
