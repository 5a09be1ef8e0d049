-- vb.applicable_limits(p_account_id uuid, p_symbol text) → setof vb.exposure_limits
--
-- Internal. The exposure limits an order of this account on this symbol is subject to: the
-- global ones, its security's and its account's (a more specific scope does not switch off the
-- others).
CREATE OR REPLACE FUNCTION vb.applicable_limits(p_account_id uuid, p_symbol text)
RETURNS SETOF vb.exposure_limits
LANGUAGE sql
STABLE
AS $$
    SELECT l.* FROM vb.exposure_limits AS l
    WHERE (l.scope = 'global' AND l.scope_key = '')
        OR (l.scope = 'security' AND l.scope_key = p_symbol)
        OR (l.scope = 'account' AND l.scope_key = p_account_id::text);
$$;
