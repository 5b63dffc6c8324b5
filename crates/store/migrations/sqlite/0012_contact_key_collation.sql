-- PostgreSQL only (the ledger's key compared byte by byte): SQLite's default BINARY collation
-- already does. The version is kept in step on both backends.
SELECT 1;
