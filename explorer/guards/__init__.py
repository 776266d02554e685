"""CI's guards: budgets for the quantities load cannot move, and the few interleaved timing gates."""
