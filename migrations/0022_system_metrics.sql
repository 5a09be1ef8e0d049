-- pyvb: run-as-deployer
-- System metrics (contract audit.md): snapshots of the database's health taken by
-- vb_ops.collect_system_metrics (`pyvb metrics collect`, a step of every maintenance pass), one row
-- per series and labels, in daily partitions kept 90 days (dropped when they leave: telemetry, not
-- a record). Run as the deployer for one grant: vb_owner, whose functions read the statistics
-- views, may see every backend's state and the replicas' positions (pg_read_all_stats), not only
-- its own sessions'. The rest is made as vb_owner, as every other migration.
GRANT pg_read_all_stats TO vb_owner;
SET ROLE vb_owner;

CREATE TABLE vb.system_metrics (
    collected_at timestamptz NOT NULL,
    metric text NOT NULL,
    labels jsonb NOT NULL,
    metric_value double precision NOT NULL
) PARTITION BY RANGE (collected_at);
CREATE TABLE vb.system_metrics_default PARTITION OF vb.system_metrics DEFAULT;
CREATE INDEX system_metrics_by_metric ON vb.system_metrics (metric, collected_at);
INSERT INTO vb.partition_policies (parent, period, premake, retention, archive, queue)
VALUES ('vb.system_metrics', 'day', 14, interval '90 days', FALSE, FALSE);

RESET ROLE;
