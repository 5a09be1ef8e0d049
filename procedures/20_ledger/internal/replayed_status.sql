-- vb.replayed_status(p_recorded_status text, p_recorded_digest uuid, p_digest uuid) → text
--
-- Internal (no SET clause: inlined into the transfer paths, which pin search_path). What a
-- request whose id the registry already holds reports, from the recorded status and digest:
-- 'id_already_failed' when the id was rejected, 'exists' when every field matches,
-- 'exists_with_different_fields' otherwise (ledger contract, idempotency). Shared by the scalar
-- path (before its locks, and when the registry's key shows a concurrent caller won) and the
-- batch path, so they cannot disagree.
CREATE OR REPLACE FUNCTION vb.replayed_status(p_recorded_status text, p_recorded_digest uuid, p_digest uuid)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE
        WHEN p_recorded_status <> 'created' THEN 'id_already_failed'
        WHEN p_recorded_digest = p_digest THEN 'exists'
        ELSE 'exists_with_different_fields'
    END;
$$;
