"""The alert use case: check the closed day (and today's cost so far), post, resolve, act.

``engine`` evaluates and steps the stored records; ``delivery`` posts one message per bot
per run under run keys and updates the original message on resolve; ``actions`` answers
the Acknowledge and Snooze buttons; ``backtest`` replays stored history.
"""
