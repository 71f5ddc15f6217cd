"""Review: the university's and the regulator's decisions, and the return's thread."""
