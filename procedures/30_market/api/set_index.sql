-- vb_api.set_index(p_code text, p_name text, p_weights jsonb) → text
--
-- Defines a stock index, replacing its constituents: p_weights maps symbols to positive weights,
-- e.g. {"ACME": 0.4, "BETA": 0.6}.
-- Returns: 'created' | 'updated' | 'unknown_symbol' (a symbol is not listed; nothing changed).
-- Raises: VB001 for a null or malformed code (1–12 [A-Z0-9._-]), a null name, weights that are
-- not a non-empty object of numbers between 10^-12 and 10^6; a name over 200 characters or weights over 8,192
-- bytes (which bounds the members too).
CREATE OR REPLACE FUNCTION vb_api.set_index(p_code text, p_name text, p_weights jsonb)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_existed boolean;
    v_old jsonb;
    v_arguments jsonb;
BEGIN
    PERFORM vb.check_size('p_name', length(p_name), 'name_chars');
    PERFORM vb.check_size('p_weights', octet_length(p_weights::text), 'json_bytes');
    IF p_code IS NULL OR p_code !~ '^[A-Z0-9._-]{1,12}$' OR p_name IS NULL OR p_name = ''
        OR jsonb_typeof(p_weights) IS DISTINCT FROM 'object' OR p_weights = '{}'
        OR EXISTS (
            SELECT FROM jsonb_each(p_weights) AS w
            WHERE jsonb_typeof(w.value) <> 'number'
                OR w.value::text::numeric NOT BETWEEN 0.000000000001 AND 1000000  -- index levels stay finite
        ) THEN
        RAISE EXCEPTION 'an index needs a code, a name and positive numeric weights per symbol'
            USING ERRCODE = 'VB001';
    END IF;
    IF EXISTS (
        SELECT FROM jsonb_object_keys(p_weights) AS k (symbol)
        WHERE NOT EXISTS (SELECT FROM vb.securities AS s WHERE s.symbol = k.symbol)
    ) THEN
        RETURN vb.audited('vb_api.set_index', jsonb_build_object('code', p_code, 'index', jsonb_build_object(
            'new', jsonb_build_object('name', p_name, 'weights', p_weights)
        )), 'unknown_symbol');
    END IF;
    v_existed := EXISTS (SELECT FROM vb.stock_indices AS i WHERE i.index_code = p_code);
    SELECT jsonb_build_object('name', i.index_name, 'weights', (
        SELECT jsonb_object_agg(c.symbol, c.weight) FROM vb.index_constituents AS c WHERE c.index_code = p_code
    )) INTO v_old
    FROM vb.stock_indices AS i WHERE i.index_code = p_code FOR UPDATE;
    v_arguments := jsonb_build_object('code', p_code, 'index', jsonb_build_object(
        'old', v_old, 'new', jsonb_build_object('name', p_name, 'weights', p_weights)
    ));
    INSERT INTO vb.stock_indices (index_code, index_name) VALUES (p_code, p_name)
    ON CONFLICT (index_code) DO UPDATE SET index_name = excluded.index_name, updated_at = now();
    DELETE FROM vb.index_constituents AS c WHERE c.index_code = p_code;
    INSERT INTO vb.index_constituents (index_code, symbol, weight)
    SELECT p_code, w.key, w.value::text::numeric FROM jsonb_each(p_weights) AS w;
    RETURN vb.audited('vb_api.set_index', v_arguments, CASE WHEN v_existed THEN 'updated' ELSE 'created' END);
END
$$;
