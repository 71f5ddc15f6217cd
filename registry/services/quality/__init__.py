"""Quality: the checks of submitted returns, their issues and the quality board."""
