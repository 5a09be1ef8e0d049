-- Account-scope keys of trading states and exposure limits in canonical form (the account id as
-- uuid prints it, lower case), which is how the order path looks them up: a halt or a limit
-- stored under another spelling was silently ignored. Where the canonical row exists it was the
-- one in force and stays; another spelling of the same account is dropped. A row stored only
-- under another spelling takes effect now, and a NOTICE names it for the operator to review.
-- A check keeps every later row canonical.
DO $report$
DECLARE
    v_row record;
BEGIN
    FOR v_row IN
        SELECT 'trading state' AS what, t.scope_key, t.trading_state AS setting FROM vb.trading_states AS t
        WHERE t.scope = 'account' AND t.scope_key <> lower(t.scope_key) AND NOT EXISTS (
            SELECT FROM vb.trading_states AS c WHERE c.scope = 'account' AND c.scope_key = lower(t.scope_key)
        )
        UNION ALL
        SELECT 'exposure limit', l.scope_key, l.metric FROM vb.exposure_limits AS l
        WHERE l.scope = 'account' AND l.scope_key <> lower(l.scope_key) AND NOT EXISTS (
            SELECT FROM vb.exposure_limits AS c
            WHERE c.scope = 'account' AND c.metric = l.metric AND c.scope_key = lower(l.scope_key)
        )
    LOOP
        RAISE NOTICE 'the % % of account % was ignored until now and takes effect', v_row.what, v_row.setting,
            lower(v_row.scope_key);
    END LOOP;
END
$report$;

DELETE FROM vb.trading_states AS t
WHERE t.scope = 'account' AND t.scope_key <> lower(t.scope_key) AND EXISTS (
    SELECT FROM vb.trading_states AS o
    WHERE o.scope = 'account' AND lower(o.scope_key) = lower(t.scope_key)
        AND (o.scope_key = lower(o.scope_key) OR o.scope_key > t.scope_key)
);
UPDATE vb.trading_states SET scope_key = lower(scope_key) WHERE scope = 'account' AND scope_key <> lower(scope_key);
ALTER TABLE vb.trading_states ADD CONSTRAINT trading_states_account_key_canonical
CHECK (scope <> 'account' OR scope_key = lower(scope_key));

DELETE FROM vb.exposure_limits AS l
WHERE l.scope = 'account' AND l.scope_key <> lower(l.scope_key) AND EXISTS (
    SELECT FROM vb.exposure_limits AS o
    WHERE o.scope = 'account' AND o.metric = l.metric AND lower(o.scope_key) = lower(l.scope_key)
        AND (o.scope_key = lower(o.scope_key) OR o.scope_key > l.scope_key)
);
UPDATE vb.exposure_limits SET scope_key = lower(scope_key) WHERE scope = 'account' AND scope_key <> lower(scope_key);
ALTER TABLE vb.exposure_limits ADD CONSTRAINT exposure_limits_account_key_canonical
CHECK (scope <> 'account' OR scope_key = lower(scope_key));
