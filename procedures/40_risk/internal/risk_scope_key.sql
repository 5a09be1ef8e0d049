-- vb.risk_scope_key(p_scope text, p_scope_key text) → text
--
-- Internal. The key under which vb.trading_states and vb.exposure_limits store a scope: '' for
-- global, the symbol for a security, the account id's canonical text (lower case, as uuid
-- prints) for an account, which is how the order path looks them up. Call after
-- vb.check_risk_scope accepted the pair.
-- Why: a key stored as the caller spelled it (an account id in upper case) was never found by
-- place_order, so a halt or a limit set that way was silently ignored.
CREATE OR REPLACE FUNCTION vb.risk_scope_key(p_scope text, p_scope_key text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE p_scope
        WHEN 'global' THEN ''
        WHEN 'account' THEN p_scope_key::uuid::text
        ELSE p_scope_key
    END;
$$;
