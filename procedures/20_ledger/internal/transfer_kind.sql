-- vb.transfer_kind(p_flags text[]) → text
--
-- Internal (no SET clause: called only from functions that pin search_path, so it can be
-- inlined or called without a GUC save/restore; names are schema-qualified). The kind a request's flags select: 'single' | 'pending' | 'post_pending' |
-- 'void_pending', or null when more than one of the last three is present
-- (flags_are_mutually_exclusive). Shared by both transfer paths so they cannot disagree.
CREATE OR REPLACE FUNCTION vb.transfer_kind(p_flags text [])
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE
        WHEN (('pending' = ANY (p_flags))::int + ('post_pending' = ANY (p_flags))::int
            + ('void_pending' = ANY (p_flags))::int) > 1 THEN NULL
        WHEN 'pending' = ANY (p_flags) THEN 'pending'
        WHEN 'post_pending' = ANY (p_flags) THEN 'post_pending'
        WHEN 'void_pending' = ANY (p_flags) THEN 'void_pending'
        ELSE 'single'
    END;
$$;
