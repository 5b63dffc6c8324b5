-- The call centers: the calls rollups the line indicators read, the queue_log follower's state,
-- and an index for reading one line's contacts over a week (staffing plans).

-- Calls per day and line (channel 1 residential, 2 business), kept in step at queue_log import.
-- `answered` counts every call that reached an operator (transferred ones included).
CREATE TABLE call_daily (
    day BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    timed_out BIGINT NOT NULL,
    left_queue BIGINT NOT NULL,
    wait_seconds BIGINT NOT NULL,
    answered_wait_seconds BIGINT NOT NULL,
    talk_seconds BIGINT NOT NULL,
    waited_over_2m BIGINT NOT NULL,
    PRIMARY KEY (day, channel)
);

CREATE TABLE call_monthly (
    month BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    offered BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    transferred BIGINT NOT NULL,
    abandoned BIGINT NOT NULL,
    timed_out BIGINT NOT NULL,
    left_queue BIGINT NOT NULL,
    wait_seconds BIGINT NOT NULL,
    answered_wait_seconds BIGINT NOT NULL,
    talk_seconds BIGINT NOT NULL,
    waited_over_2m BIGINT NOT NULL,
    PRIMARY KEY (month, channel)
);

-- Abandoned calls by whole seconds waited (300 stands for 300 or more): short abandons under
-- any configured threshold are a sum over this histogram.
CREATE TABLE call_abandon_daily (
    day BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    wait BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (day, channel, wait)
);

CREATE TABLE call_abandon_monthly (
    month BIGINT NOT NULL,
    channel BIGINT NOT NULL,
    wait BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    PRIMARY KEY (month, channel, wait)
);

-- Where each queue_log follower stopped: the file (hash of its first line, device and inode),
-- the byte offset after the last line committed, and the calls still open there (JSON).
CREATE TABLE call_follow (
    source TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    identity TEXT NOT NULL,
    device BIGINT NOT NULL,
    inode BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    open_calls TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
