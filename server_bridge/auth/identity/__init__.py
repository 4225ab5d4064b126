"""Who an owner is, besides a password: one-time "forgot password" links (resets) sent through the
operator's SMTP server (mail), sign-in with the platform's own accounts through OpenID Connect
(oidc, ending in verified_owner), and the HTML and CSRF guard of their pages (pages)."""
