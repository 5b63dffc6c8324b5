-- Pushed call events (POST /api/v1/calls/events) and the agents the queue_log follower tracks.
--
-- cti_calls: one row per pushed call entry (source, callId, queue), while it is in flight and
-- for 7 days after its last event, so that a repeated event is recognised and never counted
-- twice. open_call is the call assembler's open entry (JSON; '' once ended); events lists the
-- events taken ('newCall answer hangup'); version is bumped by every event, and an event is
-- written only if the version it read is still there (two servers never apply one event twice).
CREATE TABLE cti_calls (
    source TEXT NOT NULL,
    call_id TEXT NOT NULL,
    queue TEXT NOT NULL,
    events TEXT NOT NULL,
    open_call TEXT NOT NULL,
    agent TEXT,
    entered_at BIGINT NOT NULL,
    answered_at BIGINT,
    ended_at BIGINT,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (source, call_id, queue)
);
CREATE INDEX cti_calls_ended ON cti_calls (ended_at);
CREATE INDEX cti_calls_updated ON cti_calls (updated_at);

-- The agents a queue_log follower saw log in, join queues and pause (JSON; '' for none yet).
ALTER TABLE call_follow ADD COLUMN agents TEXT NOT NULL DEFAULT '';
