"""The outbound WeChat adapter: one async client, the shared token store, typed errors.

Only edges and the notification dispatcher import this package; domains write outbox rows instead.
"""
