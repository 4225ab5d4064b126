"""The bridge's routes, one module per area, in the order the app mounts them."""

from server_bridge.api.routes import auth, billing, connect, identity, oauth, pages, stream, webhooks

ROUTERS = (auth.router, oauth.router, billing.router, connect.router, webhooks.router, stream.router,
           pages.router, identity.router)
