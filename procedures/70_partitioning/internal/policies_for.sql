-- vb.policies_for(p_parent regclass) → setof vb.partition_policies
--
-- Internal. The partition policy of p_parent, or every policy when p_parent is null, in table
-- name order. Raises VB001 when p_parent has no policy.
CREATE OR REPLACE FUNCTION vb.policies_for(p_parent regclass)
RETURNS SETOF vb.partition_policies
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    IF p_parent IS NOT NULL AND NOT EXISTS (SELECT FROM vb.partition_policies AS pp WHERE pp.parent = p_parent) THEN
        RAISE EXCEPTION '% has no partition policy', p_parent USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY
    SELECT * FROM vb.partition_policies AS pp WHERE p_parent IS NULL OR pp.parent = p_parent ORDER BY pp.parent::text;
END
$$;
