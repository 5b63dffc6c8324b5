-- Kiosk keys: a branch's ticket kiosk takes tickets only on a device paired with the branch.
-- Pairing (console or `canali branches kiosk-key`) draws a random key, shows it once in the
-- pairing link and keeps here only its SHA-256: a copy of the table pairs no device.
--
-- One row per pairing, kept after revocation to say who paired and revoked the kiosk when.
-- A branch has at most one key in force (revoked_at NULL); pairing again revokes it.
CREATE TABLE kiosk_keys (
    id INTEGER PRIMARY KEY,
    branch TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at INTEGER,
    revoked_by TEXT
);
CREATE UNIQUE INDEX kiosk_keys_hash ON kiosk_keys (key_hash);
CREATE UNIQUE INDEX kiosk_keys_in_force ON kiosk_keys (branch) WHERE revoked_at IS NULL;
