-- The branch network beyond the registry of 0001: services handled, named schedule templates,
-- dated opening-hour exceptions, the ticket queue (service categories and
-- tickets numbered per branch, day and category) and material campaigns.

ALTER TABLE branches ADD COLUMN services TEXT NOT NULL DEFAULT '';

CREATE TABLE schedule_templates (
    name TEXT PRIMARY KEY,
    hours TEXT NOT NULL
);

-- hours NULL: closed all day; otherwise an interval list such as 08:00-12:00,14:00-16:00.
CREATE TABLE branch_exceptions (
    branch TEXT NOT NULL,
    day INTEGER NOT NULL,
    hours TEXT,
    note TEXT NOT NULL,
    PRIMARY KEY (branch, day)
);

CREATE TABLE service_categories (
    branch TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL,
    PRIMARY KEY (branch, code)
);

-- number: per branch, day and category (the label is category + number, A042).
-- status: 1 waiting, 2 called, 3 serving, 4 closed, 5 no-show.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    branch TEXT NOT NULL,
    day INTEGER NOT NULL,
    category TEXT NOT NULL,
    priority INTEGER NOT NULL,
    number INTEGER NOT NULL,
    virtual INTEGER NOT NULL,
    status INTEGER NOT NULL,
    taken_at INTEGER NOT NULL,
    estimate_seconds INTEGER NOT NULL,
    called_at INTEGER,
    recalls INTEGER NOT NULL DEFAULT 0,
    counter TEXT,
    clerk TEXT,
    served_at INTEGER,
    closed_at INTEGER,
    UNIQUE (branch, day, category, number)
);
-- The next ticket to call is the first entry of this index; the wait estimate reads the other two.
CREATE INDEX tickets_waiting ON tickets (branch, day, status, priority DESC, taken_at, id);
CREATE INDEX tickets_closed ON tickets (branch, status, closed_at);
CREATE INDEX tickets_called ON tickets (branch, called_at);

CREATE TABLE material_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    material TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);

CREATE TABLE campaign_branches (
    campaign INTEGER NOT NULL,
    branch TEXT NOT NULL,
    copies INTEGER NOT NULL,
    delivered_at INTEGER,
    displayed_at INTEGER,
    reminded_at INTEGER,
    PRIMARY KEY (campaign, branch)
);
