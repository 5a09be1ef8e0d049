-- The credit an asset's accounts have been granted: the sum of their overdraft limits, an
-- issuer's unlimited one counting as 10^18 (vb.max_issuer_supply()). vb_api.open_account keeps it
-- within 4·10^18 (vb.max_credit_capacity()), so no balance can leave bigint (see that function).
-- Databases deployed before hold whatever limits they were given: vb_ops.verify_ledger reports
-- an asset over its capacity (credit_within_capacity).
ALTER TABLE vb.assets ADD COLUMN credit_committed numeric NOT NULL DEFAULT 0;

UPDATE vb.assets AS s
SET credit_committed = coalesce((
    SELECT sum(coalesce(a.overdraft_limit, 1000000000000000000))
    FROM vb.accounts AS a
    WHERE a.asset_code = s.asset_code
), 0);
