-- vb.max_shares_outstanding() → bigint
--
-- Internal. How many shares of one security may be in circulation: 9·10^9, the overdraft limit
-- of the security's issuer account (vb_api.create_security). With prices at most 10^9 minor
-- units (vb.max_price_minor), every holding's market value and unrealized P&L (quantity × price,
-- quantity × price difference) stays below 9·10^18, inside bigint: get_positions and
-- vb_report.positions cannot overflow, whoever holds what.
CREATE OR REPLACE FUNCTION vb.max_shares_outstanding()
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT 9000000000::bigint;
$$;
