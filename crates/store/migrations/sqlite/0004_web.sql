-- The web: online-branch logins, operators, sessions, e-mail tokens, API tokens, the audit log,
-- customers' requests and complaints, meter self-readings and the postal mail registry; plus the
-- indexes behind the console's customer search and contact timeline.

-- A customer's online-branch login. The account itself (counted in the report) is the
-- `portal_accounts` row written when the e-mail address is confirmed.
CREATE TABLE portal_logins (
    customer_id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER
);
CREATE UNIQUE INDEX portal_logins_email ON portal_logins (email);

-- Console users. `role` is canali_domain::Role's code; `line` (agents) and `branch` (clerks)
-- scope what they see and log.
CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role INTEGER NOT NULL,
    line INTEGER,
    branch TEXT,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX operators_email ON operators (email);

-- Sessions are stored by the SHA-256 of their cookie value: a copy of the table opens none.
-- `kind` 1 customer, 2 operator; `subject` is the customer or operator id.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    subject INTEGER NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_subject ON sessions (kind, subject);

-- One-use links sent by e-mail: `purpose` 1 confirm the address, 2 reset the password, 3 change
-- the address (to `new_email`).
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    new_email TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    operator_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    customer_id INTEGER,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Requests and complaints. `kind` and `status` are canali_domain codes; days are Europe/Rome
-- days since 1970; `deadline_day` is the regulator's reply deadline for complaints.
CREATE TABLE service_requests (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
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
    compensation_cents INTEGER
);
CREATE INDEX service_requests_customer ON service_requests (customer_id, opened_at);
CREATE INDEX service_requests_queue ON service_requests (status, deadline_day);

CREATE TABLE request_attachments (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX request_attachments_request ON request_attachments (request_id);

CREATE TABLE meter_readings (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    supply_point_id INTEGER NOT NULL,
    reading INTEGER NOT NULL,
    read_day INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    meter_changed INTEGER NOT NULL,
    channel INTEGER NOT NULL
);
CREATE INDEX meter_readings_point ON meter_readings (supply_point_id, read_day);

-- The postal mail registry: protocol numbers run per year (`2011/000042`).
CREATE TABLE mail_items (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    received_day INTEGER NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    customer_id INTEGER,
    request_id INTEGER,
    registered_by INTEGER NOT NULL,
    registered_at INTEGER NOT NULL,
    filename TEXT,
    content_type TEXT,
    data BLOB
);
CREATE UNIQUE INDEX mail_items_protocol ON mail_items (year, seq);

-- The console's search: exact identifiers, and names by prefix of their lower-case form.
CREATE INDEX customers_tax_id ON customers (tax_id);
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_phone ON customers (phone);
CREATE INDEX customers_name ON customers (lower(name));
CREATE INDEX supply_points_identifier ON supply_points (identifier);
-- A customer's timeline, newest first.
CREATE INDEX contacts_customer ON contacts (customer, started_at) WHERE customer IS NOT NULL;
CREATE INDEX bills_customer ON bills (customer_id, issued);
