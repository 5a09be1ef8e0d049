-- vb.handle_key(p_handle text) → text
--
-- Internal. The key a handle is compared by (contract identity.md): NFKC-normalised and
-- lower-cased; null when the handle breaks the rules — 3 to 32 characters after normalisation,
-- each of [a-z0-9_.-] in either case. Look-alike letters of other scripts (Cyrillic 'а', Greek
-- 'ο'), zero-width and bidirectional characters are outside the set, so they are refused; width
-- variants ('Ａ') normalise to their ASCII letter. A handle of more than 128 characters is refused
-- before it is normalised (NFKC expands a character to at most 18, so no valid handle is lost
-- below that, and no caller makes the server normalise a megabyte).
CREATE OR REPLACE FUNCTION vb.handle_key(p_handle text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE WHEN length(p_handle) <= 128 THEN (
        SELECT k.key FROM (SELECT lower(normalize(p_handle, nfkc)) AS key) AS k
        WHERE k.key ~ '^[a-z0-9_.-]{3,32}$'
    ) END;
$$;
