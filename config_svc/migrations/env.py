from common.database.engine import run_migrations_online

run_migrations_online()
