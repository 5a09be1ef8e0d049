-- The keys stay canonical; only the checks go.
ALTER TABLE vb.exposure_limits DROP CONSTRAINT exposure_limits_account_key_canonical;
ALTER TABLE vb.trading_states DROP CONSTRAINT trading_states_account_key_canonical;
