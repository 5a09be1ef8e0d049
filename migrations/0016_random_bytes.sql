-- pyvb: run-as-deployer
-- pgcrypto, for gen_random_bytes (session tokens: 32 bytes from the server's strong random
-- source; PostgreSQL 15 has no built-in way to get more than a UUID's 122 random bits at once).
-- In a schema of its own that only vb_owner may use, unless the database already has pgcrypto
-- (then that one serves: vb.random_bytes finds it wherever it is). Creating an extension needs
-- the deploying superuser.
CREATE SCHEMA IF NOT EXISTS vb_crypto AUTHORIZATION vb_owner;
REVOKE ALL ON SCHEMA vb_crypto FROM public;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA vb_crypto;
