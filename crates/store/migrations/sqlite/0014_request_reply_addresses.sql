-- Where a request's answer is mailed when its form gave an address: the public complaint form,
-- used by customers who may have no online-branch account to read the answer in.
CREATE TABLE request_reply_addresses (
    request_id INTEGER PRIMARY KEY,
    email TEXT NOT NULL
);
