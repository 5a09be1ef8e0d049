-- vb_api.ingest_quotes(p_quotes jsonb) → integer
--
-- Takes a batch of quotes from the stock market engine: an array of
-- {"symbol", "bid", "ask", "last", "volume", "ts"} (prices in minor units of the security's
-- currency, integers ≥ 0 or null; ts an ISO 8601 timestamp with its offset, e.g.
-- "2026-11-26T10:00:00Z", not later than 5 minutes past the server's clock: no zone-less time, no
-- 'now', 'epoch' or 'infinity', which would otherwise stop every later quote of the symbol).
-- Every quote newer than the stored one
-- for its symbol is appended to the daily-partitioned history; the newest becomes the latest
-- quote (a concurrent ingester can never move it backwards). Older or repeated quotes and
-- quotes for unknown symbols are ignored.
-- Returns: how many quotes were applied (appended to the history).
-- Events: one quote.updated per symbol whose latest quote changed (for the quote cache).
-- Raises: VB001 when p_quotes is not an array, holds more than 10,000 elements, or an element is not an object with a symbol
-- string and a valid ts (as above), has a price or volume that is not an integer ≥ 0, a
-- price above 10^9 (vb.max_price_minor), or a bid above its ask; the message names the element
-- (1-based) so an ingester can dead-letter it and retry the rest. Nothing is applied then.
-- Audited (contract audit.md): one vb.event_audit record per call.
CREATE OR REPLACE FUNCTION vb_api.ingest_quotes(p_quotes jsonb)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_events json;
    v_element jsonb;
    v_position integer := 0;
    v_symbol text[] := '{}';
    v_ts timestamptz[] := '{}';
    v_bid bigint[] := '{}';
    v_ask bigint[] := '{}';
    v_last bigint[] := '{}';
    v_volume bigint[] := '{}';
    v_applied integer;
BEGIN
    IF jsonb_typeof(p_quotes) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'p_quotes must be a json array' USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_quotes', jsonb_array_length(p_quotes), 'quotes_per_call');
    -- one exception block around the whole parse (one subtransaction per call, not per quote);
    -- v_position names the element that failed
    BEGIN
        FOR v_element IN SELECT e.value FROM jsonb_array_elements(p_quotes) AS e LOOP
            v_position := v_position + 1;
            IF jsonb_typeof(v_element) <> 'object' OR jsonb_typeof(v_element -> 'symbol') IS DISTINCT FROM 'string'
                OR jsonb_typeof(v_element -> 'ts') IS DISTINCT FROM 'string' THEN
                RAISE EXCEPTION 'not an object with a symbol and a ts' USING ERRCODE = '22000';
            END IF;
            IF (v_element ->> 'ts') !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$' THEN
                RAISE EXCEPTION 'ts is not an ISO 8601 time with its offset' USING ERRCODE = '22007';
            END IF;
            v_symbol := v_symbol || (v_element ->> 'symbol');
            v_ts := v_ts || (v_element ->> 'ts')::timestamptz;
            IF v_ts[v_position] > clock_timestamp() + INTERVAL '5 minutes' THEN
                RAISE EXCEPTION 'ts is more than 5 minutes ahead of the server' USING ERRCODE = '22008';
            END IF;
            v_bid := v_bid || (v_element ->> 'bid')::bigint;
            v_ask := v_ask || (v_element ->> 'ask')::bigint;
            v_last := v_last || (v_element ->> 'last')::bigint;
            v_volume := v_volume || (v_element ->> 'volume')::bigint;
            IF v_bid[v_position] < 0 OR v_ask[v_position] < 0 OR v_last[v_position] < 0 OR v_volume[v_position] < 0
                OR greatest(v_bid[v_position], v_ask[v_position], v_last[v_position]) > vb.max_price_minor()
                OR v_bid[v_position] > v_ask[v_position] THEN
                RAISE EXCEPTION 'negative price or volume, a price above 10^9, or bid above ask' USING ERRCODE = '22000';
            END IF;
        END LOOP;
    EXCEPTION WHEN data_exception THEN
        RAISE EXCEPTION 'quote % is malformed: %', v_position, left(sqlerrm, 200) USING ERRCODE = 'VB001';
    END;

    WITH incoming AS (
        SELECT q.symbol, q.quoted_at, q.bid, q.ask, q.last_price, q.volume
        FROM unnest(v_symbol, v_ts, v_bid, v_ask, v_last, v_volume)
            AS q (symbol, quoted_at, bid, ask, last_price, volume)
        JOIN vb.securities AS s ON s.symbol = q.symbol
        LEFT JOIN vb.quotes AS latest ON latest.symbol = q.symbol
        WHERE latest.quoted_at IS NULL OR q.quoted_at > latest.quoted_at
    ), appended AS (
        INSERT INTO vb.quote_history (symbol, quoted_at, bid, ask, last_price, volume)
        SELECT i.symbol, i.quoted_at, i.bid, i.ask, i.last_price, i.volume FROM incoming AS i
        ON CONFLICT (symbol, quoted_at) DO NOTHING
        RETURNING *
    ), newest AS (
        SELECT DISTINCT ON (a.symbol) a.* FROM appended AS a ORDER BY a.symbol, a.quoted_at DESC
    ), latest_set AS (
        INSERT INTO vb.quotes AS q (symbol, bid, ask, last_price, volume, quoted_at)
        SELECT n.symbol, n.bid, n.ask, n.last_price, n.volume, n.quoted_at FROM newest AS n
        ON CONFLICT (symbol) DO UPDATE
        SET bid = excluded.bid, ask = excluded.ask, last_price = excluded.last_price, volume = excluded.volume,
            quoted_at = excluded.quoted_at, received_at = now()
        WHERE q.quoted_at < excluded.quoted_at
        RETURNING q.*
    )
    SELECT
        (SELECT count(*) FROM appended),
        (SELECT json_agg(
            vb.quote_updated_event(l.symbol, l.bid, l.ask, l.last_price, l.volume, l.quoted_at) ORDER BY l.symbol
        ) FROM latest_set AS l)
    INTO v_applied, v_events;
    PERFORM vb.write_events(v_events);
    PERFORM vb.audit(
        'vb_api.ingest_quotes', jsonb_build_object('quotes', jsonb_array_length(p_quotes)),
        jsonb_build_object('applied', v_applied)
    );
    RETURN v_applied;
END
$$;
