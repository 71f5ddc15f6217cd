"""Submission: returns, their versions, drafts, bulk files, what each college owes."""
