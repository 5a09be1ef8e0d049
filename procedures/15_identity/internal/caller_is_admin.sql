-- vb.caller_is_admin() → boolean
--
-- Internal. Whether the caller holds vb_admin (contract identity.md): the role the connection
-- acts as — the one set with SET ROLE, else the login role — never the definer of the function
-- asking. A superuser without SET ROLE counts as every role (PostgreSQL makes it a member of
-- all). Decides what serves both the middleware and the back office: a transfer debiting an
-- issuer account, open_account of a kind other than customer.
CREATE OR REPLACE FUNCTION vb.caller_is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
    SELECT pg_has_role(
        CASE WHEN current_setting('role') = 'none' THEN session_user ELSE current_setting('role') END,
        'vb_admin', 'MEMBER'
    );
$$;
