-- The state vb_api.create_transfers keeps in memory for one account of a batch: the account's
-- row as locked (or, for a deferred account only credited, as named), what the batch has done
-- to it so far, and where the row lies (row_id: the final update needs no index). Held as one
-- value per account, so a failed linked chain restores the accounts with one assignment.
CREATE TYPE vb.batch_account AS (
    account_id uuid,
    asset_code text,
    overdraft_limit bigint,   -- an issuer's "unlimited" one as vb.max_issuer_supply()
    balance bigint,           -- null for a deferred account the batch does not read
    pending_out bigint,
    pending_in bigint,
    version bigint,           -- null for a deferred account (its entries are numbered when folded)
    is_deferred boolean,
    is_locked boolean,
    is_dirty boolean,         -- the batch changed the row: written back at the end
    row_id tid
);
