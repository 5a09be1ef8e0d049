-- vb.ledger_events(p_transfer_events json[], p_changed vb.accounts[]) → json
--
-- Internal. The events of one ledger write, in the events contract's order: the transfer.*
-- events given (vb.transfer_event), in their order, then one balance.changed per changed
-- account that is not deferred (a deferred account's balance changes when it is folded, and
-- vb.fold_account writes its event). Null when there is nothing to write.
-- One builder for vb_api.create_transfer, vb_api.create_transfers and
-- vb_ops.expire_pending_transfers. plpgsql, not sql: a sql body with FROM and an aggregate is
-- not inlined, so it would be planned again on every call (measured: 0.4 ms more per order,
-- which makes a create_transfers call); plpgsql keeps its plan.
CREATE OR REPLACE FUNCTION vb.ledger_events(p_transfer_events json [], p_changed vb.accounts [])
RETURNS json
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (SELECT json_agg(ev.event ORDER BY ev.grp, ev.ord)
    FROM (
        SELECT 1 AS grp, t.ord, t.event
        FROM unnest(p_transfer_events) WITH ORDINALITY AS t (event, ord)
        UNION ALL
        SELECT 2, c.ordinality, vb.balance_changed_event(
            c.account_id, c.asset_code, c.balance, c.pending_out, c.pending_in, c.version
        )
        FROM unnest(p_changed) WITH ORDINALITY AS c
        WHERE NOT c.is_deferred
    ) AS ev);
END
$$;
