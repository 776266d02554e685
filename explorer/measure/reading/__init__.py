"""Reading results: headline estimates, the before/after and scorecard tables, the seed project's claims."""
