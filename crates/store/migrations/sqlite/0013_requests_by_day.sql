-- The yearly timeliness of requests per kind (TIQV's general standard) reads one year's
-- requests by their day of receipt, whatever the years stored.
CREATE INDEX service_requests_opened_day ON service_requests (opened_day);
