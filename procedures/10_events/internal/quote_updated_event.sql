-- vb.quote_updated_event(p_symbol, p_bid, p_ask, p_last_price, p_volume, p_quoted_at) → json
--
-- Internal. The quote.updated event of a symbol's newest quote (feeds vb:quote:{symbol}), keyed
-- by symbol. STABLE SQL without a SET clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.quote_updated_event(
    p_symbol text, p_bid bigint, p_ask bigint, p_last_price bigint, p_volume bigint, p_quoted_at timestamptz
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event('quote.updated', 'quote', p_symbol, json_build_object(
        'symbol', p_symbol, 'bid', p_bid, 'ask', p_ask, 'last', p_last_price, 'volume', p_volume, 'ts', p_quoted_at
    ));
$$;
