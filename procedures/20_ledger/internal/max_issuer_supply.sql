-- vb.max_issuer_supply() → bigint
--
-- Internal. The effective overdraft limit of an issuer account opened "unlimited" (null limit):
-- it may issue at most 10^18 minor units outstanding (10^16 units at scale 2). Every debit of an
-- issuer is checked against it (the issuer is locked and read, as any account debited with a
-- limit), and opening such an issuer commits this much of the asset's vb.max_credit_capacity().
CREATE OR REPLACE FUNCTION vb.max_issuer_supply()
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT 1000000000000000000::bigint;
$$;
