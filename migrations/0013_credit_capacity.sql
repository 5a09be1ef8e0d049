-- The credit an asset's accounts have been granted: the sum of their overdraft limits, an
-- issuer's unlimited one counting as 10^18 (vb.max_issuer_supply()). vb_api.open_account keeps it
-- within vb.max_credit_capacity(kind) (4·10^18 for a currency, 9·10^9 for a security), so no
-- balance can leave bigint (see that function).
-- Databases deployed before hold whatever limits they were given: vb_ops.verify_ledger reports
-- an asset over its capacity (credit_within_capacity).
ALTER TABLE vb.assets ADD COLUMN credit_committed numeric NOT NULL DEFAULT 0;

-- A security's issuer may have at most 9·10^9 shares outstanding (vb.max_shares_outstanding()),
-- so no holding's value (quantity × a price of at most 10^9) overflows; more were never issued
-- in practice, and if they were, the limit is what was issued (verify_ledger stays green).
UPDATE vb.accounts AS a
SET overdraft_limit = greatest(9000000000, -a.balance - coalesce((
    SELECT sum(u.amount) FROM vb.unfolded_entries AS u WHERE u.account_id = a.account_id
), 0))::bigint
FROM vb.assets AS s
WHERE a.asset_code = s.asset_code AND s.asset_kind = 'security' AND a.account_kind = 'issuer'
    AND a.overdraft_limit IS NULL;

UPDATE vb.assets AS s
SET credit_committed = coalesce((
    SELECT sum(coalesce(a.overdraft_limit, 1000000000000000000))
    FROM vb.accounts AS a
    WHERE a.asset_code = s.asset_code
), 0);
