-- vb.audit(p_function text, p_arguments jsonb, p_outcome jsonb) → void
--
-- Internal. Records one state-changing call in vb.event_audit, in the caller's transaction
-- (contract audit.md): the acting database role (SET ROLE, else the login), application_name,
-- the request context of vb_api.set_request_context, the function, a summary of its arguments
-- (never a secret) and its outcome ({"status": …}, or counts per status for a batch).
-- The context counts only if its stamp matches (vb.request_context_stamp): one SET directly, or
-- left from an earlier transaction, is no context — the record then has none, and the policy
-- applies as if none had been set.
-- Raises: VB005 when the audit policy requires a request context, the transaction has none and
-- the function is one of vb_api (the middleware's, back office's and feed's calls). The vb_ops
-- jobs (maintenance passes, the relay's bookkeeping) are recorded without one: they act for no
-- request, and a required context would stop the pass that keeps the database healthy.
CREATE OR REPLACE FUNCTION vb.audit(p_function text, p_arguments jsonb, p_outcome jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_request_id text := nullif(current_setting('vb.request_id', true), '');
    v_actor text;
    v_session text;
    v_metadata text;
BEGIN
    IF v_request_id IS NOT NULL THEN
        v_actor := current_setting('vb.actor_user_id', true);
        v_session := current_setting('vb.session_id', true);
        v_metadata := current_setting('vb.request_metadata', true);
        IF current_setting('vb.request_stamp', true) IS DISTINCT FROM
            vb.request_context_stamp(v_request_id, v_actor, v_session, v_metadata) THEN
            v_request_id := NULL;
        END IF;
    END IF;
    IF v_request_id IS NULL THEN
        v_actor := NULL;
        v_session := NULL;
        v_metadata := NULL;
    END IF;
    -- one statement: the record, unless the policy requires a context the transaction lacks
    INSERT INTO vb.event_audit (
        db_role, application_name, request_id, actor_user_id, session_id, metadata,
        function_name, arguments, outcome
    )
    SELECT
        coalesce(nullif(current_setting('role'), 'none'), session_user::text),
        left(current_setting('application_name'), 64),
        v_request_id, nullif(v_actor, '')::uuid, nullif(v_session, '')::uuid, coalesce(v_metadata::jsonb, '{}'::jsonb),
        p_function, coalesce(p_arguments, '{}'::jsonb), coalesce(p_outcome, '{}'::jsonb)
    FROM vb.audit_policy AS p
    WHERE v_request_id IS NOT NULL OR NOT p.require_request_context OR p_function NOT LIKE 'vb\_api.%';
    IF NOT found THEN
        RAISE EXCEPTION '% needs a request context: call vb_api.set_request_context first in this transaction',
            p_function USING ERRCODE = 'VB005';
    END IF;
END
$$;
