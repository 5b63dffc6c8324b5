-- A complaint from the public form by someone who cannot give a customer code or a supply
-- point (TIQV 2026): the request has no customer, and keeps the name and phone they gave.
ALTER TABLE service_requests ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE service_requests ADD COLUMN contact_name TEXT;
ALTER TABLE service_requests ADD COLUMN contact_phone TEXT;
