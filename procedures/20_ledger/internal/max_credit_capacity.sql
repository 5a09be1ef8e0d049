-- vb.max_credit_capacity(p_asset_kind text) → bigint
--
-- Internal. How far, in minor units, all the accounts of one asset together may fall below zero,
-- the sum of their overdraft limits (an issuer's unlimited one counting as vb.max_issuer_supply()),
-- kept in vb.assets.credit_committed by vb_api.open_account: 4·10^18 for a currency; for a
-- security vb.max_shares_outstanding() = 9·10^9 (its issuer takes all of it, so no second issuer
-- and no overdraft can put more shares in circulation: holdings × prices stay inside bigint).
-- Why: the balances of an asset sum to zero, so no account can hold more than the others owe:
-- every balance stays below 4·10^18 and every pending total below 8·10^18, inside bigint. A
-- deferred (house, fee, clearing, issuer) account credited without being read can therefore
-- never overflow when its movements are folded — the rule that keeps a hot account from being
-- bricked without reading it on every credit.
CREATE OR REPLACE FUNCTION vb.max_credit_capacity(p_asset_kind text)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE WHEN p_asset_kind = 'security' THEN vb.max_shares_outstanding() ELSE 4000000000000000000::bigint END;
$$;
