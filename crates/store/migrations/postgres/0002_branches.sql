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
    day BIGINT NOT NULL,
    hours TEXT,
    note TEXT NOT NULL,
    PRIMARY KEY (branch, day)
);

CREATE TABLE service_categories (
    branch TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    priority BIGINT NOT NULL,
    PRIMARY KEY (branch, code)
);

-- number: per branch, day and category (the label is category + number, A042).
-- status: 1 waiting, 2 called, 3 serving, 4 closed, 5 no-show.
CREATE TABLE tickets (
    id BIGSERIAL PRIMARY KEY,
    branch TEXT NOT NULL,
    day BIGINT NOT NULL,
    category TEXT NOT NULL,
    priority BIGINT NOT NULL,
    number BIGINT NOT NULL,
    virtual BIGINT NOT NULL,
    status BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    estimate_seconds BIGINT NOT NULL,
    called_at BIGINT,
    recalls BIGINT NOT NULL DEFAULT 0,
    counter TEXT,
    clerk TEXT,
    served_at BIGINT,
    closed_at BIGINT,
    UNIQUE (branch, day, category, number)
);
-- The next ticket to call is the first entry of this index; the wait estimate reads the other two.
CREATE INDEX tickets_waiting ON tickets (branch, day, status, priority DESC, taken_at, id);
CREATE INDEX tickets_closed ON tickets (branch, status, closed_at);
CREATE INDEX tickets_called ON tickets (branch, called_at);

CREATE TABLE material_campaigns (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    material TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);

CREATE TABLE campaign_branches (
    campaign BIGINT NOT NULL,
    branch TEXT NOT NULL,
    copies BIGINT NOT NULL,
    delivered_at BIGINT,
    displayed_at BIGINT,
    reminded_at BIGINT,
    PRIMARY KEY (campaign, branch)
);
