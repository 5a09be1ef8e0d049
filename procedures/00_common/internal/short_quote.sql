-- vb.short_quote(p_value text) → text
--
-- Internal. A caller's value as error messages show it: quoted (or NULL), at most 40
-- characters of it, then '…' when there was more. Why: a message that echoes a whole hostile
-- input (a megabyte of symbol or code) lands in the caller's error and the server's log.
CREATE OR REPLACE FUNCTION vb.short_quote(p_value text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT quote_nullable(left(p_value, 40)) || CASE WHEN length(p_value) > 40 THEN '…' ELSE '' END;
$$;
