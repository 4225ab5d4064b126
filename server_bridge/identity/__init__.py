"""Who an owner is, besides a password: one-time "forgot password" links sent by mail (resets, mail)
and sign-in with the platform's own accounts through OpenID Connect (oidc)."""
