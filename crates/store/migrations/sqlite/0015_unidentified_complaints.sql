-- A complaint from the public form by someone who cannot give a customer code or a supply
-- point (TIQV 2026): the request has no customer, and keeps the name and phone they gave.
-- SQLite cannot drop a NOT NULL: the table is rebuilt with its indexes.
CREATE TABLE service_requests_new (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER,
    supply_point_id INTEGER,
    kind INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status INTEGER NOT NULL,
    opened_at INTEGER NOT NULL,
    opened_day INTEGER NOT NULL,
    deadline_day INTEGER,
    answered_at INTEGER,
    answer TEXT,
    answer_channel INTEGER,
    answered_by INTEGER,
    compensation_cents INTEGER,
    contact_name TEXT,
    contact_phone TEXT
);
INSERT INTO service_requests_new (id, customer_id, supply_point_id, kind, channel, subject, body,
    status, opened_at, opened_day, deadline_day, answered_at, answer, answer_channel, answered_by,
    compensation_cents)
SELECT id, customer_id, supply_point_id, kind, channel, subject, body, status, opened_at,
    opened_day, deadline_day, answered_at, answer, answer_channel, answered_by, compensation_cents
FROM service_requests;
DROP TABLE service_requests;
ALTER TABLE service_requests_new RENAME TO service_requests;
CREATE INDEX service_requests_customer ON service_requests (customer_id, opened_at);
CREATE INDEX service_requests_queue ON service_requests (status, deadline_day);
CREATE INDEX service_requests_opened_day ON service_requests (opened_day);
