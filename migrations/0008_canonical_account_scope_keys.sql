-- Account-scope keys of trading states and exposure limits in canonical form (the account id as
-- uuid prints it, lower case), which is how the order path looks them up: a halt or a limit
-- stored under another spelling was silently ignored. Where both spellings exist, the most
-- recently set row stands. A check keeps every later row canonical.
DELETE FROM vb.trading_states AS t
WHERE t.scope = 'account' AND EXISTS (
    SELECT FROM vb.trading_states AS o
    WHERE o.scope = 'account' AND lower(o.scope_key) = lower(t.scope_key) AND o.scope_key <> t.scope_key
        AND (o.updated_at, o.scope_key) > (t.updated_at, t.scope_key)
);
UPDATE vb.trading_states SET scope_key = lower(scope_key) WHERE scope = 'account' AND scope_key <> lower(scope_key);
ALTER TABLE vb.trading_states ADD CONSTRAINT trading_states_account_key_canonical
CHECK (scope <> 'account' OR scope_key = lower(scope_key));

DELETE FROM vb.exposure_limits AS l
WHERE l.scope = 'account' AND EXISTS (
    SELECT FROM vb.exposure_limits AS o
    WHERE o.scope = 'account' AND o.metric = l.metric AND lower(o.scope_key) = lower(l.scope_key)
        AND o.scope_key <> l.scope_key AND (o.updated_at, o.scope_key) > (l.updated_at, l.scope_key)
);
UPDATE vb.exposure_limits SET scope_key = lower(scope_key) WHERE scope = 'account' AND scope_key <> lower(scope_key);
ALTER TABLE vb.exposure_limits ADD CONSTRAINT exposure_limits_account_key_canonical
CHECK (scope <> 'account' OR scope_key = lower(scope_key));
