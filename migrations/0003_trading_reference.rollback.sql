-- CASCADE: functions of the repeatable files depend on these; the next migrate re-applies them.
DROP TABLE vb.trading_config CASCADE;
DROP TABLE vb.market_sessions CASCADE;
DROP TABLE vb.index_constituents CASCADE;
DROP TABLE vb.stock_indices CASCADE;
DROP TABLE vb.quote_history CASCADE;
DROP TABLE vb.quotes CASCADE;
DROP TABLE vb.securities CASCADE;
DROP TABLE vb.fee_defaults CASCADE;
