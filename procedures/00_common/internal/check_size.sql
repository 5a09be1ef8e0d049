-- vb.check_size(p_argument text, p_size bigint, p_limit text) → void
--
-- Internal. Raises VB001 "p_x: 12,345 is over its limit of 8,000 (transfers_per_batch)" when
-- p_size exceeds vb.size_limit(p_limit); a null size passes (the caller decides about nulls).
-- The message names the argument and the limit, never the value itself.
CREATE OR REPLACE FUNCTION vb.check_size(p_argument text, p_size bigint, p_limit text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_size > vb.size_limit(p_limit) THEN
        RAISE EXCEPTION '%: % is over its limit of % (%)', p_argument, p_size, vb.size_limit(p_limit), p_limit
            USING ERRCODE = 'VB001';
    END IF;
END
$$;
