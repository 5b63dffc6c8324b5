-- PostgreSQL only (its planner's statistics for the customer search); SQLite's plans for the
-- search do not depend on statistics. The version is kept in step on both backends.
SELECT 1;
