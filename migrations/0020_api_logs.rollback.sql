-- The API log's function and views go with its table.
DROP FUNCTION IF EXISTS vb_api.log_api_requests(jsonb);
DROP VIEW IF EXISTS vb_report.api_requests_hourly;
DELETE FROM vb.partition_policies WHERE parent = 'vb.api_logs'::regclass;
DROP TABLE vb.api_logs;
