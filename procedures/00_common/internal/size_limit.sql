-- vb.size_limit(p_limit text) → integer
--
-- Internal. The documented size limits of the API, in one place (docs/api.md, "Limits"); null for an
-- unknown name. Every argument a caller sizes is bounded, so no call can hold locks, memory or a
-- backend for long because of what it was sent:
--   transfers_per_batch  requests in one vb_api.create_transfers call              8,000
--   ids_per_call         account ids / symbols in one read (get_balances, get_quotes, 10,000
--                        unknown_symbols)
--   orders_per_call      elements of one vb_api.place_orders call                    1,000
--   quotes_per_call      elements of one vb_api.ingest_quotes call                  10,000
--   json_bytes           a jsonb argument as JSON text (metadata, breach detail,     8,192 bytes
--                        index weights; as text: 1e131071 is 8 bytes stored, 128 KiB written)
--   name_chars           a display, security or index name                            200 characters
--   key_chars            a transfer code, breach source or kind                        64 characters
--   rows_per_page        rows one read returns (account_entries, order_book levels)  1,000
--   candles_per_call     buckets one vb_api.candles call spans                     100,000
--   client_bytes         a session's client metadata (start_session) as JSON text   4,096 bytes
--   api_log_entries      elements of one vb_api.log_api_requests call               5,000
-- Over a limit: VB001 naming the argument (vb.check_size), or for one transfer of a batch the
-- status invalid_request; nothing is stored.
-- IMMUTABLE SQL: a call with a constant name folds into the caller's plan.
CREATE OR REPLACE FUNCTION vb.size_limit(p_limit text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE p_limit
        WHEN 'transfers_per_batch' THEN 8000
        WHEN 'ids_per_call' THEN 10000
        WHEN 'orders_per_call' THEN 1000
        WHEN 'quotes_per_call' THEN 10000
        WHEN 'json_bytes' THEN 8192
        WHEN 'name_chars' THEN 200
        WHEN 'key_chars' THEN 64
        WHEN 'rows_per_page' THEN 1000
        WHEN 'candles_per_call' THEN 100000
        WHEN 'client_bytes' THEN 4096
        WHEN 'api_log_entries' THEN 5000
    END;
$$;
