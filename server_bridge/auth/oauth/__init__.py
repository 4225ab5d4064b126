"""Browser sign-in for the desktop app: OAuth 2.0 for native apps (RFC 8252) with PKCE (RFC 7636).

The app opens GET /v1/auth/authorize in the system browser; the owner signs in on the bridge's page
(or through the platform's identity provider, which ends in `finish_sign_in`); the browser is sent to
the app's loopback listener with a one-time code; the app redeems it at POST /v1/auth/token.

- loopback: the client id, the redirect rule, PKCE
- flow: pending requests, codes, redeeming (single use)
- password: the page's password check (auth.sign_in)
- pages: the HTML
"""

from server_bridge.auth.oauth.flow import CODE_TTL, REQUEST_TTL, RequestExpired, finish_sign_in, pending_request
from server_bridge.auth.oauth.loopback import CLIENT_ID
from server_bridge.auth.oauth.pages import error_page

__all__ = ["CLIENT_ID", "CODE_TTL", "REQUEST_TTL", "RequestExpired", "error_page", "finish_sign_in",
           "pending_request"]
