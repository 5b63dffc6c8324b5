-- Trunk occupancy: how many of a call-center line's channels were busy over an interval, as a
-- PBX or a poller reports it (`canali import trunk-occupancy`), for the accessibility indicator
-- AS (the share of the open time with at least one free channel).
--
-- One row per line and interval start (seconds since the epoch, UTC); end_at is exclusive.
-- Importing the same file again inserts nothing (the key is line + start_at).
CREATE TABLE trunk_occupancy (
    line TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    channels BIGINT NOT NULL,
    busy BIGINT NOT NULL,
    PRIMARY KEY (line, start_at)
);
