-- The contact ledger, its rollups, the branch registry, customers, the online branch, e-bills.
-- Integers are INTEGER everywhere (the code reads every integer as i64); days are days since
-- 1970-01-01 (Europe/Rome dates); instants are microseconds since the epoch; money is cents.

CREATE TABLE sots (
    code INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE branches (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    municipality TEXT NOT NULL,
    address TEXT NOT NULL,
    sot INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    operator INTEGER NOT NULL,
    contractor TEXT,
    host INTEGER NOT NULL,
    host_name TEXT,
    counters INTEGER NOT NULL,
    hours TEXT NOT NULL,
    schedule_template TEXT,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL
);

CREATE TABLE branch_events (
    branch TEXT NOT NULL,
    day INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (branch, day, kind)
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    segment INTEGER NOT NULL,
    tax_id TEXT NOT NULL,
    name TEXT NOT NULL,
    sot INTEGER NOT NULL,
    email TEXT,
    phone TEXT,
    since INTEGER NOT NULL
);

CREATE TABLE supply_points (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    service INTEGER NOT NULL,
    identifier TEXT NOT NULL,
    municipality TEXT NOT NULL,
    address TEXT NOT NULL,
    bills_per_year INTEGER NOT NULL
);
CREATE INDEX supply_points_customer ON supply_points (customer_id);

CREATE TABLE portal_accounts (
    customer_id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    day INTEGER NOT NULL
);

CREATE TABLE ebill_events (
    customer_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    path INTEGER NOT NULL,
    enrolled INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day, enrolled)
);

CREATE TABLE bills (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    supply_point_id INTEGER NOT NULL,
    issued INTEGER NOT NULL,
    due INTEGER NOT NULL,
    period_from INTEGER NOT NULL,
    period_to INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    delivery INTEGER NOT NULL,
    sheets INTEGER NOT NULL
);

-- A contact is identified by (source, external_id): the unique index follows the sources' own
-- id order (call ids, protocol numbers, row numbers), so bulk loads append to it instead of
-- rewriting pages all over a hash-ordered tree. `id` is the contact's public key, a hash of
-- the same pair (canali_store::contact_id), the same on every backend.
CREATE TABLE contacts (
    id INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    channel INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    customer TEXT,
    territory INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    day INTEGER NOT NULL,
    wait_seconds INTEGER,
    handle_seconds INTEGER,
    reason INTEGER NOT NULL,
    outcome INTEGER NOT NULL,
    branch TEXT,
    line TEXT,
    agent TEXT
);
CREATE UNIQUE INDEX contacts_key ON contacts (source, external_id);

-- Rollups, kept in step by every write in the same transaction (see canali_store::rollup).
CREATE TABLE contact_daily (
    day INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    territory INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    contacts INTEGER NOT NULL,
    waited INTEGER NOT NULL,
    wait_seconds INTEGER NOT NULL,
    waited_over_2m INTEGER NOT NULL,
    waited_over_40m INTEGER NOT NULL,
    handled INTEGER NOT NULL,
    handle_seconds INTEGER NOT NULL,
    PRIMARY KEY (day, channel, segment, territory, reason)
);

CREATE TABLE contact_monthly (
    month INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    segment INTEGER NOT NULL,
    territory INTEGER NOT NULL,
    contacts INTEGER NOT NULL,
    waited INTEGER NOT NULL,
    wait_seconds INTEGER NOT NULL,
    waited_over_2m INTEGER NOT NULL,
    waited_over_40m INTEGER NOT NULL,
    handled INTEGER NOT NULL,
    handle_seconds INTEGER NOT NULL,
    PRIMARY KEY (month, channel, segment, territory)
);

-- Contacts per half hour (UTC slots of 30 minutes: Europe/Rome's offsets are whole hours, so
-- they are local half hours too) and channel: the arrivals that staffing plans are made from.
CREATE TABLE contact_halfhour (
    slot INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    contacts INTEGER NOT NULL,
    handled INTEGER NOT NULL,
    handle_seconds INTEGER NOT NULL,
    PRIMARY KEY (slot, channel)
);

CREATE TABLE portal_daily (
    day INTEGER PRIMARY KEY,
    registrations INTEGER NOT NULL
);

CREATE TABLE ebill_daily (
    day INTEGER NOT NULL,
    path INTEGER NOT NULL,
    enrolled INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    PRIMARY KEY (day, path)
);

CREATE TABLE bill_monthly (
    month INTEGER NOT NULL,
    delivery INTEGER NOT NULL,
    bills INTEGER NOT NULL,
    sheets INTEGER NOT NULL,
    PRIMARY KEY (month, delivery)
);
