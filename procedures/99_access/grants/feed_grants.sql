-- What vb_feed (the market data feed, `pyvb ingest quotes`) may do besides vb_api.ingest_quotes:
-- record the messages it could not apply (vb_ops.ingest_dead_letter) in the same transaction as
-- the quotes it applied, so a feed login needs no membership of vb_ops (which would let it run
-- maintenance, forget relay sinks, read every table's health). Nothing else of vb_ops.
GRANT USAGE ON SCHEMA vb_ops TO vb_feed;
GRANT EXECUTE ON FUNCTION vb_ops.ingest_dead_letter(text, text, text, text) TO vb_feed;
