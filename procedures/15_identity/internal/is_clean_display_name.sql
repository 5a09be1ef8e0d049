-- vb.is_clean_display_name(p_display_name text) → boolean
--
-- Internal. Whether a display name may be shown to other players (contract identity.md): at most
-- 64 characters, none of them a control character (C0, DEL, C1) or one that reorders or hides
-- text — bidirectional embeddings, overrides, isolates and marks, zero-width characters, the
-- word joiner, the byte order mark. Null (no display name) is clean.
CREATE OR REPLACE FUNCTION vb.is_clean_display_name(p_display_name text)
RETURNS boolean
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT p_display_name IS NULL OR (
        length(p_display_name) <= 64
        AND p_display_name !~ '[\u0001-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]'
    );
$$;
