-- The customer search reads ranges of name words and of lower-cased names, and stops after a
-- page. With the default statistics (100 values) the planner sees a few of the common words
-- and takes a range such as 'leone'..'leonf' for a handful of rows, then reads all 15,000
-- customers of the other word of the query, or every 'rosa%' name to sort them (50-160 ms on
-- the full-size demo instead of 1-10 ms). A thousand values cover the words it meets.
-- build_secondary_indexes runs this file again after it re-creates customers_name. Both then
-- ANALYZE the two tables in a transaction of their own (migrate::analyze_search_tables): an
-- ANALYZE in the transaction that raised the target still collected 100 values.
ALTER TABLE customer_name_tokens ALTER COLUMN token SET STATISTICS 1000;
ALTER INDEX customers_name ALTER COLUMN 1 SET STATISTICS 1000;
