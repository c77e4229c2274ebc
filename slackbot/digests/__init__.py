"""The digest use case: which digests are due, what they say, and posting each exactly once.

``build`` assembles a ``core.digest.Digest`` from the store (one Botpress call per bot on a
cold store, none after a sync); ``delivery`` posts it under its run key; ``due`` reads the
subscriptions and decides what to post, catch up or skip.
"""
