"""Database limits shared by the apps' set-wise queries (docs/architecture.md#kit)."""

# SQLite before 3.32 binds at most 999 parameters per statement (Django's
# connection.features.max_query_params): every IN (...) list of ids or keys is cut to at
# most this many, leaving room for the statement's other parameters.
IDS_PER_QUERY = 900
