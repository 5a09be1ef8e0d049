-- vb.audit_text(p_value text) → text
--
-- Internal. A caller's text as an audit record keeps it among a call's arguments: as given, cut at
-- 200 characters (the longest text argument the API accepts: a display name, a status reason), so
-- a hostile value cannot swell the trail. Plain, not quoted, so the trail can be queried by it
-- ("who halted ACME": arguments ->> 'scope_key' = 'ACME').
CREATE OR REPLACE FUNCTION vb.audit_text(p_value text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT left(p_value, 200);
$$;
