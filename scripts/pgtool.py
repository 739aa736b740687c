"""Tiny PostgreSQL helper for the scripts, so they need no psql client: ping, drop, exists.

Connection settings come from the standard PG* environment variables (libpq reads them).
"""

import sys

import psycopg2
from psycopg2 import sql


def _connect():
    connection = psycopg2.connect(dbname="postgres", connect_timeout=5)
    connection.autocommit = True
    return connection


def main(argv):
    command, *args = argv or ["ping"]
    connection = _connect()
    try:
        cursor = connection.cursor()
        if command == "ping":
            cursor.execute("SELECT 1")
        elif command == "exists":
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args[0]])
            return 0 if cursor.fetchone() else 1
        elif command == "drop":
            for name in args:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        else:
            print(f"unknown command {command!r}: use ping, exists or drop", file=sys.stderr)
            return 2
    finally:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
