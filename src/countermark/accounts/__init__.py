"""Accounts: users with roles and brand/storefront scopes, API tokens, web sessions, webhook subscriptions."""
