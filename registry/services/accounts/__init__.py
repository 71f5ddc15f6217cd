"""Who acts and what they may do: accounts, API tokens, access rules, the audit trail."""
