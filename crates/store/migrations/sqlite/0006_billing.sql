-- The electronic bill (crates/billing, docs/billing.md): the lines of each bill, one delivery
-- record per bill and the print batches, and the e-mail addresses that bounced.
-- Quantities, unit prices and VAT rates are exact decimals kept as text ("123.456"); amounts are
-- cents.

CREATE TABLE bill_lines (
    bill_id INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    vat_rate TEXT NOT NULL,
    PRIMARY KEY (bill_id, line_no)
);

-- One row per bill of a billing run, written before anything is sent. state:
-- 1 pending, 2 sending (claimed by a run: in flight), 3 sent (the SMTP server accepted it),
-- 4 failed_temporary (attempts, next_try), 5 fallen_back_to_paper, 6 printing (reserved in print
-- batch 'batch'), 7 printed. route: 1 paper, 2 e-mail (the delivery chosen on the issue date).
CREATE TABLE deliveries (
    bill_id INTEGER PRIMARY KEY,
    issued INTEGER NOT NULL,
    route INTEGER NOT NULL,
    state INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    next_try INTEGER,
    run_id TEXT,
    email TEXT,
    message_id TEXT,
    batch INTEGER,
    position INTEGER,
    pages INTEGER,
    detail TEXT,
    updated_at INTEGER NOT NULL
);
CREATE INDEX deliveries_run ON deliveries (issued, state, route);
CREATE INDEX deliveries_batch ON deliveries (batch, position);

-- Every delivery event (sent, temporary failure, fallback, printed, in doubt): the audit trail.
CREATE TABLE delivery_log (
    bill_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX delivery_log_bill ON delivery_log (bill_id);

CREATE TABLE print_batches (
    batch INTEGER PRIMARY KEY,
    issued_from INTEGER NOT NULL,
    issued_to INTEGER NOT NULL,
    file TEXT NOT NULL,
    bills INTEGER NOT NULL,
    pages INTEGER,
    done INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- An e-mail address that bounced permanently: bills go on paper until the address changes.
CREATE TABLE bad_addresses (
    customer_id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    reason TEXT NOT NULL,
    flagged_at INTEGER NOT NULL
);
