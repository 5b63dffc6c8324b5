-- The words of customer names, for the console's search by any word of the name ("Rossi" finds
-- "Mario Rossi"): lower-case, accents folded to ASCII, split on spaces and punctuation, with
-- apostrophes also dropped ("D'Angelo": d, angelo, dangelo). Written by the registry with the
-- customers; existing customers are filled in by the migration runner after this script
-- (`migrate::backfill_name_tokens`), since tokenizing is not portable SQL.
-- Each word with the customer's whole name as a sort key (`name_key`: lower-case, accents
-- folded, as `customers::name_key` computes it), so that the customers having a word come out
-- of the primary key already in name order: a search for a common surname reads its first
-- page and stops, whatever the number of namesakes.
CREATE TABLE customer_name_tokens (
    token TEXT NOT NULL,
    name_key TEXT NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (token, name_key, customer_id)
) WITHOUT ROWID;
-- The search intersects the words of a query: each further word is one probe by customer.
CREATE INDEX customer_name_tokens_customer ON customer_name_tokens (customer_id, token);
