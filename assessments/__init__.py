"""CoachKit's domain: instruments, maturity model, deal scoring and agenda building.

Plain Python only: nothing in this package imports Flask or SQLAlchemy.
"""
