"""Notifications: the outbox. Every message to a villager or cadre is a row first, written in the same
transaction as the change that causes it; the dispatcher sends the rows and records how each ended.
"""
