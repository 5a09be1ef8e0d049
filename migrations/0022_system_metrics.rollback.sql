-- pyvb: run-as-deployer
-- The metrics' functions go with their table. The grant stays: roles are cluster-wide and other
-- databases of the cluster may rely on it.
DROP FUNCTION IF EXISTS vb_ops.collect_system_metrics();
DROP FUNCTION IF EXISTS vb_ops.system_metrics();
DROP FUNCTION IF EXISTS vb_ops.replica_status();
DELETE FROM vb.partition_policies WHERE parent = 'vb.system_metrics'::regclass;
DROP TABLE vb.system_metrics;
