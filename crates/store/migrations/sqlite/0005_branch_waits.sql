-- The branch waiting-time rollup that `canali kpi branches` reads: the month's branch contacts
-- (those carrying a wait) per branch, territory and minute bucket, kept by every ingest in the
-- same transaction as the contacts and recomputed by `canali rollup rebuild`; and the
-- ticket columns of booked (virtual) tickets.
--
-- minute: the wait rounded UP to whole minutes (0 for no wait; 1 for 1 to 60 seconds; ...;
-- 600 for more than 599 minutes), so "more than M minutes" is exactly minute > M for any whole
-- M (the share over 40 minutes, the 95% within 60 minutes). wait_seconds is the exact sum, so
-- averages are exact. branch '' stands for a contact without a branch.
CREATE TABLE branch_wait_monthly (
    month INTEGER NOT NULL,
    branch TEXT NOT NULL,
    territory INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    contacts INTEGER NOT NULL,
    wait_seconds INTEGER NOT NULL,
    PRIMARY KEY (month, branch, territory, minute)
);


-- The branch contacts already in the ledger (days are days since 1970-01-01, so the date of a
-- day number is its month). Afterwards ingest keeps the rollup.
INSERT INTO branch_wait_monthly (month, branch, territory, minute, contacts, wait_seconds)
SELECT m, b, territory, w, COUNT(*), SUM(wait_seconds) FROM
  (SELECT CAST(strftime('%Y%m', day * 86400, 'unixepoch') AS INTEGER) AS m,
          COALESCE(branch, '') AS b, territory,
          CASE WHEN wait_seconds <= 0 THEN 0 WHEN wait_seconds > 35940 THEN 600
               ELSE (wait_seconds + 59) / 60 END AS w,
          wait_seconds
   FROM contacts WHERE channel = 3 AND wait_seconds IS NOT NULL) AS v
GROUP BY m, b, territory, w;

-- Booked (virtual) tickets: the appointment (slot_at) and the arrival at the branch
-- (checked_in_at). queued_at is when the ticket's wait starts and its place in the queue: the
-- taking at the kiosk, or for a booked ticket the later of its slot and its check-in (NULL
-- until the customer checks in: a booked ticket is not called before). Tickets taken before
-- this migration keep their taking as the start.
ALTER TABLE tickets ADD COLUMN slot_at INTEGER;
ALTER TABLE tickets ADD COLUMN checked_in_at INTEGER;
ALTER TABLE tickets ADD COLUMN queued_at INTEGER;
UPDATE tickets SET queued_at = taken_at;
DROP INDEX tickets_waiting;
CREATE INDEX tickets_queued ON tickets (branch, day, status, priority DESC, queued_at, id);
