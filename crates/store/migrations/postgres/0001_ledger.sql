-- The contact ledger, its rollups, the branch registry, customers, the online branch, e-bills.
-- Integers are BIGINT everywhere (the code reads every integer as i64); days are days since
-- 1970-01-01 (Europe/Rome dates); instants are microseconds since the epoch; money is cents.

CREATE TABLE sots (
    code BIGINT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE branches (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    municipality TEXT NOT NULL,
    address TEXT NOT NULL,
    sot BIGINT NOT NULL,
    kind BIGINT NOT NULL,
    operator BIGINT NOT NULL,
    contractor TEXT,
    host BIGINT NOT NULL,
    host_name TEXT,
    counters BIGINT NOT NULL,
    hours TEXT NOT NULL,
    schedule_template TEXT,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL
);

CREATE TABLE branch_events (
    branch TEXT NOT NULL,
    day BIGINT NOT NULL,
    kind BIGINT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (branch, day, kind)
);

CREATE TABLE customers (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    segment BIGINT NOT NULL,
    tax_id TEXT NOT NULL,
    name TEXT NOT NULL,
    sot BIGINT NOT NULL,
    email TEXT,
    phone TEXT,
    since BIGINT NOT NULL
);

CREATE TABLE supply_points (
    id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    service BIGINT NOT NULL,
    identifier TEXT NOT NULL,
    municipality TEXT NOT NULL,
    address TEXT NOT NULL,
    bills_per_year BIGINT NOT NULL
);
CREATE INDEX supply_points_customer ON supply_points (customer_id);

CREATE TABLE portal_accounts (
    customer_id BIGINT PRIMARY KEY,
    email TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    day BIGINT NOT NULL
);

CREATE TABLE ebill_events (
    customer_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    path BIGINT NOT NULL,
    enrolled BIGINT NOT NULL,
    PRIMARY KEY (customer_id, day, enrolled)
);

CREATE TABLE bills (
    id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    supply_point_id BIGINT NOT NULL,
    issued BIGINT NOT NULL,
    due BIGINT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    delivery BIGINT NOT NULL,
    sheets BIGINT NOT NULL
);

-- A contact is identified by (source, external_id); `id` is its public key, a hash of the same
-- pair (canali_store::contact_id), the same on every backend.
CREATE TABLE contacts (
    id BIGINT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    channel BIGINT NOT NULL,
    segment BIGINT NOT NULL,
    customer TEXT,
    territory BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    day BIGINT NOT NULL,
    wait_seconds BIGINT,
    handle_seconds BIGINT,
    reason BIGINT NOT NULL,
    outcome BIGINT NOT NULL,
    branch TEXT,
    line TEXT,
    agent TEXT,
    PRIMARY KEY (source, external_id)
);

-- Rollups, kept in step by every write in the same transaction (see canali_store::rollup).
CREATE TABLE contact_daily (
    day BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    segment BIGINT NOT NULL,
    territory BIGINT NOT NULL,
    reason BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    waited BIGINT NOT NULL,
    wait_seconds BIGINT NOT NULL,
    waited_over_2m BIGINT NOT NULL,
    waited_over_40m BIGINT NOT NULL,
    handled BIGINT NOT NULL,
    handle_seconds BIGINT NOT NULL,
    PRIMARY KEY (day, channel, segment, territory, reason)
);

CREATE TABLE contact_monthly (
    month BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    segment BIGINT NOT NULL,
    territory BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    waited BIGINT NOT NULL,
    wait_seconds BIGINT NOT NULL,
    waited_over_2m BIGINT NOT NULL,
    waited_over_40m BIGINT NOT NULL,
    handled BIGINT NOT NULL,
    handle_seconds BIGINT NOT NULL,
    PRIMARY KEY (month, channel, segment, territory)
);

-- Contacts per half hour (UTC slots of 30 minutes: Europe/Rome's offsets are whole hours, so
-- they are local half hours too) and channel: the arrivals that staffing plans are made from.
CREATE TABLE contact_halfhour (
    slot BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    handled BIGINT NOT NULL,
    handle_seconds BIGINT NOT NULL,
    PRIMARY KEY (slot, channel)
);

CREATE TABLE portal_daily (
    day BIGINT PRIMARY KEY,
    registrations BIGINT NOT NULL
);

CREATE TABLE ebill_daily (
    day BIGINT NOT NULL,
    path BIGINT NOT NULL,
    enrolled BIGINT NOT NULL,
    withdrawn BIGINT NOT NULL,
    PRIMARY KEY (day, path)
);

CREATE TABLE bill_monthly (
    month BIGINT NOT NULL,
    delivery BIGINT NOT NULL,
    bills BIGINT NOT NULL,
    sheets BIGINT NOT NULL,
    PRIMARY KEY (month, delivery)
);
