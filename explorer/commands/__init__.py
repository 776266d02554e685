"""The command line's commands, one module each; ``python -m explorer`` dispatches to them."""
