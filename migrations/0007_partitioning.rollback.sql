-- CASCADE: functions of the repeatable files depend on these; the next migrate re-applies them.
DROP TABLE vb.maintenance_runs CASCADE;
DROP TABLE vb.archived_periods CASCADE;
DROP TABLE vb.closing_balances CASCADE;
DROP TABLE vb.partition_policies CASCADE;
