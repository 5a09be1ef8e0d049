-- CASCADE: functions of the repeatable files depend on these; the next migrate re-applies them.
DROP TABLE vb.alerts CASCADE;
DROP TABLE vb.breach_events CASCADE;
DROP TABLE vb.trading_states CASCADE;
DROP TABLE vb.exposure_limits CASCADE;
