-- vb.derived_id(VARIADIC p_parts text[]) → uuid
--
-- Internal. The id of something the system opens or writes on its own behalf (a share, escrow,
-- fee or issuer account; a reservation; a settlement leg): md5 of 'vb:' and the parts joined by
-- ':', so the same parts always give the same id and no lookup table is needed. Null if a part is
-- null. The one place that knows the scheme; callers name the kind as the first part.
-- STABLE, not IMMUTABLE: array_to_string is stable, so only a STABLE declaration lets the planner
-- inline the body into its callers; declared IMMUTABLE it was called, and its body parsed and
-- planned again, in every transaction (seven times per order).
CREATE OR REPLACE FUNCTION vb.derived_id(VARIADIC p_parts text [])
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT CASE WHEN array_position(p_parts, NULL) IS NULL
        THEN md5('vb:' || array_to_string(p_parts, ':'))::uuid END;
$$;
