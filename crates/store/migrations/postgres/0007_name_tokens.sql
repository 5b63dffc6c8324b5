-- The words of customer names, for the console's search by any word of the name ("Rossi" finds
-- "Mario Rossi"): lower-case, accents folded to ASCII, split on spaces and punctuation, with
-- apostrophes also dropped ("D'Angelo": d, angelo, dangelo). Written by the registry with the
-- customers; existing customers are filled in by the migration runner after this script
-- (`migrate::backfill_name_tokens`), since tokenizing is not portable SQL.
CREATE TABLE customer_name_tokens (
    -- Compared by code point whatever the database's collation: the search reads prefix ranges.
    token TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT NOT NULL,
    PRIMARY KEY (token, customer_id)
);
-- The search intersects the words of a query: each further word is one probe by customer.
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id, token);
