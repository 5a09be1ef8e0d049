-- Nothing to restore: the functions dropped by 0010 are made again by the repeatable files of the
-- release being rolled back to (the deploy applies every repeatable file after a rollback).
SELECT 1;
