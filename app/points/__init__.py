"""The moral bank (道德银行): a points ledger, versioned rules, rewards, redemptions and the handler pool."""
