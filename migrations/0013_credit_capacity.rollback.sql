ALTER TABLE vb.assets DROP COLUMN credit_committed;
